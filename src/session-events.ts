/** Why a refresh started. */
export type RefreshReason = 'expired' | 'ahead' | 'unauthorized' | 'manual'

/**
 * Events a session emits. None carries a token, so every payload is safe to log as it is.
 * Listeners observe only: one that throws is reported (like an `EventTarget` listener) and
 * changes no outcome.
 */
export type SessionEvents = {
  /** A refresh started (one per single flight, not per waiting request). */
  refreshing: { reason: RefreshReason }
  /** New tokens are stored and in use. */
  refreshed: { reason: RefreshReason; expiresAt: number | undefined }
  /** A refresh failed after its retries, or ran past `refreshTimeoutMs`. `terminal` failures are followed by `expired`. */
  refreshFailed: { reason: RefreshReason; error: Error; terminal: boolean }
  /** The session cannot be refreshed: the user must sign in again. Fires once per expiry. */
  expired: { error: Error }
  /** An interceptor replayed a request after a refresh; `queueDepth` is what still waits. */
  replayed: { queueDepth: number }
  /** The token store failed or did not answer in time; the tokens stay in memory and a failed write is retried. */
  storeFailed: { operation: 'get' | 'set' | 'delete'; error: Error }
  /** The shared coordinator (Redis) could not be reached in time: this copy refreshed on its own. */
  coordinationDegraded: { error: Error }
  /** The coordinator is reachable again after `coordinationDegraded`. */
  coordinationRestored: Record<string, never>
}

/** Every event a session emits, by name: `on` refuses any other. */
export const sessionEventTypes = {
  refreshing: true,
  refreshed: true,
  refreshFailed: true,
  expired: true,
  replayed: true,
  storeFailed: true,
  coordinationDegraded: true,
  coordinationRestored: true,
} satisfies Record<keyof SessionEvents, true>
