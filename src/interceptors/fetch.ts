import { raceAbort } from '../abort.js'
import { BodyNotReplayableError } from '../errors/index.js'
import { assertFunction } from '../invalid-argument.js'
import type { Session } from '../session.js'
import type { Tokens } from '../strategy.js'
import { createOriginPolicy, type OriginOptions, pageOrigin, resolveUrl } from './origin-policy.js'
import { patchGlobal } from './global-patch.js'
import { enqueueReplay } from './replay-queue.js'
import { type SessionSource, toResolver } from './session-source.js'

/** `RequestInit` plus tokenflight's per-request options. */
export interface TokenflightRequestInit extends RequestInit {
  tokenflight?: {
    /** Send this request untouched: no token, no refresh on 401. @default false */
    skip?: boolean | undefined
  }
}

// The refused answer with its body discarded, before waiting on the refresh: an unread body holds
// its connection (and its buffers) for as long as the refresh takes, with thousands of requests
// waiting. Cancelling beats reading it: read, the connections go back to the pool idle and the
// replays of a 10,000 burst took 31 s instead of 19 (npm run bench). The copy keeps status,
// headers, url and redirected, for the rare caller who gets it back (tokens cleared meanwhile).
async function withoutBody(response: Response): Promise<Response> {
  await response.body?.cancel().catch(() => {})
  const copy = new Response(null, { status: response.status, statusText: response.statusText, headers: response.headers })
  return Object.defineProperties(copy, { url: { value: response.url }, redirected: { value: response.redirected } })
}

/** A fetch with tokenflight in front of it. */
export type AuthedFetch = (input: RequestInfo | URL, init?: TokenflightRequestInit) => Promise<Response>

/** Options of {@link wrapFetch}. */
export interface WrapFetchOptions extends OriginOptions {}

// A stream body is read as it is sent: it cannot be sent twice without buffering all of it.
const isOneShot = (body: unknown): boolean =>
  typeof body === 'object' &&
  body !== null &&
  ((typeof ReadableStream !== 'undefined' && body instanceof ReadableStream) ||
    typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function')

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
  assertFunction('fetch', fetchFn, false)
  const fixed = typeof session === 'function' ? undefined : (session as Session<Tokens>)
  const resolveSession = toResolver(session) as (request: Request) => Session<Tokens> | undefined
  const isAllowed = createOriginPolicy('wrapFetch options', options, pageOrigin())

  // One request's life: token, send, and on an auth failure one shared refresh and one replay.
  // `send(tokens, first)` puts the token on a fresh copy of the request each time.
  async function flow(
    target: Session<Tokens>,
    signal: AbortSignal | null | undefined,
    replayable: boolean,
    send: (tokens: Tokens | undefined, first: boolean) => Promise<Response>,
  ): Promise<Response> {
    const tokens = await raceAbort(target.getTokens(), signal)
    const sentAt = Date.now()
    const response = await send(tokens, true)
    if (!target.isAuthFailure({ status: response.status })) return response
    const roundTrip = Date.now() - sentAt
    // Sent without a token (signed out): no refresh will follow, so the caller gets the 401 intact.
    const refused = tokens ? await withoutBody(response) : response
    const next = await raceAbort(target.handleAuthFailure(tokens?.accessToken), signal)
    if (!next) return refused
    if (!replayable) throw new BodyNotReplayableError(refused)
    return enqueueReplay(target, async () => send(await raceAbort(target.getTokens(roundTrip), signal), false), signal)
  }

  const withToken = (target: Session<Tokens>, tokens: Tokens | undefined, from?: HeadersInit): Headers => {
    const headers = new Headers(from)
    if (tokens) target.authorize(tokens, headers)
    return headers
  }

  return async function authedFetch(input, init) {
    if (init?.tokenflight?.skip) return fetchFn(input, init)
    // The common case (a URL, no body, one session) needs no Request objects: the same
    // (url, init) is sent again with new headers. Measured in `npm run bench` (steady state).
    if (fixed && (typeof input === 'string' || input instanceof URL) && init?.body == null) {
      const url = resolveUrl(String(input))
      if (!url || !isAllowed(url)) return fetchFn(input, init)
      return flow(fixed, init?.signal, true, (tokens) => fetchFn(input, { ...init, headers: withToken(fixed, tokens, init?.headers) }))
    }
    const template = new Request(input, init)
    const target = isAllowed(new URL(template.url)) ? resolveSession(template) : undefined
    // `template` now owns a Request input's body, so it is what goes out either way.
    if (!target) return fetchFn(template)
    const replayable = !isOneShot(init?.body)
    return flow(target, template.signal, replayable, (tokens, first) => {
      const headers = withToken(target, tokens, template.headers)
      // Cloning tees the body, so `template` keeps an unread copy for the replay (invariant 7).
      return fetchFn(new Request(first && replayable && template.body ? template.clone() : template, { headers }))
    })
  }
}

/** Options of {@link installFetch}. */
export interface InstallFetchOptions extends OriginOptions {}

/**
 * Replaces the global `fetch` with {@link wrapFetch} around it, for pages that call `fetch`
 * directly. Other origins pass through untouched. Returns the uninstall function.
 *
 * @example
 * const uninstall = TokenFlight.installFetch(session, { origins: [location.origin] })
 * const me = await fetch('/api/me').then((r) => r.json()) // token attached, refreshed as needed
 */
export function installFetch<T extends Tokens>(session: SessionSource<Request, T>, options: InstallFetchOptions = {}): () => void {
  return patchGlobal('fetch', 'installFetch', (original) => wrapFetch(original.bind(globalThis), session, options) as typeof fetch)
}
