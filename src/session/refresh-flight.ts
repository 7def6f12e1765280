import { raceAbort, reasonOf, withTimeout } from '../abort.js'
import type { Coordinator, LockHeld } from '../coordinator.js'
import { isTokenflightError, RefreshError, RefreshTimeoutError } from '../errors/index.js'
import { isSafeError, safeError } from '../errors/safe-words.js'
import type { RefreshReason, SessionEvents } from '../session-events.js'
import type { ResolvedSessionOptions } from '../session-options.js'
import type { Tokens } from '../strategy.js'
import type { Persistence } from './persistence.js'
import { type EndedRefreshes, endedRefreshes } from './ended-refreshes.js'
import { keepOnFailure, persisted } from './refresh-outcome.js'
import { refreshWithRetries } from './refresh-attempts.js'
import type { TokenState } from './token-state.js'
import { monotonicNow } from '../monotonic.js'

const noop = (): void => {}

/** The single-flight refresh of one session. */
export interface RefreshFlight<T extends Tokens> {
  /**
   * Joins the refresh in flight or starts one; rejects at once while a Retry-After blocks refreshes.
   * A caller is held at most `refreshTimeoutMs` from when it asked, never by an earlier caller's deadline.
   */
  refreshOnce(reason: RefreshReason): Promise<T>
  /** Whether a refresh of the current tokens is running, which `refreshOnce` would join. */
  running(): boolean
  /** How many refreshes have ended: a send notes it, to learn which ended after it left. */
  ended(): number
  /** The last refresh's answer to a refusal of `accessToken` sent when `ended` had ended ({@link EndedRefreshes}). */
  answeredSince(ended: number, accessToken: string): Promise<T> | undefined
  /** The last coordinated work, settled: destroy() waits for it. */
  settling(): Promise<void> | undefined
}

interface FlightDeps<T extends Tokens> {
  config: ResolvedSessionOptions<T>
  state: TokenState<T>
  store: Persistence<T>
  emit<K extends keyof SessionEvents>(type: K, event: SessionEvents[K]): void
  coordinator: Coordinator<T> | undefined
}

// Whether a refresh runs on after destroy(): others read what it stores (other copies, the next session on the store).
const outlives = (coordinator: unknown, config: { store?: unknown }): boolean => coordinator !== undefined || config.store !== undefined

