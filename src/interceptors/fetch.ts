import { type Exchange, exchangeOf } from '../exchange.js'
import type { AuthFailureRule } from '../exchange/refusal-rule.js'
import { assertFunction } from '../invalid-argument.js'
import type { Tokens } from '../strategy.js'
import { type ClientOptions, ownRequestOptions, type RequestOptions, resolveClientOptions } from './client-options.js'
import { patchGlobal } from './global-patch.js'
import { isOneShot } from './one-shot-body.js'
import { followGuarded, guardsRedirects, hopRequest, isNodeFetch, withoutToken, writtenHeaders } from './fetch-redirects.js'
import { FetchInput } from './fetch-input.js'
import { markAuthed, requestSender } from './fetch-foreign.js'
import { handled, handledBy } from './fetch-handled.js'
import { asResponse, releaseRefused } from './fetch-refused-body.js'
import { absoluteHref, type HrefPolicy, landedWhereSent, pageOrigin } from './origin-policy.js'
import { type SessionSource, toExchanges } from './session-source.js'
import { hasOwn } from '../has-own.js'

export type { AuthFailureRule } from '../exchange/refusal-rule.js'
export type { AuthFailureInput, ResponseHeaders } from '../strategy.js'

/** `RequestInit` plus tokenflight's per-request options. */
export interface TokenflightRequestInit extends RequestInit {
  /** tokenflight's options for this request (`skip`, `authFailure`). */
  tokenflight?: RequestOptions | undefined
}

/** A fetch with tokenflight in front of it. */
export type AuthedFetch = (input: Request | string | URL, init?: TokenflightRequestInit) => Promise<Response>

/** Options of {@link wrapFetch}. */
export interface WrapFetchOptions extends ClientOptions {}

const plainHeaders = (own: Headers | undefined): Headers => new Headers(own)

// One request's life: token, send, and after a refusal one shared refresh and one replay. `send(headers, first)` sends a fresh copy
// with `headers` (`headersOf` the caller's own); `init` is the caller's, read at the call (reusing one options object changes no request made).
async function flow<H extends Headers>(
  exchange: Exchange,
  init: { signal?: AbortSignal | null | undefined; headers?: Headers | undefined; rule: AuthFailureRule | undefined },
  sentTo: string,
  replayable: boolean,
  headersOf: (own: Headers | undefined) => H,
  send: (headers: H, first: boolean) => Promise<Response>,
): Promise<Response> {
  const { signal, rule } = init
  const headers = headersOf(init.headers)
  const sent = await exchange.before(headers, signal)
  // Held under one name only: once refused, let go for the replay's round trip (only its head stays).
  let kept: Response | (() => Response) = await send(headers, true)
  // A refusal from another origin a redirect led to, which never got the token, is no verdict on it.
  if (kept.redirected && !landedWhereSent(kept.url, sentTo)) return kept
  let input: FetchInput | undefined = new FetchInput(kept)
  const answer = exchange.after(sent, input, rule, () => ({
    signal,
    replay: replayable ? (authorize) => send(authorize(headersOf(init.headers)), false) : undefined,
    onRefused: (judged) => {
      input?.stop()
      input = undefined // what a rule read of the body is not held through the wait
      if (typeof kept !== 'function') kept = releaseRefused(kept, judged)
    },
    refused: () => asResponse(kept),
  }))
  const replayed = answer && (await answer)
  // Judged: a read of the copy that the rule did not wait for serves no verdict.
  input?.stop()
  // Not refused, or refused while signed out (nothing to replay with).
  return replayed ? replayed.value : asResponse(kept)
}

// The fetch a wrapper sends with, whether it is the platform's own, and where its token may go.
interface Client {
  readonly fetchFn: typeof fetch
  readonly platform: boolean
  /** Sends a request made here: as it is, or as a URL and an init to a fetch that cannot read it. */
  readonly sendMade: (request: Request, init: RequestInit) => Promise<Response>
  readonly allowsHref: HrefPolicy
}

const platformFetches = /* @__PURE__ */ new WeakSet<object>() // the global fetch as installFetch binds it

