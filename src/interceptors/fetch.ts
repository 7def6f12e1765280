import { type Exchange, exchangeOf } from '../exchange.js'
import type { AuthFailureRule } from '../exchange/refusal-rule.js'
import { parseBody } from '../exchange/refusal-rule.js'
import { assertFunction } from '../invalid-argument.js'
import type { AuthFailureInput, ResponseHeaders, Tokens } from '../strategy.js'
import { type ClientOptions, ownRequestOptions, type RequestOptions, resolveClientOptions } from './client-options.js'
import { patchGlobal } from './global-patch.js'
import { isOneShot } from './one-shot-body.js'
import { absoluteHref, landedWhereSent, pageOrigin } from './origin-policy.js'
import { type SessionSource, toExchanges } from './session-source.js'
import { hasOwn } from '../has-own.js'

export type { AuthFailureRule } from '../exchange/refusal-rule.js'
export type { AuthFailureInput, ResponseHeaders } from '../strategy.js'

/** `RequestInit` plus tokenflight's per-request options. */
export interface TokenflightRequestInit extends RequestInit {
  /** tokenflight's options for this request (`skip`, `authFailure`). */
  tokenflight?: RequestOptions | undefined
}

// A refused body larger than this, or of unknown length, is cancelled rather than read; one that
// has not ended this long after its headers (a stalled server) is cancelled too.
const DRAIN_LIMIT_BYTES = 64 * 1024
const DRAIN_WAIT_MS = 100

// Reads a small body to its end within DRAIN_WAIT_MS, else cancels it; never rejects.
async function discard(body: ReadableStream<Uint8Array>, small: boolean): Promise<void> {
  const reader = body.getReader()
  const cancel = (): Promise<void> => reader.cancel().catch(() => {})
  if (!small) return cancel()
  const timer = setTimeout(cancel, DRAIN_WAIT_MS)
  try {
    while (!(await reader.read()).done);
  } catch {
    // a body that fails while read is as good as discarded
  } finally {
    clearTimeout(timer)
  }
}

// The refused answer with its body discarded, before waiting on the refresh: an unread body holds
// its connection (and its buffers) for as long as the refresh takes. A small body of known length
// is read to its end, so its keep-alive connection goes back to the pool and carries the replay;
// a large, unsized or stalled one is cancelled (its connection closed) rather than waited for. The
// copy keeps status, headers, url and redirected, for the rare caller who gets it back.
async function withoutBody(response: Response): Promise<Response> {
  const length = response.headers.get('content-length')
  // A malformed length is NaN, never small; a stalled body is bounded by DRAIN_WAIT_MS anyway.
  const small = length !== null && Number(length) <= DRAIN_LIMIT_BYTES
  if (response.body) await discard(response.body, small)
  const copy = new Response(null, { status: response.status, statusText: response.statusText, headers: response.headers })
  return Object.defineProperties(copy, { url: { value: response.url }, redirected: { value: response.redirected } })
}

// What a wrapper hands the fetch it wraps, by the exchange that handled it: a wrapper of the same
// session further in (`installFetch` under `wrapFetch(globalThis.fetch)`) passes it on untouched,
// so the call is judged, refreshed for and replayed once.
const handled = new WeakMap<object, Exchange>()
const handledBy = <T extends object>(exchange: Exchange, what: T): T => {
  handled.set(what, exchange)
  return what
}

/** A fetch with tokenflight in front of it. */
export type AuthedFetch = (input: Request | string | URL, init?: TokenflightRequestInit) => Promise<Response>

/** Options of {@link wrapFetch}. */
export interface WrapFetchOptions extends ClientOptions {}

// A response as every refusal rule sees it: the body is read from a copy, once, only if asked.
// Once the refusal is judged the body is discarded (used): a rule that reads it later is told so.
class FetchInput implements AuthFailureInput {
  readonly status: number
  #read: Promise<unknown> | undefined
  constructor(readonly response: Response) {
    this.status = response.status
  }
  get headers(): ResponseHeaders {
    return this.response.headers
  }
  body(): Promise<unknown> {
    this.#read ??= this.response.bodyUsed
      ? Promise.reject(new TypeError('The refused body was discarded once judged: with fetch, read body() while the authFailure rule runs'))
      : this.response.clone().text().then(parseBody)
    return this.#read
  }
}

