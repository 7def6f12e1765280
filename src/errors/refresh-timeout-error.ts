import { TokenflightError } from './tokenflight-error.js'

/**
 * One refresh attempt took longer than `refreshTimeoutMs`; its request was aborted.
 *
 * @example
 * session.on('refreshFailed', ({ error }) => { if (error instanceof RefreshTimeoutError) metrics.timeout() })
 */
export class RefreshTimeoutError extends TokenflightError {
  declare readonly timeoutMs: number

  constructor(timeoutMs: number) {
    super('ERR_REFRESH_TIMEOUT', `Token refresh timed out after ${timeoutMs} ms`)
    this.name = 'RefreshTimeoutError'
    this.timeoutMs = timeoutMs
  }
}
