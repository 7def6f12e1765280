import { TokenflightError } from './tokenflight-error.js'

/**
 * A refresh took longer than `refreshTimeoutMs` (every attempt and backoff included): the callers
 * waiting on it are released with this transient error; the attempt in flight was aborted.
 *
 * @example
 * session.on('refreshFailed', ({ error }) => { if (error instanceof RefreshTimeoutError) metrics.timeout() })
 */
export class RefreshTimeoutError extends TokenflightError {
  declare readonly timeoutMs: number
  /** Always `true`: the next request may try again. */
  declare readonly transient: true

  constructor(timeoutMs: number) {
    super('ERR_REFRESH_TIMEOUT', `Token refresh timed out after ${timeoutMs} ms`)
    this.name = 'RefreshTimeoutError'
    this.timeoutMs = timeoutMs
    this.transient = true
  }
}
