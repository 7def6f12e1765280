/** One event kept back, with the readyState the caller is shown when it is passed on. */
export interface Held {
  event: Event
  readyState: number
}

/**
 * The events of a send whose response may be a refusal, kept back until the exchange decides:
 * passed on as they came, or dropped for the replay's. A body-reading rule waits for the send's
 * end (`whenOver`); a replay does not (it aborts a send still running).
 */
export class HeldEvents {
  #events: Held[] = []
  #over = false
  #waiting: Array<() => void> = []

  /** Keeps an event back; `loadend` ends the send. */
  push(event: Event, readyState: number): void {
    this.#events.push({ event, readyState })
    if (event.type === 'loadend') {
      this.#over = true
      this.#wake()
    }
  }

  /** Resolves once the held send has ended, or was given up (continuations check they are still current). */
  whenOver(): Promise<void> {
    return this.#over ? Promise.resolve() : new Promise((resolve) => this.#waiting.push(resolve))
  }

  /** Takes the events out, and whether the send had ended. */
  drain(): { events: Held[]; over: boolean } {
    const events = this.#events
    this.#events = []
    return { events, over: this.#over }
  }

  /** Gives everything up: whatever waits for the end resumes. */
  clear(): void {
    this.#events = []
    this.#wake()
  }

  #wake(): void {
    for (const resolve of this.#waiting.splice(0)) resolve()
  }
}
