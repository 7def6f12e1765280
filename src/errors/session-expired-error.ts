import { TokenflightError } from './tokenflight-error.js'

/**
 * The session cannot be refreshed any more (or holds no tokens): the user must
 * sign in again. Requests are rejected with it, without a network call, until
 * `session.setTokens()`.
 *
 * @example
 * api.get('/me').catch((err) => { if (err instanceof SessionExpiredError) location.assign('/login') })
 */
export class SessionExpiredError extends TokenflightError {
  constructor(message = 'The session has expired: sign in again', options?: { cause?: unknown }) {
    super('ERR_SESSION_EXPIRED', message, options)
    this.name = 'SessionExpiredError'
  }
}
