import { SessionExpiredError } from '../errors/index.js'
import type { Tokens } from '../strategy.js'
import { providerSkew, tokenExpiry, tokenIssuedAt } from '../token-expiry.js'
import { clampExpiry, type TokenPhase, tokenPhase, type WindowInput } from './refresh-window.js'
import { monotonicNow } from '../monotonic.js'

/** A session's state: its tokens and their refresh window, and whether it is over. No I/O here. */
export class TokenState<T extends Tokens> {
  declare tokens: T | undefined
  window: WindowInput
  /** Bumped by every reset: a refresh that started before one must not overwrite its result. */
  epoch = 0
  /** The terminal failure that ended the session, until the next reset. */
  declare expiredBy: Error | undefined
  /** A provider's Retry-After past the backoff ceiling: no refresh call until then (by either clock: the system's may be set back). */
  declare blocked: { until: number; endsBy: number; error: Error } | undefined
  lastFailureAt = Number.NEGATIVE_INFINITY
  /** The epoch whose tokens another copy refreshed: a refresh they overtook ended with them. */
  fromCopy = -1
  /** How far the provider's clock is ahead of this one (ms), as its last plausible JWT said. */
  skewMs = 0
  /** The first read of the store; callers wait on it. */
  declare loading: Promise<void> | undefined
  // Called at the next reset, then forgotten.
  private readonly resetListeners = new Set<() => void>()

  constructor(
    aheadMs: number,
    aheadShare: number,
    readonly now: () => number,
    readonly lifetime: AbortSignal,
  ) {
    this.window = { expiresAt: undefined, obtainedAt: undefined, aheadMs, aheadShare }
  }

  /**
   * Takes `next` as the current tokens. A known issue time caps the window (else the life counts
   * as infinite). The JWT of this copy's own refresh (asked at `askedAt`, got at `obtainedAt`)
   * tells how far the provider's clock is from this one: JWT times are read with that skew from
   * then on, adopted ones included.
   */
  adopt(next: T | undefined, obtainedAt?: number, askedAt?: number): void {
    if (next && askedAt !== undefined && obtainedAt !== undefined) this.skewMs = providerSkew(next, askedAt, obtainedAt) ?? this.skewMs
    const issuedAt = obtainedAt ?? (next && tokenIssuedAt(next, this.skewMs))
    let expiresAt = next && tokenExpiry(next, this.skewMs)
    // This copy's own refresh answered with a token expired as it came (`expires_in: 0`, an `exp`
    // behind this clock): refreshed ahead, it would be refreshed before every request. It is used
    // until refused, as a token of unknown expiry. (Tokens adopted from another copy may simply
    // have expired there: they keep their expiry.)
    if (askedAt !== undefined && expiresAt !== undefined && issuedAt !== undefined && expiresAt <= issuedAt) expiresAt = undefined
    this.tokens = next
    this.window = { ...this.window, expiresAt: expiresAt === undefined ? undefined : clampExpiry(expiresAt, this.clock()), obtainedAt: issuedAt }
  }

  /**
   * The session's clock, or the system's where it fails: what a provider answered (a rotated
   * refresh token) is never dropped for a broken clock; the next call that reads it reports it.
   */
  clock(): number {
    try {
      return this.now()
    } catch {
      return Date.now()
    }
  }

  /** Tokens replaced from outside a refresh (sign-in, sign-out, another copy): a fresh start. */
  reset(next: T | undefined, obtainedAt?: number): void {
    this.epoch++
    this.loading = undefined
    this.expiredBy = undefined
    this.blocked = undefined
    this.lastFailureAt = Number.NEGATIVE_INFINITY
    this.adopt(next, obtainedAt)
    const listeners = [...this.resetListeners]
    this.resetListeners.clear()
    for (const listener of listeners) listener()
  }

  /**
   * Calls `listener` once, at the next reset: a sign-in, a sign-out or another copy's tokens decide
   * what a wait (the store's first read, a refresh it overtakes) would answer. Returns the way to forget it.
   */
  onNextReset(listener: () => void): () => void {
    this.resetListeners.add(listener)
    return () => void this.resetListeners.delete(listener)
  }

  /** Whether the current tokens came from another copy (not a sign-in or sign-out here) and are usable. */
  heldFromCopy(): boolean {
    return this.fromCopy === this.epoch && this.tokens !== undefined && !this.isOver()
  }

  /** Expired by a terminal failure, or destroyed. */
  isOver(): boolean {
    return this.expiredBy !== undefined || this.lifetime.aborted
  }

  /** Where the current tokens stand at `time`. */
  phase(time: number): TokenPhase {
    return tokenPhase(this.window, time)
  }

  /** Whether a provider's Retry-After still forbids a refresh call. */
  isBlocked(): boolean {
    return this.blocked !== undefined && this.now() < this.blocked.until && monotonicNow() < this.blocked.endsBy
  }

  /** The error for a call that cannot be served: destroyed, expired (with its cause) or signed out. */
  expiredError(): SessionExpiredError {
    if (this.lifetime.aborted) return new SessionExpiredError('The session was destroyed')
    if (this.expiredBy) return new SessionExpiredError(undefined, { cause: this.expiredBy })
    return new SessionExpiredError('The session holds no tokens: sign in')
  }

  /** The answer when a reset overtook a refresh: whatever the user set wins. */
  currentOrThrow(): T {
    if (this.tokens && !this.isOver()) return this.tokens
    throw this.expiredError()
  }
}
