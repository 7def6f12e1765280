import { raceAbort, withTimeout } from '../abort.js'
import type { Coordinator } from '../coordinator.js'
import { asError } from '../errors/as-error.js'
import { RefreshError, RefreshTimeoutError } from '../errors/index.js'
import type { RefreshReason, SessionEvents } from '../session-events.js'
import type { ResolvedSessionOptions } from '../session-options.js'
import type { Tokens } from '../strategy.js'
import type { Persistence } from './persistence.js'
import { refreshWithRetries } from './refresh-attempts.js'
import type { TokenState } from './token-state.js'

const noop = (): void => {}

/** The single-flight refresh of one session. */
export interface RefreshFlight<T extends Tokens> {
  /** Joins the refresh in flight or starts one; rejects at once while a Retry-After blocks refreshes. */
  refreshOnce(reason: RefreshReason): Promise<T>
  /** The refresh callers would join, if any. */
  readonly inflight: Promise<T> | undefined
  /** The last coordinated work, settled: destroy() waits for it. */
  readonly settling: Promise<void> | undefined
}

interface FlightDeps<T extends Tokens> {
  config: ResolvedSessionOptions<T>
  state: TokenState<T>
  store: Persistence<T>
  emit<K extends keyof SessionEvents>(type: K, event: SessionEvents[K]): void
  coordinator: Coordinator<T> | undefined
}

/** A refresh's tokens, adopted unless a reset overtook it (then whatever was set wins). */
function succeeded<T extends Tokens>({ state, emit }: FlightDeps<T>, reason: RefreshReason, startEpoch: number, next: T): T {
  if (state.epoch !== startEpoch || state.lifetime.aborted) return state.currentOrThrow()
  state.adopt(next, state.now())
  emit('refreshed', { reason, expiresAt: state.window.expiresAt })
  return next
}

/** A refresh's failure: reported once, Retry-After remembered, a terminal one ends the session. */
function failed<T extends Tokens>({ state, emit }: FlightDeps<T>, reason: RefreshReason, startEpoch: number, caught: unknown, reported: boolean): T {
  if (state.epoch !== startEpoch || state.lifetime.aborted) return state.currentOrThrow()
  const error = asError(caught)
  const terminal = error instanceof RefreshError && !error.transient
  state.lastFailureAt = state.now()
  if (error instanceof RefreshError && error.transient && error.retryAfterMs !== undefined) state.blocked = { until: state.now() + error.retryAfterMs, error }
  if (!reported || terminal) emit('refreshFailed', { reason, error, terminal })
  if (!terminal) throw error
  state.expiredBy = error
  emit('expired', { error })
  throw state.expiredError()
}

// Refresh and persist (invariant 6) within one deadline. A write that misses it leaves the
// tokens pending in memory, retried: a rotated refresh token is never dropped.
function work<T extends Tokens>({ config, state, store, coordinator }: FlightDeps<T>, current: T, startEpoch: number): Promise<T> {
  const deadlineAt = Date.now() + config.refreshTimeoutMs
  const signal = coordinator ? undefined : state.lifetime // other copies depend on a coordinated one
  const plan = { ...config, now: state.now, deadlineAt, timeoutMs: config.refreshTimeoutMs, signal, wanted: () => state.epoch === startEpoch }
  return refreshWithRetries(current, plan).then(async (next) => {
    if (state.epoch === startEpoch) await store.write(next, deadlineAt - Date.now()).catch(noop)
    return next
  })
}

/** Creates the refresh of a session: one at a time, every caller released at one deadline. */
export function refreshFlight<T extends Tokens>(deps: FlightDeps<T>): RefreshFlight<T> {
  const { config, state, emit, coordinator } = deps
  let inflight: Promise<T> | undefined
  let settling: Promise<void> | undefined

  function start(reason: RefreshReason, current: T): Promise<T> {
    const startEpoch = state.epoch
    // Which of the work and the deadline came first: each failure is reported once.
    let settled = false
    let timedOut = false
    emit('refreshing', { reason })
    const run = (): Promise<T> => work(deps, current, startEpoch)
    const finished = (coordinator ? coordinator.refresh(current, run) : run()).then(
      (next) => {
        settled = true
        return succeeded(deps, reason, startEpoch, next)
      },
      (error: unknown) => {
        settled = true
        return failed(deps, reason, startEpoch, error, timedOut)
      },
    )
    // Without a coordinator the work itself ends at the deadline (attempt aborted, write bounded); a
    // coordinated one may run on (a lock to wait for, other copies to serve), so callers are cut loose.
    const deadline = coordinator ? withTimeout(finished, config.refreshTimeoutMs, () => new RefreshTimeoutError(config.refreshTimeoutMs)) : finished
    const callers = raceAbort(deadline, state.lifetime).catch((error: unknown) => {
      if (settled || !(error instanceof RefreshTimeoutError) || state.epoch !== startEpoch || state.isOver()) throw error
      timedOut = true
      state.lastFailureAt = state.now()
      emit('refreshFailed', { reason, error, terminal: false })
      // A coordinator that never settles must not wedge the session: one more deadline, then let go.
      const release = setTimeout(done, config.refreshTimeoutMs)
      finished.then(() => clearTimeout(release), () => clearTimeout(release))
      throw error
    })
    // Held until the work settles, not the deadline: no second refresh of the same token meanwhile.
    function done(): void {
      if (inflight === callers) inflight = undefined
    }
    finished.then(done, done)
    if (coordinator) settling = finished.then(noop, noop)
    return callers
  }

  return {
    refreshOnce(reason) {
      if (inflight) return inflight
      if (state.isBlocked()) return Promise.reject(state.blocked?.error)
      if (!state.tokens) return Promise.reject(state.expiredError())
      inflight = start(reason, state.tokens)
      return inflight
    },
    get inflight() {
      return inflight
    },
    get settling() {
      return settling
    },
  }
}
