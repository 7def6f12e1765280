import { assertOptionalBoolean, invalidArgument } from '../invalid-argument.js'
import { isSecureUrl } from '../secure-url.js'

/** Which origins receive tokens. Shared by every interceptor. */
export interface OriginOptions {
  /**
   * Origins (`https://api.example.com`, no path) or RegExps matched against a request's whole
   * origin (anchored with `^` and `$`; flags `g` and `y` make no difference).
   * @default the axios instance's `baseURL` origin, else the page's own origin
   */
  origins?: ReadonlyArray<string | RegExp> | undefined
  /** Allow tokens over plain `http:` to a host that is not loopback. @default false */
  allowInsecureHttp?: boolean | undefined
}

/** Whether a URL may carry the token. */
export type OriginPolicy = (url: URL) => boolean


// A pattern must say where an origin starts and ends: `/api\.example\.com/` also matches
// `https://api.example.com.evil.com`. Matching the whole origin also covers `^a|b$`, and the new
// RegExp drops `g`/`y`, whose `lastIndex` would make identical requests alternate.
function wholeOrigin(pattern: RegExp, index: number): RegExp {
  const { source } = pattern
  if (!source.startsWith('^') || !source.endsWith('$') || source.endsWith('\\$')) {
    throw invalidArgument(`origins[${index}]`, 'a RegExp anchored with ^ and $', pattern.toString(), { wrongType: false })
  }
  return new RegExp(`^(?:${source})$`, pattern.flags.replace(/[gy]/g, ''))
}

// An entry is an origin: a path, query or credentials would be silently widened to the whole origin.
function exactOrigin(origin: unknown, index: number, allowInsecureHttp: boolean): string {
  const name = `origins[${index}]`
  let url: URL
  try {
    url = new URL(origin as string)
  } catch {
    throw invalidArgument(name, 'an origin like https://api.example.com', origin, { wrongType: typeof origin !== 'string' })
  }
  // Anything beyond scheme, host and port (path, query, fragment, credentials) changes the href.
  if (url.href !== `${url.origin}/`) throw invalidArgument(name, 'an origin without path, query or credentials', origin, { wrongType: false })
  if (!allowInsecureHttp && !isSecureUrl(url)) {
    throw invalidArgument(name, 'an https origin (or set `allowInsecureHttp: true`)', origin, { wrongType: false })
  }
  return url.origin
}

/**
 * Builds the allowlist check once, at attach time, so a bad origin fails then rather than
 * on the first request. `fallback` is the origin used when `origins` is not given.
 */
export function createOriginPolicy(options: OriginOptions, fallback: string | undefined): OriginPolicy {
  const { origins, allowInsecureHttp = false } = options
  assertOptionalBoolean('allowInsecureHttp', allowInsecureHttp)
  if (origins !== undefined && !Array.isArray(origins)) throw invalidArgument('origins', 'an array of origins', origins)
  const list = origins ?? (fallback === undefined ? [] : [fallback])
  if (list.length === 0) {
    throw invalidArgument('origins', 'a non-empty array (no baseURL or page origin to default to)', origins)
  }
  const exact = new Set<string>()
  const patterns: RegExp[] = []
  for (const [index, origin] of list.entries()) {
    if (origin instanceof RegExp) patterns.push(wholeOrigin(origin, index))
    else exact.add(exactOrigin(origin, index, allowInsecureHttp))
  }
  return (url) => {
    if (!allowInsecureHttp && !isSecureUrl(url)) return false
    return exact.has(url.origin) || patterns.some((pattern) => pattern.test(url.origin))
  }
}

/**
 * Whether a response to a request sent to `sent` that ended at `landed` (its final URL, after any
 * redirect; `''` when unknown) came from the origin the token was sent to: only such a refusal is a
 * verdict on it. Another origin, allowed or not, never got it (the platform drops `Authorization`
 * on the way), or got it where it was never judged.
 */
export function landedWhereSent(landed: string, sent: string): boolean {
  if (!landed || landed === sent) return true
  const origin = resolveUrl(landed)?.origin
  return origin !== undefined && origin === resolveUrl(sent)?.origin
}

/** Whether a request's URL, absolute or relative (resolved as {@link resolveUrl} does), may carry the token. */
export type HrefPolicy = (href: string, base?: string) => boolean

// Origins whose verdict is remembered, per client: enough for every API a client talks to.
const REMEMBERED_ORIGINS = 64

/**
 * {@link OriginPolicy} for URL strings, without a parse per request: a verdict depends on the
 * origin alone, and a string that is a serialised origin, or starts with one followed by `/`,
 * has that origin (the parser ends the authority there), so its verdict is looked up instead.
 */
export function hrefPolicy(isAllowed: OriginPolicy): HrefPolicy {
  const verdicts = new Map<string, boolean>()
  return (href, base) => {
    const slash = href.indexOf('/', href.indexOf('//') + 2)
    const prefix = slash < 0 ? href : href.slice(0, slash)
    const known = verdicts.get(prefix)
    if (known !== undefined) return known
    const url = resolveUrl(href, base)
    if (!url) return false
    const verdict = isAllowed(url)
    // Kept only from a string of the shape it is looked up by: `blob:https://a.com/…` has the
    // origin of `https://a.com`, not its verdict.
    if (prefix === url.origin && verdicts.size < REMEMBERED_ORIGINS) verdicts.set(prefix, verdict)
    return verdict
  }
}

type Page = { location?: { origin?: string; href?: string }; document?: { baseURI?: string } }

/** The page's origin in a browser, `undefined` in Node. */
export const pageOrigin = (): string | undefined => (globalThis as Page).location?.origin

/**
 * Resolves a possibly relative URL the way the platform will: against `base`, else the
 * document's base URL (a `<base href>` included), else the page's address; `undefined` when it
 * cannot be resolved.
 */
export function resolveUrl(url: string, base?: string): URL | undefined {
  const page = (globalThis as Page).document?.baseURI ?? (globalThis as Page).location?.href
  try {
    return new URL(url, base ?? page) // one parse per request when the base is absolute
  } catch {
    // A relative baseURL ('/api') first resolves against the page.
    try {
      return base !== undefined && page !== undefined ? new URL(url, new URL(base, page)) : undefined
    } catch {
      return undefined
    }
  }
}

const SCHEME = /^[a-z][a-z\d+.-]*:/i

/** `href` made absolute once, as judged: a relative URL must not resolve against a `<base>` changed while its request waits. */
export const absoluteHref = (href: string): string => (SCHEME.test(href) ? href : (resolveUrl(href)?.href ?? href))
