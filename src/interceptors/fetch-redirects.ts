import type { Exchange } from '../exchange.js'
import { placementOf } from '../token-placement.js'
import { type HrefPolicy, resolveUrl } from './origin-policy.js'
import { discardBody } from '../discard-body.js'

/** One hop of a request whose redirects are followed here: where it goes, how, and with what. */
export interface Hop {
  readonly url: string
  readonly method: string
  readonly headers: Headers
  /** Whether the request's body goes too (not after a redirect that made it a `GET`). */
  readonly withBody: boolean
}

// As fetch itself: its limit, its redirect statuses, the headers it drops on a redirect to another
// origin, and those it drops with the body when a redirect makes the request a GET.
const MAX_REDIRECTS = 20
const REDIRECTS = new Set([301, 302, 303, 307, 308])
const CROSS_ORIGIN_HEADERS = ['authorization', 'proxy-authorization', 'cookie']
const BODY_HEADERS = ['content-encoding', 'content-language', 'content-location', 'content-type', 'content-length']

type Runtime = { process?: { versions?: { node?: unknown } }; document?: unknown }

/**
 * Whether fetch shows a redirect's `Location` under `redirect: 'manual'` here: Node, and the
 * runtimes that say they are compatible with it, but not a page that has Node too (Electron's
 * renderer), whose fetch is the browser's and answers with an opaque redirect.
 */
const readableRedirects = typeof (globalThis as Runtime).process?.versions?.node === 'string' && (globalThis as Runtime).document === undefined

/**
 * Sends `first` and follows its redirects as fetch would, with one difference: a hop to an origin
 * the allowlist does not allow goes without the token. fetch drops only `Authorization` on its
 * own, so a token in another header would follow a redirect anywhere. `tokenless` makes the
 * request's headers without the token (the caller's own, less every header the strategy wrote),
 * only once a hop goes elsewhere.
 */
export async function followGuarded(send: (hop: Hop, redirects: number) => Promise<Response>, first: Hop, tokenless: () => Headers, allowsHref: HrefPolicy): Promise<Response> {
  let hop = first
  const dropped = new Set<string>()
  for (let redirects = 0; ; redirects++) {
    const response = await send(hop, redirects)
    const location = REDIRECTS.has(response.status) ? response.headers.get('location') : null
    if (location === null) return redirects === 0 ? response : landedAt(response, hop.url)
    // Its body is not what the caller gets: let go of it, and of its connection (a wrapped fetch
    // other than the platform's, node-fetch, gives a Node stream).
    if (response.body) discardBody(response.body)
    if (redirects === MAX_REDIRECTS) throw new TypeError('fetch failed: more than 20 redirects')
    const url = resolveUrl(location, hop.url)
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new TypeError('fetch failed: a redirect to a location that is not an http(s) URL')
    // As fetch: a network error, which names no part of a location the server wrote.
    if (url.username || url.password) throw new TypeError('fetch failed: a redirect to a location with credentials')
    const method = hop.method.toUpperCase()
    const asGet = (response.status === 303 && method !== 'GET' && method !== 'HEAD') || ((response.status === 301 || response.status === 302) && method === 'POST')
    if (asGet) for (const name of BODY_HEADERS) dropped.add(name)
    if (url.origin !== new URL(hop.url).origin) for (const name of CROSS_ORIGIN_HEADERS) dropped.add(name)
    const headers = new Headers(allowsHref(url.href) ? first.headers : tokenless())
    for (const name of dropped) headers.delete(name)
    hop = { url: url.href, method: asGet ? 'GET' : hop.method, headers, withBody: hop.withBody && !asGet }
  }
}

/** A send's headers that note the name of each one written on them once made. */
export type WrittenHeaders = Headers & { readonly written: ReadonlySet<string> }

let Written: (new (own?: Headers) => WrittenHeaders) | undefined

/**
 * Headers for a send whose redirects are followed here: they note the names the strategy writes
 * (the token's, or every one a user's `authorize` sets), which stay off a hop elsewhere. The class
 * is made at first use: a page without `Headers` loads this file too.
 */
export function writtenHeaders(own?: Headers): WrittenHeaders {
  Written ??= class extends Headers {
    readonly written = new Set<string>()
    override set(name: string, value: string): void {
      this.written.add(name.toLowerCase())
      super.set(name, value)
    }
    override append(name: string, value: string): void {
      this.written.add(name.toLowerCase())
      super.append(name, value)
    }
  }
  return new Written(own)
}

/**
 * The caller's own headers less every one written on the send's (`sent`) and the strategy's own
 * header, written or not (signed out, a stale copy the caller left there is a token still).
 */
export function withoutToken(sent: WrittenHeaders, own: Headers | undefined, exchange: Exchange): Headers {
  const tokenless = new Headers(own)
  for (const name of sent.written) tokenless.delete(name)
  tokenless.delete(placementOf(exchange.strategy)?.header ?? 'authorization')
  return tokenless
}

/**
 * A response made here (a redirect's last hop, a refused one without its body) saying where it
 * landed as fetch's own does; its clones say so too (`clone()` reads only what fetch recorded).
 */
export function landedAt(response: Response, url: string, redirected = true): Response {
  const clone = response.clone.bind(response)
  return Object.defineProperties(response, { url: { value: url }, redirected: { value: redirected }, clone: { value: () => landedAt(clone(), url, redirected) } })
}

/**
 * Whether `fn` is Node's own fetch (its bundled undici, which drops `Authorization` on a redirect to
 * another origin), told by its source, which loads a module no user code can: a polyfill put on the
 * global in its place (node-fetch, or an older undici package, keeps it on a redirect to another
 * port) is not, whatever the global says.
 */
export function isNodeFetch(fn: unknown): boolean {
  try {
    return typeof fn === 'function' && Function.prototype.toString.call(fn).includes("require('internal/deps/undici/undici')")
  } catch {
    return false
  }
}

// Whether this request's redirects are followed here rather than by fetch: fetch keeps a token in
// any header but `Authorization` (a user's `authorize`, another header) on a redirect to another
// origin, and Node shows where one points. Another fetch (`platform` false: node-fetch keeps even
// `Authorization` on a redirect to another port or a subdomain) is trusted with none.
export const guardsRedirects = (exchange: Exchange, redirect: RequestRedirect | undefined, platform: boolean): boolean =>
  readableRedirects && (redirect ?? 'follow') === 'follow' && (!platform || placementOf(exchange.strategy)?.header.toLowerCase() !== 'authorization')

// One hop of a request whose redirects are followed here. The first goes as the request itself,
// a copy when its body can be sent again (by a 307 or 308, or the replay); a later one goes to
// where a redirect pointed, with a copy of the body for a 307 or 308 (a one-shot body has none).
export function hopRequest(template: Request, hop: Hop, redirects: number, copyable: boolean): Request {
  const init = { headers: hop.headers, redirect: 'manual' as const }
  if (redirects === 0) return new Request(copyable && template.body !== null ? template.clone() : template, init)
  if (hop.withBody && template.bodyUsed) throw new TypeError('fetch failed: a redirect would send a body that can be sent once again')
  const body = hop.withBody ? template.clone().body : null
  return new Request(hop.url, { ...init, method: hop.method, body, duplex: 'half' } as RequestInit)
}
