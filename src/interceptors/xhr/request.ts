import type { RequestOptions } from '../client-options.js'
import { resolveUrl } from '../origin-policy.js'

/** What a session resolver of `installXHR` is given. */
export interface XhrRequest {
  method: string
  url: URL
}

/**
 * tokenflight's options for one XMLHttpRequest, set on it as `xhr.tokenflight` before `send()`:
 * `skip` sends it untouched, `authFailure` is its own rule for a refused token.
 *
 * @example
 * const xhr = new XMLHttpRequest()
 * xhr.open('POST', '/login')
 * xhr.tokenflight = { skip: true } // a sign-in call: no token, no refresh
 */
export interface XhrRequestOptions extends RequestOptions {}

/**
 * Where `open(method, url, ...rest)` sends, read once and resolved as the native open() does:
 * the replay goes where it was judged, whatever becomes of a URL object or the document's base.
 * Two arguments mean async, a third decides; a synchronous request has no `target` (not judged).
 */
export function openTarget(url: string | URL, rest: readonly unknown[]): { href: string; target: URL | undefined } {
  const href = String(url)
  const target = rest.length === 0 || Boolean(rest[0]) ? resolveUrl(href) : undefined
  return { href: target?.href ?? href, target }
}

declare global {
  interface XMLHttpRequest {
    /** tokenflight's options for this request (`skip`, `authFailure`), read at `send()`. */
    tokenflight?: XhrRequestOptions | undefined
    /**
     * Why tokenflight ended this request as a network error (status 0, an `error` event): the
     * session expired (`SessionExpiredError`), the refresh failed, or the refusal rule threw.
     */
    readonly tokenflightError?: Error | undefined
  }
}
