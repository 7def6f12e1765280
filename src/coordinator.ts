import type { SessionEvents } from './session-events.js'
import type { Tokens } from './strategy.js'

/** What a coordinator may do to the session it serves. */
export interface CoordinatorLink<T extends Tokens = Tokens> {
  /** Tokens another copy (process, tab) stored, or `undefined` when it signed out: the session adopts them. */
  adopt(tokens: T | undefined): void
  /** Emits a session event (`coordinationDegraded`, `coordinationRestored`). */
  emit<K extends keyof SessionEvents>(type: K, event: SessionEvents[K]): void
  /**
   * The longest a caller waits on a refresh in this session, retries included (ms): past it, it is
   * released with a transient error. The coordinated work runs on up to twice this (a late answer
   * may carry rotated tokens), so a lock guarding it should last that long.
   */
  readonly refreshDeadlineMs: number
  /** The tokens this copy holds now, `undefined` when it has none or is over: for a copy that asks. */
  current?(): T | undefined
}

/**
 * How long a coordinated refresh may run (ms): its callers' deadline, then as long again for a call
 * answering late (it may carry rotated tokens). A lock guarding it, and a `destroy()` waiting for it, last this long.
 */
export const coordinatedRunMs = (refreshDeadlineMs: number): number => 2 * refreshDeadlineMs

/**
 * Whether this copy still holds the shared lock it refreshes under. A lock that can be lost (it
 * expires while its holder is frozen) is asked before each retry: the retry would present the
 * same refresh token, which the copy that took the lock may have spent.
 */
export type LockHeld = () => boolean | Promise<boolean>

/**
 * A refresh and its persistence, run by a coordinator under its lock; `held` tells the retries
 * whether it still is (`void`: a coordinator may hand it to `then`).
 */
export type CoordinatedWork<T extends Tokens> = (held?: LockHeld | void) => Promise<T>

/**
 * Shares one refresh between copies of a session (processes through Redis, tabs through Web Locks).
 * The session calls `refresh` instead of refreshing directly; `work` refreshes and persists, and
 * must run at most once across all copies for a given stale token.
 */
export interface Coordinator<T extends Tokens = Tokens> {
  /** Connects to the session; returns a function that disconnects (on `destroy()`). */
  attach?(link: CoordinatorLink<T>): () => void
  /**
   * Resolves with the tokens that replace `stale`: adopted when another copy already refreshed
   * them, else from `work()` run under the shared lock.
   */
  refresh(stale: T, work: CoordinatedWork<T>): Promise<T>
  /** Tells the other copies about tokens set or cleared by the user (sign-in, sign-out). */
  announce?(tokens: T | undefined): void | Promise<void>
  /**
   * Stores a session's initial tokens where the copies share them only if nothing is there yet
   * (another copy may have seeded or refreshed first: theirs stand). Called, when present, instead
   * of the store's `set` after the store was read empty; the store's `set` is then always a
   * sign-in's or a refresh's, which overwrites.
   */
  seed?(tokens: T): Promise<void>
  /** Resolves once what this copy owes the others is done (tokens its shared store missed, written back): `destroy()` waits for it. */
  drained?(): Promise<void>
}
