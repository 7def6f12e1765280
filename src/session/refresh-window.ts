/** The longest an access token is believed to live: a provider's absurd lifetime is clamped to it. */
export const MAX_LIFETIME_MS = 365 * 24 * 3_600_000

/** Where a token stands at a given time. */
export type TokenPhase = 'fresh' | 'due' | 'expired'

/** What decides a token's refresh window. Times are epoch ms; `undefined` means unknown. */
export interface WindowInput {
  /** When the token expires; unknown: it is refreshed on failure only. */
  expiresAt: number | undefined
  /** When it was issued; unknown: its life counts as infinite, so nothing caps the window. */
  obtainedAt: number | undefined
  /** How long before expiry a background refresh starts (`refreshAheadMs`). */
  aheadMs: number
  /** The largest share of the token's life the window may take (a window longer than the life would refresh on every read). */
  aheadShare: number
}

/** When the background refresh of a token is due, or `undefined` when its expiry is unknown. */
export function refreshDueAt({ expiresAt, obtainedAt, aheadMs, aheadShare }: WindowInput): number | undefined {
  if (expiresAt === undefined) return undefined
  return expiresAt - Math.min(aheadMs, (expiresAt - (obtainedAt ?? Number.NEGATIVE_INFINITY)) * aheadShare)
}

/** `fresh` (use it), `due` (use it, refresh in the background) or `expired` (refresh before use) at `now`. */
export function tokenPhase(input: WindowInput, now: number): TokenPhase {
  const dueAt = refreshDueAt(input) // undefined exactly when expiresAt is
  if (dueAt === undefined) return 'fresh'
  if (now >= (input.expiresAt as number)) return 'expired'
  return now >= dueAt ? 'due' : 'fresh'
}

/** An expiry no later than `now + MAX_LIFETIME_MS`: a lifetime of `1e308` s must not make tokens unusable. */
export function clampExpiry(expiresAt: number | undefined, now: number): number | undefined {
  if (expiresAt === undefined || Number.isNaN(expiresAt)) return undefined
  return Math.min(expiresAt, now + MAX_LIFETIME_MS)
}
