/** Stable codes of every error tokenflight throws, for `switch (err.code)`. */
export type TokenflightErrorCode =
  | 'ERR_REFRESH_FAILED'
  | 'ERR_SESSION_EXPIRED'
  | 'ERR_INVALID_REFRESH_RESPONSE'
  | 'ERR_REFRESH_TIMEOUT'
  | 'ERR_BODY_NOT_REPLAYABLE'
  | 'ERR_STORE_TIMEOUT'
  | 'ERR_RULE_TIMEOUT'

// A registry symbol rather than `instanceof`: errors must be recognised across
// realms (iframes, workers) and across duplicated copies of the package (ESM + CJS).
const brand = Symbol.for('tokenflight.error')

/**
 * Base class of every error tokenflight throws. Messages never contain a token.
 *
 * @example
 * try { await session.getAccessToken() } catch (err) { if (isTokenflightError(err)) console.warn(err.code) }
 */
export class TokenflightError extends Error {
  // `declare`: assigned in the constructor, so no class-field definition is emitted (bytes).
  declare readonly code: TokenflightErrorCode

  constructor(code: TokenflightErrorCode, message: string, options?: { cause?: unknown }) {
    // No cause, no `cause` property (printed as `[cause]: undefined` otherwise).
    const cause = options?.cause
    super(message, cause === undefined ? undefined : { cause })
    // A platform older than the `cause` option (Chrome 93, Firefox 91, Safari 15) drops it.
    if (cause !== undefined && !('cause' in this)) Object.defineProperty(this, 'cause', { value: cause, writable: true, configurable: true })
    this.name = 'TokenflightError'
    this.code = code
    Object.defineProperty(this, brand, { value: true })
  }
}

/**
 * True for any error thrown by tokenflight, from any copy of the package or any realm.
 *
 * @example
 * if (isTokenflightError(err) && err.code === 'ERR_SESSION_EXPIRED') showLogin()
 */
export function isTokenflightError(value: unknown): value is TokenflightError {
  try {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true
  } catch {
    return false // a Proxy whose trap throws: what it throws may quote anything
  }
}

/**
 * Attaches a value that must never be printed (a response body may hold tokens): a getter, which
 * `util.inspect` with `showHidden` (and `util.format`'s `%o`) shows as `[Getter]` without reading.
 */
export function attachHidden(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { get: () => value, enumerable: false, configurable: true })
}
