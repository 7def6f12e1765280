/**
 * The credentials a session holds. `accessToken` goes on requests; the rest is
 * whatever the provider needs to refresh it (refresh token, session id…).
 */
export interface Tokens {
  accessToken: string
  refreshToken?: string | undefined
  /** Epoch milliseconds after which `accessToken` is no longer accepted. */
  expiresAt?: number | undefined
  [key: string]: unknown
}

/** What a strategy receives for one refresh attempt. */
export interface RefreshContext {
  /** Aborted when the attempt times out or the session is destroyed. */
  signal: AbortSignal
  /**
   * The un-intercepted fetch: the refresh call never passes through tokenflight's own wrappers. It
   * follows no redirect unless the call says `redirect: 'follow'` (one would carry the refresh
   * credentials wherever it points): a 3xx comes back as it is (in a browser, status 0).
   */
  fetch: typeof fetch
  /**
   * The session's clock (epoch ms), for turning a lifetime into `expiresAt`. Read it before
   * sending: a lifetime counted from the send ends early, never after the server's.
   */
  now: () => number
}

/** The response headers a refusal rule may read (`WWW-Authenticate`…): the part of `Headers` every transport can offer. */
export interface ResponseHeaders {
  /** The header's value by any case of its name (several joined with `, `), or `null` when the response has none (or the name is not one a header can have). */
  get(name: string): string | null
}

/**
 * What a refusal rule is shown of a response, the same on every transport (axios, fetch, XHR).
 * `body()` reads the body only when asked, once (later calls share the read): JSON when it
 * parses as JSON, else text; under axios it is `response.data` as axios made it. With fetch it is
 * read from a copy, so the caller still gets the body, and at most 1 MiB of it (past that `body()`
 * rejects with a `RangeError`); a refused body is then discarded, so a `body()` first called after
 * the rule has judged rejects with a `TypeError`.
 */
export interface AuthFailureInput {
  readonly status: number
  readonly headers: ResponseHeaders
  body(): Promise<unknown>
}

/**
 * How one identity provider refreshes tokens. Throw `RefreshError` with
 * `transient: true` for failures worth retrying and `false` when the session is over.
 */
export interface Strategy<T extends Tokens = Tokens> {
  readonly name: string
  refresh(current: T, context: RefreshContext): Promise<T>
  /** Puts the access token on an outgoing request. Default: `Authorization: Bearer <accessToken>`. */
  authorize?(tokens: T, headers: Headers): void
  /**
   * Whether a response means the token was refused; may be async (to read the body). Default:
   * `status === 401`. A client's or a request's `authFailure` rule replaces it.
   */
  isAuthFailure?(response: AuthFailureInput): boolean | Promise<boolean>
}
