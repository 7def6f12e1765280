import { raceAbort } from '../abort.js'
import type { Session } from '../session.js'
import type { Tokens } from '../strategy.js'
import type { OriginPolicy } from './origin-policy.js'
import { resolveUrl } from './origin-policy.js'
import { enqueueReplay } from './replay-queue.js'

/** What a session resolver of {@link installXHR} is given. */
export interface XhrRequest {
  method: string
  url: URL
}

const EVENT_TYPES = ['readystatechange', 'loadstart', 'progress', 'abort', 'error', 'load', 'timeout', 'loadend'] as const
type EventType = (typeof EVENT_TYPES)[number]
type Handler = ((this: XMLHttpRequest, event: Event) => unknown) | null
type OpenRest = [async?: boolean, username?: string | null, password?: string | null]

//  idle     not sent by us (opened, finished, or passed straight through): events reach the caller
//  waiting  no native request of the caller's running: tokens, a refresh or a replay slot are awaited
//  live     our send is running: its events reach the caller
//  held     the first send was refused: its events are kept back until the refresh decides
type Phase = 'idle' | 'waiting' | 'live' | 'held'

interface HeldEvent {
  event: Event
  readyState: number
}

const copyOf = (event: Event): Event =>
  event instanceof ProgressEvent
    ? new ProgressEvent(event.type, { lengthComputable: event.lengthComputable, loaded: event.loaded, total: event.total })
    : new Event(event.type)

const invalidState = (what: string): DOMException =>
  new DOMException(`Failed to execute '${what}' on 'XMLHttpRequest': the object's state must be OPENED.`, 'InvalidStateError')

/**
 * Builds an `XMLHttpRequest` look-alike around the native one. Each instance drives one native
 * request object; a request to an allowed origin gets the token, and a refused first send waits
 * for the session's single refresh and is sent again, while the caller's handlers see one
 * request: one `loadstart`, no 401, then the replay's events. Synchronous requests and other
 * origins go straight through.
 */
