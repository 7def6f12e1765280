import type { Exchange, Replayed, Sent } from '../../exchange.js'
import type { AuthFailureRule } from '../../exchange/refusal-rule.js'
import { ownRequestOptions } from '../client-options.js'
import { landedWhereSent } from '../origin-policy.js'
import { copyOf } from './copy-of.js'
import { DrivenXhr } from './driven-xhr.js'
import { newHeaders } from './header-list.js'
import { HeldEvents } from './held-events.js'
import { invalidState } from './invalid-state.js'
import type { Body, OpenRest } from './look-alike.js'
import { nextTask } from './next-task.js'
import type { Phase } from './phase.js'
import { openTarget } from './request.js'
import { responseInput } from './response-input.js'
import { type Setup, setupOf } from './setup.js'

/**
 * The auth phases of an `XMLHttpRequest` look-alike: a refused send to an allowed origin waits for the session's single refresh and is sent
 * again, the handlers seeing one request (one `loadstart`, no refusal). Sync requests and other origins go straight through.
 */
export class AuthedXhr extends DrivenXhr {
  #phase: Phase = 'idle'
  #exchange: Exchange | undefined
  #headers = newHeaders()
  #body: Body
  #rule: AuthFailureRule | undefined // the request's own, else the client's, as read at send()
  #sentAt = 0
  #sent: Sent | undefined
  #held: HeldEvents | undefined
  #waits: AbortController | undefined // aborts the current wait when the caller gives up
  #replayEnded: (() => void) | undefined
  #generation = 0 // a new open() or a cancel makes pending continuations stale
  #href = '' // where open() sent it, as judged: a response from elsewhere came by a redirect
  readonly #setup: Setup

