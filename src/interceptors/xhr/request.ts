import type { RequestOptions } from '../client-options.js'

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
