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
  /** The un-intercepted fetch: the refresh call never passes through tokenflight's own wrappers. */
  fetch: typeof fetch
  /**
   * The session's clock (epoch ms), for turning a lifetime into `expiresAt`. Read it before
   * sending: a lifetime counted from the send ends early, never after the server's.
   */
  now: () => number
}

/** The parts of a response a strategy looks at to decide whether its token was refused. */
export interface AuthFailureInput {
  status: number
  body?: unknown
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
  /** Whether a response means the token was refused. Default: `status === 401`. */
  isAuthFailure?(response: AuthFailureInput): boolean
}
