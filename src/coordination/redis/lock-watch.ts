import { monotonicNow } from '../../monotonic.js'

/**
 * What this process saw of another's lock. Seen held, then Redis failing or refusing writes (a
 * renewal cannot land then either), that lock may have run out under a holder whose rotated tokens
 * are still to be written: its client may come back later than ours, or Redis take writes again
 * before its next write-back. A free lock is then left alone for one lock TTL.
 */
export interface LockWatch {
  /** Another process holds the lock. */
  heldElsewhere(): void
  /** A command on the lock failed or was refused. */
  failed(): void
  /** Newer tokens arrived, or this process refreshes itself: nothing left to suspect. */
  settled(): void
  /** On taking a free lock: how long to leave it alone still (0: use it). */
  asideMs(): number
}

/**
 * Creates the watch of one coordinator; it outlives a refresh that failed on the refusal.
 *
 * @example
 * const watch = lockWatch(5_000); if (watch.asideMs() > 0) await lock.release(owner)
 */
export function lockWatch(ttlMs: number): LockWatch {
  let held = false
  let failedSince = false
  let asideUntil = 0
  return {
    heldElsewhere() {
      held = true
    },
    failed() {
      failedSince ||= held
    },
    settled() {
      held = failedSince = false
      asideUntil = 0
    },
    asideMs() {
      const now = monotonicNow()
      if (failedSince) {
        held = failedSince = false
        asideUntil = now + ttlMs // timed from Redis taking this process's lock request again
      }
      return Math.max(0, asideUntil - now)
    },
  }
}
