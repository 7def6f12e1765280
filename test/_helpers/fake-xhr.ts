import { afterEach, beforeEach } from 'vitest'

/**
 * A native XMLHttpRequest for Node tests: the readyState machine and the events a browser fires
 * (readystatechange, loadstart, progress, load, error, abort, timeout, loadend), backed by the
 * real `fetch` to a loopback server. Enough of the platform to drive installXHR in Node.
 */
class FakeProgressEvent extends Event {
  readonly lengthComputable: boolean
  readonly loaded: number
  readonly total: number
  constructor(type: string, init: { lengthComputable?: boolean; loaded?: number; total?: number } = {}) {
    super(type)
    this.lengthComputable = init.lengthComputable ?? false
    this.loaded = init.loaded ?? 0
    this.total = init.total ?? 0
  }
}

/** Installs `ProgressEvent` where Node has none; returns the function removing it. */
export function withProgressEvent(): () => void {
  const scope = globalThis as { ProgressEvent?: unknown }
  if (scope.ProgressEvent) return () => {}
  scope.ProgressEvent = FakeProgressEvent
  return () => {
    delete scope.ProgressEvent
  }
}

/** Every fake XHR sent, with the headers it went out with. */
export const sentByFakes: Array<{ method: string; url: string; headers: Record<string, string> }> = []

export class FakeXMLHttpRequest extends EventTarget {
  /**
   * As Chromium: a request opened and sent again from the microtasks after its HEADERS_RECEIVED
   * readystatechange still gets the first response's LOADING change (readyState 3, status 0).
   */
  static continuesAfterResend = false
  readyState = 0
  status = 0
  statusText = ''
  #responseType: XMLHttpRequestResponseType = ''
  responseText = ''
  responseURL = ''
  responseXML = null
  timeout = 0
  withCredentials = false
  readonly upload = new EventTarget()
  #method = 'GET'
  #url = ''
  #headers: Record<string, string> = {}
  #responseHeaders: Headers | undefined
  #controller: AbortController | undefined
  #timer: ReturnType<typeof setTimeout> | undefined

  // As a native request: neither can change once the response is loading.
  get responseType(): XMLHttpRequestResponseType {
    return this.#responseType
  }
  set responseType(value: XMLHttpRequestResponseType) {
    if (this.readyState > 2) throw new DOMException('loading or done', 'InvalidStateError')
    this.#responseType = value
  }

  get response(): unknown {
    if (this.responseType === 'json') return this.readyState === 4 && this.responseText ? JSON.parse(this.responseText) : null
    return this.responseText
  }

  open(method: string, url: string | URL): void {
    this.#controller?.abort()
    const page = (globalThis as { document?: { baseURI?: string } }).document?.baseURI
    this.#method = method
    this.#url = new URL(String(url), page).href
    this.#headers = {}
    this.status = 0
    this.responseText = ''
    this.#responseHeaders = undefined
    // As natively: readystatechange only when the request was not opened already (a send in flight before its headers is).
    if (this.readyState === 1) return
    this.#state(1)
  }

  setRequestHeader(name: string, value: string): void {
    if (this.readyState !== 1) throw new DOMException('not opened', 'InvalidStateError')
    this.#headers[name.toLowerCase()] = value
  }

  overrideMimeType(): void {
    if (this.readyState > 2) throw new DOMException('loading or done', 'InvalidStateError')
  }

  // As browsers do: a name no header can have is simply not found (fetch's Headers.get would throw).
  getResponseHeader(name: string): string | null {
    if (this.readyState < 2) return null
    try {
      return this.#responseHeaders?.get(name) ?? null
    } catch {
      return null
    }
  }

  getAllResponseHeaders(): string {
    return this.#responseHeaders ? [...this.#responseHeaders].map(([k, v]) => `${k}: ${v}\r\n`).join('') : ''
  }

  send(body?: unknown): void {
    const controller = new AbortController()
    this.#controller = controller
    sentByFakes.push({ method: this.#method, url: this.#url, headers: { ...this.#headers } })
    this.#fire('loadstart')
    if (this.timeout > 0) this.#timer = setTimeout(() => this.#end('timeout', controller), this.timeout)
    const init: RequestInit = { method: this.#method, headers: this.#headers, signal: controller.signal }
    if (body != null) init.body = body as BodyInit
    fetch(this.#url, init).then(
      async (res) => {
        if (controller.signal.aborted) return
        this.status = res.status
        this.statusText = res.statusText
        this.responseURL = res.url
        this.#responseHeaders = res.headers
        this.#state(2)
        if (FakeXMLHttpRequest.continuesAfterResend) {
          for (let i = 0; i < 1000; i++) await null // the microtask checkpoint after a listener, drained
          if (this.#controller !== controller) return this.#state(3)
        }
        const text = await res.text().catch(() => undefined)
        if (controller.signal.aborted) return
        if (text === undefined) return this.#end('error', controller)
        this.responseText = text
        this.#state(3)
        this.#fire('progress')
        clearTimeout(this.#timer)
        this.#state(4)
        this.#fire('load')
        this.#fire('loadend')
      },
      () => {
        if (!controller.signal.aborted) this.#end('error', controller)
      },
    )
  }

  abort(): void {
    if (this.#controller && !this.#controller.signal.aborted && this.readyState !== 4) this.#end('abort', this.#controller)
    if (this.readyState === 4) this.readyState = 0
  }

  #end(type: 'abort' | 'error' | 'timeout', controller: AbortController): void {
    clearTimeout(this.#timer)
    controller.abort()
    this.status = 0
    this.responseText = ''
    this.#state(4)
    this.#fire(type)
    this.#fire('loadend')
    // Unsent again only if no handler opened it anew meanwhile (XHR's abort() steps).
    if (type === 'abort' && this.readyState === 4) this.readyState = 0
  }

  #state(state: number): void {
    this.readyState = state
    this.dispatchEvent(new Event('readystatechange'))
  }

  #fire(type: string): void {
    this.dispatchEvent(new FakeProgressEvent(type))
  }
}

/**
 * For each test of the file: the fake as the global `XMLHttpRequest` (and `ProgressEvent` where
 * Node has none), taken away after it with whatever the test pushed on the returned cleanups.
 */
export function fakeXhrPerTest(): Array<() => unknown> {
  const scope = globalThis as { XMLHttpRequest?: unknown }
  const cleanups: Array<() => unknown> = []
  beforeEach(() => {
    cleanups.push(withProgressEvent())
    scope.XMLHttpRequest = FakeXMLHttpRequest
    cleanups.push(() => delete scope.XMLHttpRequest)
  })
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()?.()
    sentByFakes.length = 0
  })
  return cleanups
}
