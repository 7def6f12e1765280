import { RefreshError } from '../errors/index.js'
import type { Tokens } from '../strategy.js'
import { isHeaderValue } from './response-fields.js'

/**
 * The credential a strategy refreshes with (`refreshToken`, `sessionToken`…). Without a usable
 * one the session cannot be refreshed: a terminal failure, raised before any network call.
 */
export function requireCredential(tokens: Tokens, field: string, provider: string): string {
  const value = tokens[field]
  if (isHeaderValue(value)) return value
  throw new RefreshError(`${provider} session holds no usable \`${field}\`: sign in again`, { transient: false })
}

/** A terminal failure for a session whose credential is past a known deadline: no call is made. */
export function assertNotPast(deadline: unknown, now: number, what: string, provider: string): void {
  if (typeof deadline === 'number' && now >= deadline) {
    throw new RefreshError(`${provider} ${what} has expired: sign in again`, { transient: false, providerCode: 'EXPIRED_LOCALLY' })
  }
}
