import { TokenflightError } from './tokenflight-error.js'

/**
 * A refusal rule (`authFailure`, a strategy's `isAuthFailure`) was still judging a response after
 * `refreshTimeoutMs`: its request is released with this error rather than held for ever.
 *
 * @example
 * try { await api.get('/me') } catch (err) { if (err instanceof RuleTimeoutError) metrics.slowRule(err.timeoutMs) }
 */
export class RuleTimeoutError extends TokenflightError {
  declare readonly timeoutMs: number

  constructor(timeoutMs: number) {
    super('ERR_RULE_TIMEOUT', `The refusal rule did not settle within ${timeoutMs} ms: the response was not judged`)
    this.name = 'RuleTimeoutError'
    this.timeoutMs = timeoutMs
  }
}
