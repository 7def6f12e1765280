import type { Exchange, Replayed, Sent } from '../../exchange.js'
import type { AuthFailureRule } from '../../exchange/refusal-rule.js'
import type { OriginPolicy } from '../origin-policy.js'
import { resolveUrl } from '../origin-policy.js'
import { responseInput } from './response-input.js'
import { copyOf, invalidState, XhrLookAlike } from './look-alike.js'
import type { XhrRequest, XhrRequestOptions } from './request.js'

type OpenRest = [async?: boolean, username?: string | null, password?: string | null]
type Body = Parameters<XMLHttpRequest['send']>[0]

//  idle     not sent by us (opened, finished, or passed straight through): events reach the caller
//  waiting  no native request of the caller's running: tokens, a refresh or a replay slot are awaited
//  live     our send is running: its events reach the caller
//  held     the response may be a refusal: its events are kept back until the exchange decides
type Phase = 'idle' | 'waiting' | 'live' | 'held'

/**
 * Builds an `XMLHttpRequest` look-alike around the native one. A request to an allowed origin
 * gets the token, and a refused first send waits for the session's single refresh and is sent
 * again, while the caller's handlers see one request: one `loadstart`, no refusal, then the
 * replay's events. Synchronous requests and other origins go straight through.
 */
export function authedXhrClass(Native: typeof XMLHttpRequest, pick: (request: XhrRequest) => Exchange | undefined, isAllowed: OriginPolicy, rule: AuthFailureRule | undefined): typeof XMLHttpRequest {
  class AuthedXMLHttpRequest extends XhrLookAlike {
    // Objects made before installXHR (or by the native class) still pass `instanceof XMLHttpRequest`.
    static override [Symbol.hasInstance](value: unknown): boolean {
      // biome-ignore lint/complexity/noThisInStatic: `this` is the class instanceof is asked about, a subclass included
      return Function.prototype[Symbol.hasInstance].call(this, value) || value instanceof Native
    }

    tokenflight: XhrRequestOptions | undefined
    #error: Error | undefined
    #phase: Phase = 'idle'
    #exchange: Exchange | undefined
    #open: [method: string, url: string, rest: OpenRest] | undefined
    #headers = new Headers()
    #body: Body
    #sentAt = 0
    #over = false // the held send has ended
    #sent: Sent | undefined
    #replaying = false
    #held: Array<{ event: Event; readyState: number }> = []
    #ended: (() => void) | undefined // the held send's end, awaited by a replay or a body-reading rule
    #waits: AbortController | undefined // aborts the current wait when the caller gives up
    #deadline: ReturnType<typeof setTimeout> | undefined
    #replayEnded: (() => void) | undefined
    #generation = 0 // a new open() or a cancel makes pending continuations stale

    constructor() {
      super(new Native())
    }

    /** Why tokenflight ended this request as a network error, if it did. */
    get tokenflightError(): Error | undefined {
      return this.#error
    }

    open(method: string, url: string | URL, ...rest: OpenRest): void {
      this.#reset()
      this.#error = undefined
      ;(this.inner.open as (method: string, url: string | URL, ...rest: OpenRest) => void)(method, url, ...rest)
      // Like the native open(): two arguments mean async; a third argument decides.
      const async = rest.length === 0 || Boolean(rest[0])
      const target = async ? resolveUrl(String(url)) : undefined
      this.#exchange = target && isAllowed(target) ? pick({ method, url: target }) : undefined
      this.#open = [method, String(url), rest]
    }

    setRequestHeader(name: string, value: string): void {
      if (!this.#exchange) {
        this.inner.setRequestHeader(name, value)
        return
      }
      if (this.#phase !== 'idle' || this.inner.readyState !== 1) throw invalidState('setRequestHeader')
      this.#headers.append(name, value) // applied at send, when the token goes on
    }

    send(body?: Body): void {
      const exchange = this.tokenflight?.skip ? undefined : this.#exchange
      if (!exchange) {
        // Skipped after open(): the headers kept back for the token's turn go on now.
        if (this.#exchange) for (const [name, value] of this.#headers) this.inner.setRequestHeader(name, value)
        this.#exchange = undefined
        this.inner.send(body)
        return
      }
      if (this.#phase !== 'idle' || this.inner.readyState !== 1) throw invalidState('send')
      this.#body = body
      this.#sentAt = exchange.now()
      if (this.timeoutMs > 0) this.#deadline = setTimeout(() => this.#onDeadline(), this.timeoutMs)
      const resume = this.#wait()
      exchange.before(new Headers(this.#headers), this.#waits?.signal).then(
        (sent) => resume(() => this.#sendNative(sent.headers, sent)),
        (error: unknown) => resume(() => this.#cancel('error', error)),
      )
    }

    abort(): void {
      if (this.#phase === 'waiting' || this.#phase === 'held') this.#cancel('abort')
      else this.inner.abort()
    }

    #reset(): void {
      this.#generation++
      this.#waits?.abort()
      this.#replayEnded?.() // a replay cut short by open() frees its replay slot
      this.#replayEnded = undefined
      this.#ended?.()
      this.#ended = undefined
      clearTimeout(this.#deadline)
      this.#phase = 'idle'
      this.shown = undefined
      this.cancelled = false
      this.#replaying = false
      this.#held = []
      this.#headers = new Headers()
      this.mimeType = undefined
    }

    // Enters the waiting phase; the returned function runs `next` only if nothing cancelled it since.
    #wait(): (next: () => unknown) => void {
      this.#phase = 'waiting'
      this.shown = 1
      this.#waits = new AbortController()
      const generation = this.#generation
      return (next) => {
        if (generation === this.#generation) next()
      }
    }

    // `sent` is the first send's record; a replay has none (its response goes back as it comes).
    #sendNative(headers: Headers, sent: Sent | undefined): void {
      const { inner } = this
      const [method, url, rest] = this.#open as [string, string, OpenRest]
      this.#phase = 'live'
      this.shown = undefined
      this.#replaying = sent === undefined
      this.#sent = sent
      if (this.#replaying) {
        ;(inner.open as (method: string, url: string, ...rest: OpenRest) => void)(method, url, ...rest)
        if (this.mimeType !== undefined) inner.overrideMimeType(this.mimeType)
        // The caller's timeout covers the whole request, the wait for the refresh included.
        if (this.timeoutMs > 0) inner.timeout = Math.max(1, this.timeoutMs - ((this.#exchange as Exchange).now() - this.#sentAt))
      }
      for (const [name, value] of headers) inner.setRequestHeader(name, value)
      inner.send(this.#body)
    }

    protected override fromNative(event: Event): void {
      if (this.#phase === 'held') {
        this.#held.push({ event: copyOf(event), readyState: this.inner.readyState })
        if (event.type === 'loadend') {
          this.#over = true
          this.#ended?.()
          this.#ended = undefined
        }
        return
      }
      if (this.#phase === 'waiting') return
      const { type } = event
      const state = this.inner.readyState
      if (this.#replaying) {
        // The caller saw the first send start; the replay continues it.
        if (type === 'loadstart' || (type === 'readystatechange' && state === 1)) return
      } else if (this.#sent && type === 'readystatechange' && state === 2 && this.#judge(copyOf(event))) return
      this.dispatchEvent(copyOf(event))
      if (type === 'loadend') {
        clearTimeout(this.#deadline)
        this.#phase = 'idle'
        this.#replayEnded?.()
        this.#replayEnded = undefined
      }
    }

    // Asks the exchange about the headers just received; true when the events are held back.
    #judge(event: Event): boolean {
      const generation = this.#generation
      const answer = (this.#exchange as Exchange).after(this.#sent as Sent, responseInput(this.inner, () => this.#whenOver()), {
        rule: this.tokenflight?.authFailure ?? rule,
        signal: this.#waits?.signal,
        replay: (authorize) => this.#whenOver().then(() => this.#replay(generation, authorize)),
        refused: () => this,
      })
      if (!answer) return false
      this.#phase = 'held'
      this.#over = false
      this.shown = 1
      this.#held.push({ event, readyState: 2 })
      const resume = (next: () => unknown): void => {
        if (generation === this.#generation) next()
      }
      answer.then(
        (replayed: Replayed<void>) => resume(() => replayed || this.#release()),
        (error: unknown) => resume(() => this.#cancel('error', error)),
      )
      return true
    }

    // Made only when a rule reads the body or a replay waits: most responses never need it.
    #whenOver(): Promise<void> {
      if (this.#over || this.#phase !== 'held') return Promise.resolve()
      return new Promise((resolve) => {
        const previous = this.#ended
        this.#ended = () => {
          previous?.()
          resolve()
        }
      })
    }

    // Resolves when the replay has ended, so its replay slot is held that long.
    #replay(generation: number, authorize: (headers: Headers) => Headers): Promise<void> {
      return new Promise<void>((ended) => {
        if (generation !== this.#generation) return ended() // cancelled meanwhile: nothing is sent
        this.#replayEnded = ended
        this.#held = []
        this.#sendNative(authorize(new Headers(this.#headers)), undefined)
      })
    }

    // The held events go to the caller as they came; the native request goes on if it has not ended.
    #release(): void {
      const held = this.#held
      this.#held = []
      const over = held.some(({ event }) => event.type === 'loadend')
      this.#phase = over ? 'idle' : 'live'
      if (over) clearTimeout(this.#deadline)
      for (const { event, readyState } of held) {
        this.shown = readyState
        this.dispatchEvent(event)
      }
      this.shown = undefined
    }

    #onDeadline(): void {
      if (this.#phase === 'waiting' || this.#phase === 'held') this.#cancel('timeout')
    }

    // The caller aborted, its timeout passed, or tokenflight failed the request, while no native
    // request of theirs was running: the events a native request would fire, with a network error.
    #cancel(type: 'abort' | 'timeout' | 'error', error?: unknown): void {
      const wasHeld = this.#phase === 'held'
      this.#reset()
      if (wasHeld) {
        this.#phase = 'waiting' // the held request's own abort events are not passed on
        this.inner.abort()
        this.#phase = 'idle'
      }
      if (type === 'error') this.#error = error instanceof Error ? error : new Error(String(error))
      this.shown = 4
      this.cancelled = true
      for (const name of ['readystatechange', type, 'loadend']) {
        this.dispatchEvent(name === 'readystatechange' ? new Event(name) : new ProgressEvent(name))
      }
      if (type === 'abort' && this.shown === 4) this.shown = 0
    }
  }
  return AuthedXMLHttpRequest as unknown as typeof XMLHttpRequest
}