  constructor() {
    const made = new.target as typeof AuthedXhr
    super(new (made.native as typeof XMLHttpRequest)())
    this.#setup = setupOf(made)
  }
  open(method: string, url: string | URL, ...rest: OpenRest): void {
    const { href, target } = openTarget(url, rest)
    const exchange = target && this.#setup.isAllowed(target) ? this.#setup.pick({ method, url: target }) : undefined
    const shownState = this.readyState
    this.#reset()
    // Set before the native open(): its readystatechange handler may set headers or open() again (the last one wins).
    this.#href = href
    this.#exchange = exchange
    try {
      this.openAsCaller(method, href, rest, shownState)
    } catch (error) {
      this.#exchange = undefined // refused by the native open(): no token goes where it is opened
      throw error
    }
  }
  setRequestHeader(name: string, value: string): void {
    if (!this.#exchange) return void this.inner.setRequestHeader(name, value)
    if (this.#phase !== 'idle' || this.inner.readyState !== 1) throw invalidState("execute 'setRequestHeader'")
    this.#headers.append(name, value) // applied at send, when the token goes on
  }
  send(body?: Body): void {
    const own = ownRequestOptions(this.tokenflight) // a rule that is none throws here, before anything is sent
    const exchange = own?.skip ? undefined : this.#exchange
    // Skipped after open(): the headers kept back for the token's turn go on now.
    if (this.#exchange && !exchange) for (const [name, value] of this.#headers) this.inner.setRequestHeader(name, value)
    if (!exchange) return void this.inner.send(body)
    if (this.#phase !== 'idle' || this.inner.readyState !== 1) throw invalidState("execute 'send'")
    this.#body = body
    this.#rule = own?.authFailure ?? this.#setup.rule
    this.#sentAt = exchange.now()
    this.startDeadline(() => (this.#phase === 'waiting' || this.#phase === 'held') && this.#cancel('timeout'))
    this.#phase = 'waiting'
    this.shown = 1
    this.#waits = new AbortController()
    const { signal } = this.#waits
    const generation = this.#generation
    this.dispatchEvent(new ProgressEvent('loadstart')) // as the native send() does, before any wait
    if (generation !== this.#generation) return // its handler aborted or opened again: this send is over
    const headers = newHeaders(this.#headers)
    new Promise<Sent>((resolve) => resolve(exchange.before(headers, signal)))
      .then((sent) => generation === this.#generation && this.#sendNative(headers, sent))
      .catch((error: unknown) => generation === this.#generation && this.#cancel('error', error)) // a wait or a send that threw
  }
  abort(): void {
    if (this.#phase === 'waiting' || this.#phase === 'held') this.#cancel('abort')
    else this.inner.abort()
  }

  #reset(): void {
    this.failure = undefined
    this.#generation++
    this.#waits?.abort()
    this.#replayEnded?.() // a replay cut short by open() frees its replay slot
    this.#replayEnded = undefined
    this.clearDeadline()
    this.#phase = 'idle'
    this.resetShown()
    this.#sent = undefined
    this.#held?.clear()
    this.#held = undefined
    this.#headers = newHeaders()
  }

  // `sent`: the first send's record; a replay has none (its response goes back as it comes).
  #sendNative(headers: Headers, sent: Sent | undefined): void {
    // Reopened while still held back or waiting: its readystatechange (1) is no news to the caller.
    if (!sent) this.reopenNative()
    this.#phase = 'live'
    this.shown = undefined
    this.#sent = sent
    // The caller's timeout covers the whole request, the waits for tokens and the refresh included.
    this.sendInner(headers, this.#body, this.timeoutMs - ((this.#exchange as Exchange).now() - this.#sentAt))
  }

  protected override fromNative(event: Event): void {
    const { type } = event
    if (this.#phase === 'held') this.#held?.push(copyOf(event), this.inner.readyState)
    // Waiting, the native request is opened, not sent: a `loadend` is the last one's (an `abort` handler sent anew), passed on as natively.
    if (this.#phase === 'waiting' && type === 'loadend') this.dispatchEvent(copyOf(event))
    if (this.#phase === 'held' || this.#phase === 'waiting') return
    const state = this.inner.readyState
    // The caller saw our request start at send(); a replay continues it.
    if (this.#phase === 'live' && type === 'loadstart') return
    // A refusal from another origin a redirect led to, which never got the token, is no verdict on it.
    const judged = this.#sent && type === 'readystatechange' && state === 2 && landedWhereSent(this.inner.responseURL, this.#href)
    if (judged && this.#judge(copyOf(event))) return
    const generation = this.#generation
    this.dispatchEvent(copyOf(event))
    // Over, unless a handler opened it anew (a polling loop): that request is the one now.
    if (type === 'loadend' && generation === this.#generation) {
      this.clearDeadline()
      this.#phase = 'idle'
      this.#replayEnded?.()
      this.#replayEnded = undefined
    }
  }

  // Asks the exchange about the headers just received; true when the events are held back.
  #judge(event: Event): boolean {
    const generation = this.#generation
    // Held before asking: a rule that reads the body must wait for the whole of it.
    const held = new HeldEvents()
    this.#held = held
    this.#phase = 'held'
    const answer = (this.#exchange as Exchange).after(this.#sent as Sent, responseInput(this.inner, () => held.whenOver()), this.#rule, () => ({
      signal: this.#waits?.signal,
      replay: (authorize) => this.#replay(generation, authorize),
      refused: () => this,
    }))
    if (!answer) {
      this.#phase = 'live'
      this.#held = undefined
      return false
    }
    this.shown = 1
    held.push(event, 2)
    answer.then(
      (replayed: Replayed<void>) => generation === this.#generation && !replayed && this.#release(),
      (error: unknown) => generation === this.#generation && this.#cancel('error', error),
    )
    return true
  }

  // Resolves when the replay has ended (its replay slot is held that long). Sent in a task of its own: re-sent from
  // the microtasks after a native event, Chromium would go on with the refused response's steps on it.
  #replay(generation: number, authorize: (headers: Headers) => Headers): Promise<void> {
    return new Promise<void>((ended, failed) =>
      nextTask(() => {
        if (generation !== this.#generation) return ended() // cancelled meanwhile: nothing is sent
        try {
          this.#replayEnded = ended
          // A refused body still arriving (slow, or endless) is not waited for: the replay replaces it.
          if (this.#held?.drain().over === false) this.quietly((inner) => inner.abort())
          this.#held = undefined
          this.#sendNative(authorize(newHeaders(this.#headers)), undefined)
        } catch (error) {
          failed(error) // a throwing `authorize` or send fails the replay, and the request with it
        }
      }),
    )
  }

  // The held events go to the caller as they came; the native request goes on if it has not ended.
  #release(): void {
    const { events, over } = this.#held?.drain() ?? { events: [], over: true }
    this.#held = undefined
    this.#phase = over ? 'idle' : 'live'
    if (over) this.clearDeadline()
    this.dispatchHeld(events)
  }

  // Aborted, timed out or failed by tokenflight with no native request of theirs running: the events a native one would fire.
  #cancel(type: 'abort' | 'timeout' | 'error', error?: unknown): void {
    const wasHeld = this.#phase === 'held'
    this.#reset()
    if (wasHeld) this.quietly((inner) => inner.abort()) // the held request's own abort events are not passed on
    if (type === 'error') this.failure = error instanceof Error ? error : new Error(String(error))
    this.dispatchFailure(type)
  }
}
