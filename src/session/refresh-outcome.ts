import type { Coordinator } from '../coordinator.js'
import { keptTokens } from '../kept-tokens.js'
import { monotonicNow } from '../monotonic.js'
import type { Tokens } from '../strategy.js'
import type { Persistence } from './persistence.js'
import type { TokenState } from './token-state.js'

const noop = (): void => {}

type Deps<T extends Tokens> = { state: TokenState<T>; store: Persistence<T>; coordinator: Coordinator<T> | undefined }

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
    await new Promise<void>((resolve) => resolve(coordinator?.announce?.(kept))).catch(noop)
  }
  throw error
}
