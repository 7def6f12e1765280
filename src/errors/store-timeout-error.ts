import { TokenflightError } from './tokenflight-error.js'

/**
 * A token store's `get`, `set` or `delete` did not settle in time (`refreshTimeoutMs`): the
 * session carries on without it (tokens stay in memory, a failed write is retried).
 *
 * @example
 * session.on('storeFailed', ({ error }) => { if (error instanceof StoreTimeoutError) metrics.slowStore(error.operation) })
 */
export class StoreTimeoutError extends TokenflightError {
  declare readonly operation: 'get' | 'set' | 'delete'
  declare readonly timeoutMs: number

  constructor(operation: 'get' | 'set' | 'delete', timeoutMs: number) {
    super('ERR_STORE_TIMEOUT', `The token store's ${operation}() did not settle within ${timeoutMs} ms`)
    this.name = 'StoreTimeoutError'
    this.operation = operation
    this.timeoutMs = timeoutMs
  }
}