/** A refresh's tokens, adopted unless a reset overtook it (then whatever was set wins). */
function succeeded<T extends Tokens>({ state, emit, store, coordinator }: FlightDeps<T>, reason: RefreshReason, startEpoch: number, next: T, askedAt: number): T {
  if (state.lifetime.aborted) return state.currentOrThrow()
  if (state.epoch !== startEpoch) {
    // A coordinator's notice of these very tokens may land before the refresh returns: still its end.
    if (state.tokens?.accessToken === next.accessToken) emit('refreshed', { reason, expiresAt: state.window.expiresAt })
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
function failed<T extends Tokens>({ state, emit }: FlightDeps<T>, reason: RefreshReason, startEpoch: number, caught: unknown, reported: boolean): T {
  if (state.epoch !== startEpoch || state.lifetime.aborted) return state.currentOrThrow()
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

// Refresh and persist (invariant 6) within one deadline; a write that misses it is retried from memory.
function work<T extends Tokens>({ config, state, store, coordinator }: FlightDeps<T>, current: T, startEpoch: number, deadline?: number, held?: LockHeld): Promise<T> {
  // Replaced while this waited for a lock (another copy's tokens adopted, a sign-in or sign-out):
  // the stale refresh token is not spent.
  if (state.epoch !== startEpoch) return state.tokens ? Promise.resolve(state.tokens) : Promise.reject(state.expiredError())
  // Destroyed meanwhile (a `refreshing` listener may do it): the refresh token is not spent.
  if (state.lifetime.aborted) return Promise.reject(reasonOf(state.lifetime))
  const deadlineAt = deadline ?? monotonicNow() + config.refreshTimeoutMs
  // Outlives destroy() where others depend on it: other copies (a coordinator), or the next session
  // reading the store (a pool's eviction): the rotated refresh token must reach them.
  const signal = outlives(coordinator, config) ? undefined : state.lifetime
  const plan = { ...config, now: state.now, clock: () => state.clock(), deadlineAt, timeoutMs: config.refreshTimeoutMs, signal, wanted: () => state.epoch === startEpoch, held }
  const deps = { state, store, coordinator }
  return refreshWithRetries(current, plan).then(
    (next) => persisted(deps, startEpoch, next, deadlineAt),
    (error: unknown) => keepOnFailure(deps, startEpoch, error, deadlineAt),
  )
}

// One refresh's work, and the promise its current callers share.
interface Flight<T extends Tokens> {
  readonly epoch: number
  readonly reason: RefreshReason
  /** The work's outcome, adopted or reported. */
  readonly finished: Promise<T>
  /** Settles when the work has, whatever its outcome. */
  readonly over: Promise<void>
  callers: Promise<T> | undefined
  /** Which of the work and a deadline came first: each failure is reported once. */
  settled: boolean
  timedOut: boolean
  /** Lets the session start another refresh: when the work settles, or a deadline after its callers' one. */
  done: () => void
}

// Without a coordinator the work itself ends at the deadline (attempt aborted, write bounded). A
// coordinated one may run on (a lock to wait for, other copies to serve): the callers that joined
// together are cut loose at their deadline, and later ones wait on the same work afresh.
function join<T extends Tokens>({ config, state, emit, coordinator }: FlightDeps<T>, flight: Flight<T>): Promise<T> {
  const { finished, reason } = flight
  if (!coordinator) return raceAbort(finished, state.lifetime)
  const ms = config.refreshTimeoutMs
  const callers: Promise<T> = withTimeout(finished, ms, () => new RefreshTimeoutError(ms), state.lifetime).catch((error: unknown) => {
    if (flight.settled || !(error instanceof RefreshTimeoutError) || state.epoch !== flight.epoch || state.isOver()) throw error
    if (flight.callers === callers) flight.callers = undefined
    if (flight.timedOut) throw error
    flight.timedOut = true
    state.lastFailureAt = state.clock()
    emit('refreshFailed', { reason, error, terminal: false })
    // A coordinator that never settles must not wedge the session: one more deadline, then let go.
    const release = setTimeout(flight.done, ms)
    finished.then(() => clearTimeout(release), () => clearTimeout(release))
    throw error
  })
  return callers
}

// Starts a refresh of `current`. `after`: a refresh a reset overtook, still running. One refresh at
// a time: this one starts when it ends, within its callers' own deadline.
function start<T extends Tokens>(deps: FlightDeps<T>, reason: RefreshReason, current: T, after: Promise<void> | undefined): Flight<T> {
  const { config, state, emit, coordinator } = deps
  const startEpoch = state.epoch
  const askedAt = state.now()
  emit('refreshing', { reason })
  const deadline = after && monotonicNow() + config.refreshTimeoutMs
  const run = (held?: LockHeld | void): Promise<T> => work(deps, current, startEpoch, deadline, typeof held === 'function' ? held : undefined)
  const go = (): Promise<T> => (coordinator ? coordinator.refresh(current, run) : run())
  // `new Promise`: a coordinator that throws instead of rejecting fails this refresh, not the caller.
  const finished = new Promise<T>((resolve) => resolve(after ? after.then(go) : go())).then(
    (next) => {
      flight.settled = true
      return succeeded(deps, reason, startEpoch, next, askedAt)
    },
    (error: unknown) => {
      flight.settled = true
      return failed(deps, reason, startEpoch, error, flight.timedOut)
    },
  )
  const flight: Flight<T> = { epoch: startEpoch, reason, finished, over: finished.then(noop, noop), callers: undefined, settled: false, timedOut: false, done: noop }
  return flight
}

/** Creates the refresh of a session: one at a time, each caller released at its own deadline. */
export function refreshFlight<T extends Tokens>(deps: FlightDeps<T>): RefreshFlight<T> {
  const { config, state, coordinator } = deps
  let flight: Flight<T> | undefined
  let settling: Promise<void> | undefined
  const ended = endedRefreshes<T>()

  // A refresh a reset overtook (a sign-in, a sign-out, another copy's tokens) refreshes tokens
  // that are no longer the session's: it runs out on its own, and is not joined.
  const current = (): boolean => flight !== undefined && flight.epoch === state.epoch

  return {
    refreshOnce(reason) {
      if (!flight || flight.epoch !== state.epoch) {
        if (state.isBlocked()) return Promise.reject(state.blocked?.error)
        if (!state.tokens) return Promise.reject(state.expiredError())
        const started = start(deps, reason, state.tokens, flight?.over)
        // Held until the work settles, not a deadline: no second refresh of the same token meanwhile.
        started.done = () => {
          if (flight === started) flight = undefined
        }
        ended.track(started.finished, { accessToken: state.tokens.accessToken, epoch: started.epoch, reason }).then(started.done)
        if (outlives(coordinator, config)) settling = Promise.all([settling, started.over]).then(noop)
        flight = started
      }
      flight.callers ??= join(deps, flight)
      return flight.callers
    },
    // Methods, not getters: an accessor in an object literal makes it a slow (dictionary-mode) object, one per session.
    running: current,
    settling: () => settling,
    ended: ended.count,
    answeredSince: (noted, accessToken) => ended.answeredSince(noted, accessToken, state.epoch, config.maxDelayMs),
  }
}
