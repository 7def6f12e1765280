import type { Coordinator } from '../coordinator.js'
import { isTokenflightError, RefreshError } from '../errors/index.js'
import { isSafeError, safeError } from '../errors/safe-words.js'
import type { RefreshReason, SessionEvents } from '../session-events.js'
import { keptTokens } from '../kept-tokens.js'
import { announce } from './announce.js'
import { monotonicNow } from '../monotonic.js'
import type { Tokens } from '../strategy.js'
import type { Persistence } from './persistence.js'
import type { TokenState } from './token-state.js'

const noop = (): void => {}

type Deps<T extends Tokens> = { state: TokenState<T>; store: Persistence<T>; coordinator: Coordinator<T> | undefined }
type OutcomeDeps<T extends Tokens> = Deps<T> & { emit<K extends keyof SessionEvents>(type: K, event: SessionEvents[K]): void }

/** A refresh's tokens, stored within its deadline (invariant 6) unless a reset overtook it. */
export async function persisted<T extends Tokens>({ state, store }: Deps<T>, startEpoch: number, next: T, deadlineAt: number): Promise<T> {
  if (state.epoch === startEpoch) await store.write(next, deadlineAt - monotonicNow(), true).catch(noop)
  return next
}

/**
 * A refresh failed on an answer that still rotated the refresh credential (a malformed access
 * token beside it): the rotated credential is adopted, stored and announced before the failure
 * goes on, so no copy presents the spent one next. Rethrows `error`.
 */
export async function keepOnFailure<T extends Tokens>(
  { state, store, coordinator }: Deps<T>,
  startEpoch: number,
  error: unknown,
  deadlineAt: number,
): Promise<never> {
  const kept = keptTokens(error) as T | undefined
  // As a refresh's own tokens: stored also after destroy(), for the copies and sessions that read the store.
  if (kept && state.epoch === startEpoch) {
    if (!state.lifetime.aborted) state.adopt(kept)
    await store.write(kept, deadlineAt - monotonicNow(), true).catch(noop)
    await announce(coordinator, kept, Math.max(0, deadlineAt - monotonicNow())).catch(noop)
  }
  throw error
}

/** A refresh's tokens, adopted unless a reset overtook it (then whatever was set wins). */
export function succeeded<T extends Tokens>({ state, emit, store, coordinator }: OutcomeDeps<T>, reason: RefreshReason, startEpoch: number, next: T, askedAt: number): T {
  if (state.lifetime.aborted) return state.currentOrThrow()
  if (state.epoch !== startEpoch) {
    // A coordinator's notice of these very tokens may land before the refresh returns: still its end.
    if (state.tokens?.accessToken === next.accessToken || state.heldFromCopy()) emit('refreshed', { reason, expiresAt: state.window.expiresAt })
    return state.currentOrThrow()
  }
  // Tokens another copy refreshed, found under the lock: a shared store has them already; a store
  // of this copy's own (sessionStorage per tab) keeps them too, so a reload restores these.
  // Tokens of this copy's own call tell the provider's clock; another copy's, got earlier, do not.
  const own = !coordinator || store.wants(next)
  if (!own) store.adopted(next)
  state.adopt(next, state.clock(), own ? askedAt : undefined)
  emit('refreshed', { reason, expiresAt: state.window.expiresAt })
  // A listener may have signed in (or out) meanwhile: what it set wins.
  return state.epoch === startEpoch ? next : state.currentOrThrow()
}

/** A refresh's failure: reported once, Retry-After remembered, a terminal one ends the session. */
export function failed<T extends Tokens>({ state, emit }: OutcomeDeps<T>, reason: RefreshReason, startEpoch: number, caught: unknown, reported: boolean): T {
  if (state.epoch !== startEpoch || state.lifetime.aborted) {
    // Overtaken by tokens another copy refreshed: its callers get them, so it ended as a refresh.
    if (state.heldFromCopy() && !reported) emit('refreshed', { reason, expiresAt: state.window.expiresAt })
    return state.currentOrThrow()
  }
  // Ours, or the strategy's already reduced to its safe words; anything else is a coordinator's own.
  const error = isTokenflightError(caught) || isSafeError(caught) ? (caught as Error) : safeError('The coordinated refresh failed', caught)
  const terminal = error instanceof RefreshError && !error.transient
  state.lastFailureAt = state.clock()
  if (error instanceof RefreshError && error.transient && error.retryAfterMs !== undefined) state.blocked = { until: state.clock() + error.retryAfterMs, endsBy: monotonicNow() + error.retryAfterMs, error }
  if (!reported || terminal) emit('refreshFailed', { reason, error, terminal })
  // A listener may have signed in (or out) meanwhile: what it set wins over this failure.
  if (state.epoch !== startEpoch) return state.currentOrThrow()
  if (!terminal) throw error
  state.expiredBy = error
  emit('expired', { error })
  if (state.epoch !== startEpoch) return state.currentOrThrow()
  throw state.expiredError()
}
