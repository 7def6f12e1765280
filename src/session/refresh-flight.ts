import { raceAbort, reasonOf, withTimeout } from '../abort.js'
import { type Coordinator, coordinatedRunMs, type LockHeld } from '../coordinator.js'
import { RefreshTimeoutError } from '../errors/index.js'
import type { RefreshReason, SessionEvents } from '../session-events.js'
import type { ResolvedSessionOptions } from '../session-options.js'
import type { Tokens } from '../strategy.js'
import type { Persistence } from './persistence.js'
import { type EndedRefreshes, endedRefreshes } from './ended-refreshes.js'
import { failed, keepOnFailure, persisted, succeeded } from './refresh-outcome.js'
import { checkRefreshResult, refreshWithRetries } from './refresh-attempts.js'
import type { TokenState } from './token-state.js'
import { monotonicNow } from '../monotonic.js'
import { timerDelay } from '../timer-delay.js'

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

// Refresh and persist (invariant 6) within one deadline; a write that misses it is retried from memory.
function work<T extends Tokens>({ config, state, store, coordinator }: FlightDeps<T>, current: T, startEpoch: number, deadline?: number, held?: LockHeld): Promise<T> {
  // Replaced while this waited for a lock (another copy's tokens adopted, a sign-in or sign-out):
  // the stale refresh token is not spent.
  if (state.epoch !== startEpoch) return state.tokens ? Promise.resolve(state.tokens) : Promise.reject(state.expiredError())
  // Destroyed meanwhile (a `refreshing` listener may do it): the refresh token is not spent.
  if (state.lifetime.aborted) return Promise.reject(reasonOf(state.lifetime))
  const deadlineAt = deadline ?? monotonicNow() + config.refreshTimeoutMs
  // A coordinated call answering late is let finish ({@link coordinatedRunMs}) and its tokens are
  // adopted (its callers are released at theirs): cut off after the provider rotated, it would
  // leave every copy holding a spent refresh token.
  const runMs = coordinator ? coordinatedRunMs(config.refreshTimeoutMs) : config.refreshTimeoutMs
  const endsAt = deadlineAt - config.refreshTimeoutMs + runMs
  // Outlives destroy() where others depend on it: other copies (a coordinator), or the next session
  // reading the store (a pool's eviction): the rotated refresh token must reach them.
  const signal = outlives(coordinator, config) ? undefined : state.lifetime
  const plan = { ...config, now: state.now, clock: () => state.clock(), deadlineAt, endsAt, timeoutMs: config.refreshTimeoutMs, signal, wanted: () => state.epoch === startEpoch, held }
  const deps = { state, store, coordinator }
  // The write fits in the callers' deadline; a late answer's, with nobody waiting, in the work's end.
  const writeBy = (): number => (monotonicNow() < deadlineAt ? deadlineAt : endsAt)
  return refreshWithRetries(current, plan).then(
    (next) => persisted(deps, startEpoch, next, writeBy()),
    (error: unknown) => keepOnFailure(deps, startEpoch, error, writeBy()),
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
  /** Says `refreshing` and starts the work: once the flight is recorded. */
  readonly begin: () => void
}

// The work's outcome, or what a reset that overtakes it set (a sign-in, a sign-out, another copy's
// tokens) at once: that is what the work will answer anyway, once it has run out.
function outcomeOf<T extends Tokens>(state: TokenState<T>, finished: Promise<T>): Promise<T> {
  const overtaken = new Promise<T>((resolve) => {
    // Read at the reset; `currentOrThrow` throwing (signed out) rejects.
    const forget = state.onNextReset(() => resolve(new Promise<T>((current) => current(state.currentOrThrow()))))
    finished.then(forget, forget)
  })
  return Promise.race([finished, overtaken])
}

// Without a coordinator the work itself ends at the deadline (attempt aborted, write bounded). A
// coordinated one may run on (a lock to wait for, a late answer, other copies to serve): the callers that joined
// together are cut loose at their deadline, and later ones wait on the same work afresh.
function join<T extends Tokens>({ config, state, emit, coordinator }: FlightDeps<T>, flight: Flight<T>): Promise<T> {
  const { reason } = flight
  const finished = outcomeOf(state, flight.finished)
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
    const release = setTimeout(flight.done, timerDelay(ms))
    flight.finished.then(() => clearTimeout(release), () => clearTimeout(release))
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
  const deadline = after && monotonicNow() + config.refreshTimeoutMs
  const run = (held?: LockHeld | void): Promise<T> => work(deps, current, startEpoch, deadline, typeof held === 'function' ? held : undefined)
  // A coordinator's answer is checked as a strategy's is: it may be another copy's, or its own mistake.
  const go = (): Promise<T> => (coordinator ? Promise.resolve(coordinator.refresh(current, run)).then((next) => checkRefreshResult<T>(next, state.clock())) : run())
  let launch = noop
  // `new Promise`: a coordinator that throws instead of rejecting fails this refresh, not the caller.
  const launched = new Promise<T>((resolve) => {
    launch = () => resolve(new Promise<T>((work) => work(after ? after.then(go) : go())))
  })
  const finished = launched.then(
    (next) => {
      flight.settled = true
      return succeeded(deps, reason, startEpoch, next, askedAt)
    },
    (error: unknown) => {
      flight.settled = true
      return failed(deps, reason, startEpoch, error, flight.timedOut)
    },
  )
  const begin = (): void => {
    emit('refreshing', { reason })
    launch()
  }
  const flight: Flight<T> = { epoch: startEpoch, reason, finished, over: finished.then(noop, noop), callers: undefined, settled: false, timedOut: false, done: noop, begin }
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
      let joined = flight
      if (!joined || joined.epoch !== state.epoch) {
        if (state.isBlocked()) return Promise.reject(state.blocked?.error)
        const tokens = state.tokens
        if (!tokens) return Promise.reject(state.expiredError())
        const started = start(deps, reason, tokens, flight?.over)
        // Held until the work settles, not a deadline: no second refresh of the same token meanwhile.
        started.done = () => {
          if (flight === started) flight = undefined
        }
        ended.track(started.finished, { accessToken: tokens.accessToken, epoch: started.epoch, reason }).then(started.done)
        if (outlives(coordinator, config)) settling = Promise.all([settling, started.over]).then(noop)
        joined = flight = started
        // Begun once recorded: a `refreshing` listener or the strategy asking for tokens (through
        // an authed client, a sign-out) finds this refresh running and joins it.
        started.begin()
      }
      joined.callers ??= join(deps, joined)
      return joined.callers
    },
    // Methods, not getters: an accessor in an object literal makes it a slow (dictionary-mode) object, one per session.
    running: current,
    settling: () => settling,
    ended: ended.count,
    answeredSince: (noted, accessToken) => ended.answeredSince(noted, accessToken, state.epoch, config.maxDelayMs),
  }
}