// One request's life: token, send, and after a refusal one shared refresh and one replay.
// `send(headers, first)` sends a fresh copy of the request with `headers`; `init` is the caller's,
// read at the call (a caller reusing one options object changes no request already made).
async function flow(
  exchange: Exchange,
  init: { signal?: AbortSignal | null | undefined; headers?: Headers | undefined; rule: AuthFailureRule | undefined },
  sentTo: string,
  replayable: boolean,
  send: (headers: Headers, first: boolean) => Promise<Response>,
): Promise<Response> {
  const { signal, rule } = init
  const headers = new Headers(init.headers)
  const sent = await exchange.before(headers, signal)
  // The response as it came, then without its body once refused: held under one name only, so the
  // refused one is let go for the replay's round trip.
  let kept = await send(headers, true)
  // A refusal from another origin a redirect led to, which never got the token, is no verdict on it.
  if (kept.redirected && !landedWhereSent(kept.url, sentTo)) return kept
  const answer = exchange.after(sent, new FetchInput(kept), rule, () => ({
    signal,
    replay: replayable ? (authorize) => send(authorize(new Headers(init.headers)), false) : undefined,
    onRefused: async () => {
      kept = await withoutBody(kept)
    },
    refused: () => kept,
  }))
  if (!answer) return kept
  const replayed = await answer
  return replayed ? replayed.value : kept
}

/**
 * Wraps a fetch function: the token goes on requests to allowed origins, and a 401 waits for one
 * shared refresh, then replays once with the same body. Other origins pass through untouched.
 *
 * @example
 * const authedFetch = wrapFetch(fetch, session, { origins: ['https://api.example.com'] })
 * const me = await authedFetch('https://api.example.com/me').then((r) => r.json())
 */
export function wrapFetch<T extends Tokens>(
  fetchFn: typeof fetch,
  session: SessionSource<Request, T>,
  options: WrapFetchOptions = {},
): AuthedFetch {
  assertFunction('fetch', fetchFn)
  const exchangeFor = toExchanges(session)
  const fixed = typeof session === 'function' ? undefined : exchangeOf(session)
  const { allowsHref, rule } = resolveClientOptions('wrapFetch options', options, pageOrigin())

  return async function authedFetch(input, init) {
    const own = ownRequestOptions(init && hasOwn(init, 'tokenflight') ? init.tokenflight : undefined)
    const carrier = init ?? input
    const outer = typeof carrier === 'object' ? handled.get(carrier) : undefined
    if (own?.skip || (outer && outer === fixed)) return fetchFn(input, init)
    // The common case (a URL, no body, one session) needs no Request objects: the same
    // (url, init) is sent again with new headers. Measured in `npm run bench` (steady state).
    if (fixed && (typeof input === 'string' || input instanceof URL) && init?.body == null) {
      // Read once, and resolved once: neither a URL object changed nor a page's `<base>` changed while the request waits redirects it.
      const href = absoluteHref(String(input))
      if (!allowsHref(href)) return fetchFn(href, init)
      const sendInit = { ...init } // the caller's init as it is now, for the send and the replay
      const how = { signal: sendInit.signal, headers: sendInit.headers === undefined ? undefined : new Headers(sendInit.headers), rule: own?.authFailure ?? rule }
      return flow(fixed, how, href, true, (headers) => fetchFn(href, handledBy(fixed, { ...sendInit, headers })))
    }
    const template = new Request(input, init)
    const exchange = allowsHref(template.url) ? exchangeFor(template) : undefined
    // `template` now owns a Request input's body, so it is what goes out either way.
    if (!exchange || exchange === outer) return fetchFn(template)
    const replayable = !isOneShot(init?.body)
    const how = { signal: template.signal, headers: template.headers, rule: own?.authFailure ?? rule }
    return flow(exchange, how, template.url, replayable, (headers, first) =>
      // Cloning tees the body, so `template` keeps an unread copy for the replay (invariant 7).
      fetchFn(handledBy(exchange, new Request(first && replayable && template.body ? template.clone() : template, { headers }))),
    )
  }
}

/** Options of {@link installFetch}. */
export interface InstallFetchOptions extends ClientOptions {}

/**
 * Replaces the global `fetch` with {@link wrapFetch} around it, for pages that call `fetch`
 * directly. Other origins pass through untouched. Returns the uninstall function.
 *
 * @example
 * const uninstall = TokenFlight.installFetch(session, { origins: [location.origin] })
 * const me = await fetch('/api/me').then((r) => r.json()) // token attached, refreshed as needed
 */
export function installFetch<T extends Tokens>(session: SessionSource<Request, T>, options: InstallFetchOptions = {}): () => void {
  return patchGlobal('fetch', 'installFetch', (original, installed) => {
    const authedFetch = wrapFetch(original.bind(globalThis), session, options)
    return ((input, init) => (installed() ? authedFetch(input, init) : original.call(globalThis, input, init))) as typeof fetch
  })
}
