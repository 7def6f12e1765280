import { copyOf } from './copy-of.js'
import { invalidState } from './invalid-state.js'
import { dressAsNative, EVENT_TYPES } from './native-prototype.js'
import type { XhrRequestOptions } from './request.js'

/** The arguments of `open()` after the URL. */
export type OpenRest = [async?: boolean, username?: string | null, password?: string | null]
/** What `send()` takes. */
export type Body = Parameters<XMLHttpRequest['send']>[0]
type Handler = ((this: XMLHttpRequest, event: Event) => unknown) | null

// The `<script>` build loads anywhere; only installXHR (where EventTarget exists) constructs this.
const EventTargetBase: typeof EventTarget = typeof EventTarget === 'function' ? EventTarget : (class {} as typeof EventTarget)

/**
 * What an `XMLHttpRequest` shows its caller (constants, `on<type>` handlers, getters), read from
 * one native request object, except while `shown` says otherwise: a state shown instead of the
 * native one (1 while waiting, 4 or 0 after a cancel); with `cancelled`, a network error. How the
 * native request is driven (DrivenXhr) and the auth phases (AuthedXhr) live in subclasses.
 */
export class XhrLookAlike extends EventTargetBase {
  /** The native class wrapped: its objects (made before installing) still pass `instanceof` the look-alike. */
  static native: unknown

  // Accessors on the prototype (below), kept as a native EventTarget keeps them.
  declare onreadystatechange: Handler
  declare onloadstart: Handler
  declare onprogress: Handler
  declare onabort: Handler
  declare onerror: Handler
  declare onload: Handler
  declare ontimeout: Handler
  declare onloadend: Handler

  /** tokenflight's options for this request (`skip`, `authFailure`), read at `send()`. */
  tokenflight: XhrRequestOptions | undefined
  /** Why tokenflight ended this request as a network error, if it did. */
  protected failure: Error | undefined
  #quiet = false // the native request's events are not the caller's news (see `quietly`)

  protected shown: number | undefined
  protected cancelled = false
  protected timeoutMs = 0
  protected mimeType: string | undefined
  /** A `responseType` set while a refused response was held back, for the replay. */
  protected responseTypeLater: XMLHttpRequestResponseType | undefined

  constructor(protected readonly inner: XMLHttpRequest) {
    super()
    for (const type of EVENT_TYPES) inner.addEventListener(type, (event) => this.#quiet || this.fromNative(event))
    // A native request has no own enumerable properties: code that copies or lists them sees none here either.
    for (const key of Object.keys(this)) Object.defineProperty(this, key, { enumerable: false })
  }

  /** Shows the native request as it is again, forgetting what the caller set for the last one. */
  protected resetShown(): void {
    this.shown = undefined
    this.cancelled = false
    this.mimeType = undefined
  }

  get tokenflightError(): Error | undefined {
    return this.failure
  }

  /** Runs `use` on the native request with its events kept from the caller (an abort or open() of ours). */
  protected quietly(use: (inner: XMLHttpRequest) => void): void {
    this.#quiet = true
    try {
      use(this.inner)
    } finally {
      this.#quiet = false
    }
  }

  /** A native event: passed on as it is here; the auth phases decide in the subclass. */
  protected fromNative(event: Event): void {
    this.dispatchEvent(copyOf(event))
  }

  /** Passes kept-back events on, each with the readyState the caller saw then. */
  protected dispatchHeld(events: ReadonlyArray<{ event: Event; readyState: number }>): void {
    for (const { event, readyState } of events) {
      this.shown = readyState
      this.dispatchEvent(event)
    }
    this.shown = undefined
  }

  /** The events a native request fires when it ends without a response: a network error, an abort or a timeout. */
  protected dispatchFailure(type: 'abort' | 'timeout' | 'error'): void {
    this.shown = 4
    this.cancelled = true
    for (const name of ['readystatechange', type, 'loadend']) {
      this.dispatchEvent(name === 'readystatechange' ? new Event(name) : new ProgressEvent(name))
    }
    if (type === 'abort' && this.shown === 4) this.shown = 0
  }

  /** Whether the caller sees no response: waiting (before headers) or cancelled. */
  protected blank(): boolean {
    return this.shown !== undefined && (this.shown < 2 || this.cancelled)
  }

  get readyState(): number {
    return this.shown ?? this.inner.readyState
  }
  get status(): number {
    return this.blank() ? 0 : this.inner.status
  }
  get statusText(): string {
    return this.blank() ? '' : this.inner.statusText
  }
  get response(): unknown {
    if (!this.blank()) return this.inner.response
    return this.inner.responseType === '' || this.inner.responseType === 'text' ? '' : null
  }
  get responseText(): string {
    if (!this.blank()) return this.inner.responseText
    this.readableAs('responseText', 'text')
    return ''
  }
  get responseXML(): Document | null {
    if (!this.blank()) return this.inner.responseXML
    this.readableAs('responseXML', 'document')
    return null
  }
  get responseURL(): string {
    return this.blank() ? '' : this.inner.responseURL
  }
  get responseType(): XMLHttpRequestResponseType {
    return this.responseTypeLater ?? this.inner.responseType
  }
  set responseType(value: XMLHttpRequestResponseType) {
    // Held back, the refused response is loading: the caller's request is opened, the type is the replay's.
    if (this.heldLoading()) this.responseTypeLater = value
    else this.inner.responseType = value
  }
  get timeout(): number {
    return this.timeoutMs
  }
  set timeout(value: number) {
    this.inner.timeout = value
    this.timeoutMs = this.inner.timeout
  }
  get withCredentials(): boolean {
    return this.inner.withCredentials
  }
  set withCredentials(value: boolean) {
    // Not once send() was called: our wait before the native send (1), or a request we ended (4).
    if (this.shown === 1 || this.shown === 4) throw invalidState("set the 'withCredentials' property", "The value may only be set if the object's state is UNSENT or OPENED")
    this.inner.withCredentials = value
  }
  // Upload listeners see the body go out again on a replay.
  get upload(): XMLHttpRequestUpload {
    return this.inner.upload
  }
  getResponseHeader(name: string): string | null {
    return this.blank() ? null : this.inner.getResponseHeader(name)
  }
  getAllResponseHeaders(): string {
    return this.blank() ? '' : this.inner.getAllResponseHeaders()
  }
  overrideMimeType(mimeType: string): void {
    if (!this.heldLoading()) this.inner.overrideMimeType(mimeType)
    this.mimeType = mimeType
  }
  // As the native getter, which throws for another responseType whatever the state.
  private readableAs(property: string, type: XMLHttpRequestResponseType): void {
    const given = this.responseType
    if (given === '' || given === type) return
    throw invalidState(`read the '${property}' property`, `The value is only accessible if the object's 'responseType' is '' or '${type}' (was '${given}')`, 'from')
  }
  // The caller sees an opened request while the native one, refused and held back, is past its headers.
  private heldLoading(): boolean {
    return this.shown === 1 && this.inner.readyState > 2
  }
}

dressAsNative(XhrLookAlike)
