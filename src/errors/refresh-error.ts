import { invalidArgument, ownFields } from '../invalid-argument.js'
import { MAX_LIFETIME_MS } from '../session/refresh-window.js'
import { attachHidden, TokenflightError } from './tokenflight-error.js'

/** What a strategy knows about a failed refresh call. */
export interface RefreshErrorOptions {
  /** `true`: worth retrying with backoff (5xx, busy, network). `false`: the session is over. */
  transient: boolean
  /** HTTP status of the refresh response, when there was one. */
  status?: number | undefined
  /** The provider's own error code (`ESB-IDP-E0003`, `IDAAS.SDK.COM.0002`, `invalid_grant`…). */
  providerCode?: string | undefined
  /**
   * `true`: the provider refused the session's tokens themselves (spent, revoked, expired: OAuth2's
   * `invalid_grant`), not this client's configuration (client id or secret, API key) nor a check made
   * before any call. With a coordinator, other processes and tabs then never present them again.
   * @default false
   */
  tokensRefused?: boolean | undefined
  /** Milliseconds the provider asked us to wait (`Retry-After`). */
  retryAfterMs?: number | undefined
  /** Provider-specific details (a support id such as S360's `esbUUID`). Kept non-enumerable: the endpoint wrote them. */
  details?: Readonly<Record<string, string>> | undefined
  /** The parsed response body. Kept non-enumerable: it may contain tokens. */
  body?: unknown
  cause?: unknown
}

/**
 * A refresh call failed. `transient` says whether tokenflight retries it; a
 * terminal one ends the session (`expired` event, {@link SessionExpiredError}).
 *
 * @example
 * throw new RefreshError('Refresh rejected', { transient: false, status: 401, providerCode: 'ESB-IDP-E0003' })
 */
export class RefreshError extends TokenflightError {
  declare readonly transient: boolean
  declare readonly status: number | undefined
  declare readonly providerCode: string | undefined
  declare readonly tokensRefused: boolean
  declare readonly retryAfterMs: number | undefined
  declare readonly details: Readonly<Record<string, string>>
  declare readonly body: unknown

  constructor(message: string, options: RefreshErrorOptions) {
    // Checked here: a strategy's typo must not sign the user out (`transient` left out) or block refreshes for good.
    const { transient, retryAfterMs } = ownFields(options ?? {})
    if (typeof transient !== 'boolean') throw invalidArgument('RefreshError options.transient', 'a boolean', transient)
    if (retryAfterMs !== undefined && !(typeof retryAfterMs === 'number' && retryAfterMs >= 0)) {
      throw invalidArgument('RefreshError options.retryAfterMs', 'a number of milliseconds ≥ 0', retryAfterMs)
    }
    super('ERR_REFRESH_FAILED', message, { cause: options.cause })
    this.name = 'RefreshError'
    this.transient = transient
    this.status = options.status
    this.providerCode = options.providerCode
    this.tokensRefused = options.tokensRefused === true
    this.retryAfterMs = retryAfterMs === undefined ? undefined : Math.min(retryAfterMs, MAX_LIFETIME_MS)
    attachHidden(this, 'details', options.details ?? {})
    attachHidden(this, 'body', options.body)
  }
}
