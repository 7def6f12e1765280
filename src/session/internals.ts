import type { SessionEvents } from '../session-events.js'
import type { Strategy, Tokens } from '../strategy.js'
import type { LATER } from './token-port.js'

/**
 * What the exchange (the one port every interceptor uses) needs of a session. Not part of the
 * user-facing `Session`: users cannot fake events or reach the refusal plumbing.
 */
export interface SessionInternals<T extends Tokens = Tokens> {
  /**
   * Valid tokens to send, `undefined` when signed out; rejects with `SessionExpiredError` when the
   * session is expired or destroyed. Starts a background refresh inside the refresh window. Tokens
   * that expire within `outliveMs` (a replay's round trip) are waited out and their successor returned.
   */
  tokensForSend(outliveMs?: number): Promise<T | undefined>
  /** `tokensForSend`'s answer without a promise when it needs no wait (the common case), else `LATER`. */
  tokensNow(outliveMs?: number): T | undefined | typeof LATER
  /**
   * A send carrying `sentWith` was refused. Resolves with the tokens to replay with (the current
   * ones, without a refresh, when they already differ), or `undefined` when there is nothing to
   * replay with. Concurrent callers share one refresh; a refresh of `sentWith` that ended after
   * the send left (`endedAtSend` from `refreshesEnded`) answers it with its failure.
   */
  afterRefusal(sentWith: string | undefined, endedAtSend?: number): Promise<T | undefined>
  /** How many refreshes have ended so far: noted by each send. */
  refreshesEnded(): number
  /** The session's strategy: how a token goes on a request and its own rule for a refusal. */
  readonly strategy: Strategy<T>
  /** How many queued replays run at once; `undefined`: as many as were in flight together, at least 256. */
  readonly replayConcurrency: number | undefined
  /** Emits an event to the session's listeners; a throwing listener never changes an outcome. */
  emit<K extends keyof SessionEvents>(type: K, event: SessionEvents[K]): void
  /** The session's clock (epoch ms). */
  now(): number
  /** How long anything a request waits on may take: a refresh, a store call, a refusal rule. */
  readonly refreshTimeoutMs: number
  /** Aborts when the session is destroyed. */
  readonly lifetime: AbortSignal
  /** The error for a call that cannot be served now: destroyed, expired or signed out. */
  expiredError(): Error
  /**
   * Whether the session is working for its requests: a refresh of the current tokens running, the
   * first read of its store that they wait on, or its store missing the tokens it holds (a pool
   * does not evict such a session). Asking retries that store's write, at most once a second.
   */
  inUse(): boolean
  /**
   * Set by a pool that evicted the session: the session of the same key now. A refusal that
   * comes back after the eviction is answered by it, not failed as if the user were signed out.
   */
  successor?: (() => unknown) | undefined
}

// A registry symbol, not a WeakMap: a session made by one copy of the package (ESM) is still
// recognised by interceptors of another (CJS).
const INTERNALS = Symbol.for('tokenflight.session-internals')

/** Links a session to its internals (non-enumerable: nothing prints or copies them). */
export function attachInternals<T extends Tokens>(session: object, internals: SessionInternals<T>): void {
  Object.defineProperty(session, INTERNALS, { value: internals })
}

/** The internals of a session made by `createSession`, or `undefined` for anything else. */
export function internalsOf<T extends Tokens = Tokens>(session: unknown): SessionInternals<T> | undefined {
  if (typeof session !== 'object' || session === null) return undefined
  return (session as Record<symbol, SessionInternals<T> | undefined>)[INTERNALS]
}
