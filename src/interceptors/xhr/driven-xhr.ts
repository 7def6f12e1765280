import { timerDelay } from '../../timer-delay.js'
import { type Body, type OpenRest, XhrLookAlike } from './look-alike.js'

/**
 * The native request driven for the caller: the caller's `open()` (its `readystatechange` as
 * natively, whatever state the native request was in), a replay's `open()` with what the caller
 * set on the first, and the caller's timeout over the waits. The auth phases live in the subclass.
 */
export class DrivenXhr extends XhrLookAlike {
  // The caller's timeout, run by us while no native request of theirs is running.
  #deadline: ReturnType<typeof setTimeout> | undefined
  // The caller's `open()` arguments, for sending the same request again.
  #opened: [method: string, url: string | URL, rest: OpenRest] | undefined

  /** Starts the caller's `timeout` (if any) over the whole request, waits included. */
  protected startDeadline(expired: () => void): void {
    if (this.timeoutMs > 0) this.#deadline = setTimeout(expired, timerDelay(this.timeoutMs))
  }

  protected clearDeadline(): void {
    clearTimeout(this.#deadline)
  }

  /**
   * The caller's `open()` on the native request: `readystatechange` (1) fires unless the request
   * the caller saw (`shownState`) was opened already, whatever state the native one was in.
   */
  protected openAsCaller(method: string, url: string | URL, rest: OpenRest, shownState: number): void {
    const nativeFires = this.inner.readyState !== 1
    if (shownState === 1 && nativeFires) this.quietly(() => this.#open(method, url, rest))
    else this.#open(method, url, rest)
    if (shownState !== 1 && !nativeFires) this.dispatchEvent(new Event('readystatechange'))
  }

  /** Opens the native request again for a replay, with what the caller set on the first. */
  protected reopenNative(): void {
    const [method, url, rest] = this.#opened as [string, string | URL, OpenRest]
    this.#open(method, url, rest)
    if (this.mimeType !== undefined) this.inner.overrideMimeType(this.mimeType)
  }

  /** Sends the native request with `headers`, given what is left of the caller's timeout (`leftMs`), if there is one. */
  protected sendInner(headers: Iterable<[string, string]>, body: Body, leftMs: number): void {
    if (this.timeoutMs > 0) this.inner.timeout = Math.max(1, leftMs)
    for (const [name, value] of headers) this.inner.setRequestHeader(name, value)
    this.inner.send(body)
  }

  #open(method: string, url: string | URL, rest: OpenRest): void {
    // Recorded first: a handler the native open() runs may open() again, and the last one is the request.
    this.#opened = [method, url, rest]
    const responseType = this.responseTypeLater
    this.responseTypeLater = undefined
    ;(this.inner.open as (method: string, url: string | URL, ...rest: OpenRest) => void)(method, url, ...rest)
    if (responseType !== undefined) this.inner.responseType = responseType
  }
}
