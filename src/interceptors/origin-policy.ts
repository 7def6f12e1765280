import { assertKnownKeys, assertObject, invalidArgument } from '../invalid-argument.js'

/** Which origins receive tokens. Shared by every interceptor. */
export interface OriginOptions {
  /**
   * Origins (`https://api.example.com`) or patterns matched against a request's origin.
   * @default the axios instance's `baseURL` origin, else the page's own origin
   */
  origins?: ReadonlyArray<string | RegExp> | undefined
  /** Allow tokens over plain `http:` to a host that is not loopback. @default false */
  allowInsecureHttp?: boolean | undefined
}

/** Whether a URL may carry the token. */
export type OriginPolicy = (url: URL) => boolean

const isLoopback = (hostname: string): boolean =>
  hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname)

const isSecure = (url: URL): boolean => url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname))

/**
 * Builds the allowlist check once, at attach time, so a bad origin fails then rather than
 * on the first request. `fallback` is the origin used when `origins` is not given.
 */
export function createOriginPolicy(where: string, options: OriginOptions, fallback: string | undefined): OriginPolicy {
  assertObject(where, options)
  assertKnownKeys(where, options, ['origins', 'allowInsecureHttp'])
  const { origins, allowInsecureHttp = false } = options
  if (origins !== undefined && !Array.isArray(origins)) throw invalidArgument('origins', 'an array of origins', origins)
  const list = origins ?? (fallback === undefined ? [] : [fallback])
  if (list.length === 0) {
    throw invalidArgument('origins', 'a non-empty array (there is no baseURL or page origin to default to)', origins)
  }
  const exact = new Set<string>()
  const patterns: RegExp[] = []
  for (const [index, origin] of list.entries()) {
    if (origin instanceof RegExp) {
      patterns.push(origin)
      continue
    }
    let url: URL
    try {
      url = new URL(origin)
    } catch {
      throw invalidArgument(`origins[${index}]`, 'an absolute URL such as https://api.example.com', origin, { wrongType: typeof origin !== 'string' })
    }
    if (!allowInsecureHttp && !isSecure(url)) {
      throw invalidArgument(`origins[${index}]`, 'an https origin (or set `allowInsecureHttp: true`)', origin, { wrongType: false })
    }
    exact.add(url.origin)
  }
  return (url) => {
    if (!allowInsecureHttp && !isSecure(url)) return false
    return exact.has(url.origin) || patterns.some((pattern) => pattern.test(url.origin))
  }
}

/** The page's origin in a browser, `undefined` in Node. */
export const pageOrigin = (): string | undefined => (globalThis as { location?: { origin?: string } }).location?.origin

/** Resolves a possibly relative URL against the page (browsers); `undefined` when it cannot be resolved. */
export function resolveUrl(url: string, base?: string): URL | undefined {
  const page = (globalThis as { location?: { href?: string } }).location?.href
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