// A URL without a body: the same (url, init) is sent again with new headers. `sendInit` is the
// caller's init as it is at the call, for the send and the replay.
function sendUrl(client: Client, exchange: Exchange, href: string, sendInit: TokenflightRequestInit, rule: AuthFailureRule | undefined): Promise<Response> {
  const { fetchFn, allowsHref } = client
  const how = { signal: sendInit.signal, headers: sendInit.headers === undefined ? undefined : new Headers(sendInit.headers), rule }
  if (!guardsRedirects(exchange, sendInit.redirect, client.platform)) return flow(exchange, how, href, true, plainHeaders, (headers) => fetchFn(href, handledBy(exchange, { ...sendInit, headers })))
  return flow(exchange, how, href, true, writtenHeaders, (headers) =>
    followGuarded(
      (hop) => fetchFn(hop.url, handledBy(exchange, { ...sendInit, method: hop.method, headers: hop.headers, redirect: 'manual' as const })),
      { url: href, method: sendInit.method ?? 'GET', headers, withBody: false },
      () => withoutToken(headers, how.headers, exchange),
      allowsHref,
    ),
  )
}

// A request as a `Request` (`template`), sent as copies of it. `wanted.input`, the caller's own
// `Request`, is held while the request lives: its signal is what `wanted.signal` may follow.
function sendRequest(
  client: Client,
  exchange: Exchange,
  template: Request,
  wanted: { sendInit: RequestInit & { signal: AbortSignal | null }; rule: AuthFailureRule | undefined; input: unknown },
  replayable: boolean,
): Promise<Response> {
  const { allowsHref } = client
  const { sendInit } = wanted
  const send = (request: Request): Promise<Response> => client.sendMade(request, handledBy(exchange, sendInit))
  const how = { ...wanted, signal: sendInit.signal, headers: template.headers }
  if (!guardsRedirects(exchange, template.redirect, client.platform)) {
    return flow(exchange, how, template.url, replayable, plainHeaders, (headers, first) =>
      // Cloning tees the body, so `template` keeps an unread copy for the replay (invariant 7). A
      // platform without `Request.body` (Firefox, Chrome < 105) says `undefined`: cloned too.
      send(new Request(first && replayable && template.body !== null ? template.clone() : template, { headers })),
    )
  }
  return flow(exchange, how, template.url, replayable, writtenHeaders, (headers) =>
    followGuarded(
      (hop, redirects) => send(hopRequest(template, hop, redirects, replayable)),
      { url: template.url, method: template.method, headers, withBody: template.body !== null },
      () => withoutToken(headers, how.headers, exchange),
      allowsHref,
    ),
  )
}

// What a `Request` carries, absent from the init sent beside one (an `undefined` member counts as
// absent), so the request's own stand: a hop's method, headers and `redirect: 'manual'`.
const requestOwn = { body: undefined, headers: undefined, method: undefined, redirect: undefined } as object

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
  const platform = platformFetches.has(fetchFn) || (fetchFn === globalThis.fetch && isNodeFetch(fetchFn))
  const sendMade = platform ? fetchFn : requestSender(fetchFn)
  const client: Client = { fetchFn, platform, sendMade, allowsHref }

  return markAuthed(async function authedFetch(input, init) {
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
      return sendUrl(client, fixed, href, { ...init }, own?.authFailure ?? rule)
    }
    const template = new Request(input, init)
    // Each send gets the signal as fetch's own option: undici stops following a Request's signal
    // once that Request is dropped, so an abort would never reach a send made from a copy. The
    // caller's signal, else the one of the caller's Request, kept alive meanwhile (`sendRequest`).
    const given = init?.signal
    const signal = given !== undefined ? given : template.signal
    // What a `Request` does not carry (undici's `dispatcher`, a framework's own options) goes with every send too.
    const sendInit = { ...init, ...requestOwn, signal }
    const exchange = allowsHref(template.url) ? exchangeFor(template) : undefined
    // `template` now owns a Request input's body, so it is what goes out either way.
    if (!exchange || exchange === outer) return sendMade(template, sendInit)
    return sendRequest(client, exchange, template, { sendInit, rule: own?.authFailure ?? rule, input }, !isOneShot(init?.body))
  })
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
    const bound = original.bind(globalThis)
    if (isNodeFetch(original)) platformFetches.add(bound) // the global fetch, as wrapFetch(fetch) takes it
    const authedFetch = wrapFetch(bound, session, options)
    return ((input, init) => (installed() ? authedFetch(input, init) : original.call(globalThis, input, init))) as typeof fetch
  })
}
