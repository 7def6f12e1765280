import { isTokenflightError } from '../errors/index.js'
import { isSafeError, safeError } from '../errors/safe-words.js'

/**
 * A store's failure as it may be shown (events, logs, a rejected `setTokens()` or `clear()`): a
 * new `Error` saying which call failed, with the original's code, class name and leading word
 * where they are safe words; never its message, fields, cause or stack (Redis quotes
 * `…with args beginning with: '{"accessToken…`). One tokenflight wrote itself is shown as it is.
 */
export function storeFailure(error: unknown, operation: 'get' | 'set' | 'delete'): Error {
  // Told by brand, not `instanceof`: a thrown Proxy's getPrototypeOf trap would throw its own text.
  if (isTokenflightError(error) || isSafeError(error)) return error
  return safeError(`The token store's ${operation}() failed`, error)
}