export function authedXhrClass(
  Native: typeof XMLHttpRequest,
  pick: (request: XhrRequest) => Session<Tokens> | undefined,
  isAllowed: OriginPolicy,
): typeof XMLHttpRequest {
  class AuthedXMLHttpRequest extends EventTarget {
    static readonly UNSENT = 0
    static readonly OPENED = 1
    static readonly HEADERS_RECEIVED = 2
    static readonly LOADING = 3
    static readonly DONE = 4
    // Objects made before installXHR (or by the native class) still pass `instanceof XMLHttpRequest`.
    static override [Symbol.hasInstance](value: unknown): boolean {
      // biome-ignore lint/complexity/noThisInStatic: `this` is the class instanceof is asked about, a subclass included
      return Function.prototype[Symbol.hasInstance].call(this, value) || value instanceof Native
    }

    onreadystatechange: Handler = null
    onloadstart: Handler = null
    onprogress: Handler = null
    onabort: Handler = null
    onerror: Handler = null
    onload: Handler = null
    ontimeout: Handler = null
    onloadend: Handler = null

    readonly #inner = new Native()
    #phase: Phase = 'idle'
    // What the caller is shown instead of the native state while waiting (1) or after a cancel (4, 0).
    #shown: number | undefined
    #cancelled = false // the shown state is a network error: status 0, no response
    #session: Session<Tokens> | undefined
    #open: [method: string, url: string, rest: OpenRest] | undefined
    #headers = new Headers()
    #mimeType: string | undefined
    #timeout = 0
    #body: Document | XMLHttpRequestBodyInit | null | undefined
    #sentAt = 0
    #sentWith: string | undefined
    #replaying = false
    #held: HeldEvent[] = []
    #waits: AbortController | undefined // aborts the current wait when the caller gives up
    #deadline: ReturnType<typeof setTimeout> | undefined
    #replayEnded: (() => void) | undefined
    #generation = 0 // a new open() or a cancel makes pending continuations stale

    constructor() {
      super()
      for (const type of EVENT_TYPES) {
        this.#inner.addEventListener(type, (event) => this.#fromNative(event))
        // `on<type>` handlers, as the native object calls them (registered first, so they run first).
        this.addEventListener(type, (event) => {
          const handler = this[`on${type}`]
          if (typeof handler === 'function') handler.call(this as unknown as XMLHttpRequest, event)
        })
      }
    }

    get readyState(): number {
      return this.#shown ?? this.#inner.readyState
    }
    get status(): number {
      return this.#blank() ? 0 : this.#inner.status
    }
    get statusText(): string {
      return this.#blank() ? '' : this.#inner.statusText
    }
    get response(): unknown {
      if (!this.#blank()) return this.#inner.response
      return this.#inner.responseType === '' || this.#inner.responseType === 'text' ? '' : null
    }
    get responseText(): string {
      return this.#blank() ? '' : this.#inner.responseText
    }
    get responseXML(): Document | null {
      return this.#blank() ? null : this.#inner.responseXML
    }
    get responseURL(): string {
      return this.#blank() ? '' : this.#inner.responseURL
    }
    get responseType(): XMLHttpRequestResponseType {
      return this.#inner.responseType
    }
    set responseType(value: XMLHttpRequestResponseType) {
      this.#inner.responseType = value
    }
    get timeout(): number {
      return this.#timeout
    }
    set timeout(value: number) {
      this.#inner.timeout = value
      this.#timeout = this.#inner.timeout
    }
    get withCredentials(): boolean {
      return this.#inner.withCredentials
    }
    set withCredentials(value: boolean) {
      this.#inner.withCredentials = value
    }
    // Upload listeners see the body go out again on a replay.
    get upload(): XMLHttpRequestUpload {
      return this.#inner.upload
    }
    getResponseHeader(name: string): string | null {
      return this.#blank() ? null : this.#inner.getResponseHeader(name)
    }
    getAllResponseHeaders(): string {
      return this.#blank() ? '' : this.#inner.getAllResponseHeaders()
    }
    overrideMimeType(mimeType: string): void {
      this.#inner.overrideMimeType(mimeType)
      this.#mimeType = mimeType
    }

    open(method: string, url: string | URL, ...rest: OpenRest): void {
      this.#reset()
      ;(this.#inner.open as (method: string, url: string | URL, ...rest: OpenRest) => void)(method, url, ...rest)
      // Like the native open(): two arguments mean async; a third argument decides.
      const async = rest.length === 0 || Boolean(rest[0])
      const target = async ? resolveUrl(String(url)) : undefined
      this.#session = target && isAllowed(target) ? pick({ method, url: target }) : undefined
      this.#open = [method, String(url), rest]
    }

    setRequestHeader(name: string, value: string): void {
      if (!this.#session) {
        this.#inner.setRequestHeader(name, value)
        return
      }
      if (this.#phase !== 'idle' || this.#inner.readyState !== 1) throw invalidState('setRequestHeader')
      this.#headers.append(name, value) // applied at send, when the token goes on
    }

    send(body?: Document | XMLHttpRequestBodyInit | null): void {
      const session = this.#session
      if (!session) {
        this.#inner.send(body)
        return
      }
      if (this.#phase !== 'idle' || this.#inner.readyState !== 1) throw invalidState('send')
      this.#body = body
      this.#sentAt = Date.now()
      if (this.#timeout > 0) this.#deadline = setTimeout(() => this.#onDeadline(), this.#timeout)
      const resume = this.#wait()
      raceAbort(session.getTokens(), this.#waits?.signal).then(
        (tokens) => resume(() => this.#sendNative(tokens, false)),
        // No token to be had (the session expired): send without one, so the caller sees the
        // server's own answer, as it would without tokenflight. Aborted waits end in resume().
        () => resume(() => this.#sendNative(undefined, false)),
      )
    }

    abort(): void {
      if (this.#phase === 'waiting' || this.#phase === 'held') this.#cancel('abort')
      else this.#inner.abort()
    }

    #blank(): boolean {
      return this.#shown !== undefined && (this.#shown < 2 || this.#cancelled)
    }

    #reset(): void {
      this.#generation++
      this.#waits?.abort()
      this.#replayEnded?.() // a replay cut short by open() frees its replay slot
      this.#replayEnded = undefined
      clearTimeout(this.#deadline)
      this.#phase = 'idle'
      this.#shown = undefined
      this.#cancelled = false
      this.#replaying = false
      this.#held = []
      this.#headers = new Headers()
      this.#mimeType = undefined
    }

    // Enters the waiting phase; the returned function runs `next` only if nothing cancelled it since.
    #wait(): (next: () => unknown) => void {
      this.#phase = 'waiting'
      this.#shown = 1
      this.#waits = new AbortController()
      const generation = this.#generation
      return (next) => {
        if (generation === this.#generation) next()
      }
    }

    #sendNative(tokens: Tokens | undefined, replay: boolean): void {
      const inner = this.#inner
      const [method, url, rest] = this.#open as [string, string, OpenRest]
      this.#phase = 'live'
      this.#replaying = replay
      this.#sentWith = tokens?.accessToken
      if (replay) {
        ;(inner.open as (method: string, url: string, ...rest: OpenRest) => void)(method, url, ...rest)
        if (this.#mimeType !== undefined) inner.overrideMimeType(this.#mimeType)
        // The caller's timeout covers the whole request, the wait for the refresh included.
        if (this.#timeout > 0) inner.timeout = Math.max(1, this.#timeout - (Date.now() - this.#sentAt))
      }
      const headers = new Headers(this.#headers)
      if (tokens) this.#session?.authorize(tokens, headers)
      for (const [name, value] of headers) inner.setRequestHeader(name, value)
      inner.send(this.#body)
    }

    #fromNative(event: Event): void {
      if (this.#phase === 'held') {
        this.#held.push({ event: copyOf(event), readyState: this.#inner.readyState })
        if (event.type === 'loadend') this.#refreshAndReplay()
        return
      }
      if (this.#phase === 'waiting') return
      const type = event.type as EventType
      const state = this.#inner.readyState
      if (this.#replaying) {
        // The caller saw the first send start; the replay continues it.
        if (type === 'loadstart' || (type === 'readystatechange' && state === 1)) return
      } else if (this.#session && type === 'readystatechange' && state === 2 && this.#session.isAuthFailure({ status: this.#inner.status })) {
        this.#phase = 'held'
        this.#shown = 1
        this.#held.push({ event: copyOf(event), readyState: state })
        return
      }
      this.#shown = undefined
      this.dispatchEvent(copyOf(event))
      if (type === 'loadend') {
        clearTimeout(this.#deadline)
        this.#phase = 'idle'
        this.#replayEnded?.()
        this.#replayEnded = undefined
      }
    }

    #refreshAndReplay(): void {
      const session = this.#session as Session<Tokens>
      const resume = this.#wait()
      const signal = this.#waits?.signal
      const roundTrip = Date.now() - this.#sentAt
      raceAbort(session.handleAuthFailure(this.#sentWith), signal)
        .then((tokens) => {
          if (!tokens) throw new Error('no new tokens')
          return enqueueReplay(session, () => this.#replay(session, resume, roundTrip, signal), signal)
        })
        // The refresh failed or gave nothing: the caller gets the refused answer as it came,
        // e.g. to send the user to a sign-in page; the session has emitted why.
        .catch(() => resume(() => this.#release()))
    }

    // Resolves when the replay has ended, so its replay slot is held that long. Its token must
    // outlive `roundTrip`, how long the refused send took.
    #replay(session: Session<Tokens>, resume: (next: () => unknown) => void, roundTrip: number, signal?: AbortSignal): Promise<void> {
      return raceAbort(session.getTokens(roundTrip), signal).then(
        (tokens) =>
          new Promise<void>((ended) => {
            this.#replayEnded = ended
            resume(() => this.#sendNative(tokens, true))
            if (this.#phase !== 'live') ended() // cancelled meanwhile: nothing was sent
          }),
      )
    }

    #release(): void {
      const held = this.#held
      this.#held = []
      this.#phase = 'idle'
      clearTimeout(this.#deadline)
      for (const { event, readyState } of held) {
        this.#shown = readyState
        this.dispatchEvent(event)
      }
      this.#shown = undefined
    }

    #onDeadline(): void {
      if (this.#phase === 'waiting' || this.#phase === 'held') this.#cancel('timeout')
    }

    // The caller aborted, or its timeout passed, while no native request of theirs was running:
    // the events a native request would fire, with a network error as the response.
    #cancel(type: 'abort' | 'timeout'): void {
      const wasHeld = this.#phase === 'held'
      this.#reset()
      if (wasHeld) {
        this.#phase = 'waiting' // the refused request's own abort events are not passed on
        this.#inner.abort()
        this.#phase = 'idle'
      }
      this.#shown = 4
      this.#cancelled = true
      for (const name of ['readystatechange', type, 'loadend']) {
        this.dispatchEvent(name === 'readystatechange' ? new Event(name) : new ProgressEvent(name))
      }
      if (type === 'abort' && this.#shown === 4) this.#shown = 0
    }
  }
  for (const [name, value] of Object.entries({ UNSENT: 0, OPENED: 1, HEADERS_RECEIVED: 2, LOADING: 3, DONE: 4 })) {
    Object.defineProperty(AuthedXMLHttpRequest.prototype, name, { value, enumerable: true })
  }
  return AuthedXMLHttpRequest as unknown as typeof XMLHttpRequest
}
