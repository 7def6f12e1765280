import type { Tokens } from '../strategy.js'

/**
 * A message between tabs of the same origin. `stale` and `replaces` are fingerprints of access
 * tokens (see tab-fingerprint.ts), never the tokens.
 */
export type TabMessage<T> =
  | { type: 'refreshing'; stale: string }
  | { type: 'tokens'; replaces: string | undefined; tokens: T | undefined }
  /** `terminal`: the provider refused the refresh token for good; no other tab presents it again. */
  | { type: 'failed'; stale: string; terminal?: true | undefined }
  /** A tab that just started asks for the tokens the others hold (it may hold spent ones). */
  | { type: 'ask' }
  /** Without a lock, a tab about to refresh `stale` says so first; of those that claim it at once, the lowest `id` refreshes. */
  | { type: 'claim'; stale: string; id: string }

// Enough to be tokens a session can send: the session checks nothing more of tokens it adopts
// than of tokens the user sets (an `expiresAt` that is not a number reads as unknown).
function isTokens(value: unknown): boolean {
  const accessToken = (value as { accessToken?: unknown } | null)?.accessToken
  return typeof accessToken === 'string' && accessToken !== ''
}

/**
 * The message `data` holds, or `undefined` for anything else: another script may post on the
 * same channel or write the same key, and its garbage must never reach the session.
 */
export function readTabMessage<T extends Tokens>(data: unknown): TabMessage<T> | undefined {
  if (typeof data !== 'object' || data === null) return undefined
  const message = data as Record<string, unknown>
  if (message.type === 'refreshing' || message.type === 'failed') {
    if (typeof message.stale !== 'string') return undefined
    if (message.type === 'refreshing') return { type: 'refreshing', stale: message.stale }
    return { type: 'failed', stale: message.stale, terminal: message.terminal === true || undefined }
  }
  if (message.type === 'ask') return { type: 'ask' }
  if (message.type === 'claim') return typeof message.stale === 'string' && typeof message.id === 'string' ? { type: 'claim', stale: message.stale, id: message.id } : undefined
  if (message.type !== 'tokens') return undefined
  if (message.replaces !== undefined && typeof message.replaces !== 'string') return undefined
  if (message.tokens !== undefined && !isTokens(message.tokens)) return undefined
  return { type: 'tokens', replaces: message.replaces, tokens: message.tokens as T | undefined }
}
