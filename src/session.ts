import { abortWith, withTimeout } from './abort.js'
import { SessionExpiredError } from './errors/index.js'
import { readingOptions } from './invalid-argument.js'
import { type SessionEvents, sessionEventTypes } from './session-events.js'
import { type ResolvedSessionOptions, resolveSessionOptions, type SessionOptions } from './session-options.js'
import { checkedTokens } from './session/assert-tokens.js'
import { announce } from './session/announce.js'
import { checkedClock } from './session/checked-clock.js'
import { coordinatedRunMs } from './coordinator.js'
import { linkCoordinator } from './session/coordinator-link.js'
import { loadFirstTokens } from './session/first-tokens.js'
import { attachInternals, type SessionInternals } from './session/internals.js'
import { type IsolatedEmitter, isolatedEmitter } from './session/isolated-emitter.js'
import { type Persistence, persistence } from './session/persistence.js'
import { type RefreshFlight, refreshFlight } from './session/refresh-flight.js'
import { type TokenPort, tokenPort } from './session/token-port.js'
import { TokenState } from './session/token-state.js'
import type { Tokens } from './strategy.js'

/** Where a session stands: signed out, holding tokens, or past a terminal refresh failure. */
export type SessionState = 'loading' | 'signed-out' | 'active' | 'expired'

/** A listener of one session event. */
export type SessionListener<K extends keyof SessionEvents> = (event: SessionEvents[K]) => void

/**
 * One user's tokens, kept valid: what an application calls. Clients attached with `attachAxios`,
 * `wrapFetch` or `installXHR` use it through a port of their own, not through these methods.
 */
export interface Session<T extends Tokens = Tokens> {
  /** A valid access token, refreshing first if it has expired. Rejects with `SessionExpiredError` when signed out or expired. */
  getAccessToken(): Promise<string>
  /** Forces a refresh (joining one already in flight) and resolves with the new access token. */
  refresh(): Promise<string>
  /** Replaces the tokens (after sign-in) and leaves the expired state. Resolves once the store has them. */
  setTokens(tokens: T): Promise<void>
  /** Forgets the tokens (sign-out): requests go out without credentials. */
  clear(): Promise<void>
  /**
   * Rejects what waits and every later call with `SessionExpiredError`, drops every listener, and
   * aborts a refresh in flight, except one shared through a coordinator: the other copies depend
   * on its result, so it finishes and is stored. Resolves once it has, within twice
   * `refreshTimeoutMs` (at once without one).
   */
  destroy(): Promise<void>
  /** `loading` (the store is being read), `signed-out`, `active` or `expired`. */
  readonly state: SessionState
  /** Adds a listener; returns a function that removes it. A listener that throws is reported and changes nothing. */
  on<K extends keyof SessionEvents>(type: K, listener: SessionListener<K>): () => void
  /** Removes a listener, or every listener of `type`. */
  off<K extends keyof SessionEvents>(type: K, listener?: SessionListener<K>): void
}

// What users hold. `state` is a prototype getter: an accessor in an object literal makes each
// session a slow (dictionary-mode) object, and a pool holds thousands of them.
class SessionObject {
  readonly #stateOf: () => SessionState
  constructor(stateOf: () => SessionState) {
    this.#stateOf = stateOf
  }
  get state(): SessionState {
    return this.#stateOf()
  }
}

// The parts of a session its user-facing methods work on.
interface SessionParts<T extends Tokens> {
  config: ResolvedSessionOptions<T>
  state: TokenState<T>
  store: Persistence<T>
  flight: RefreshFlight<T>
  port: TokenPort<T>
  lifetime: AbortController
  events: IsolatedEmitter<SessionEvents>
  now: () => number
  detachCoordinator: (() => void) | undefined
}

// What users call (all but `state`), over the session's parts.
function userMethods<T extends Tokens>({ config, state, store, flight, port, lifetime, events, now, detachCoordinator }: SessionParts<T>): Omit<Session<T>, 'state'> {
  const { coordinator } = config
  return {
    async getAccessToken() {
      const current = await port.tokensForSend()
      if (!current) throw state.expiredError()
      return current.accessToken
    },
    async refresh() {
      await port.whenUsable()
      return (await flight.refreshOnce('manual')).accessToken
    },
    async setTokens(given) {
      const next = checkedTokens<T>('tokens', given, now())
      if (lifetime.signal.aborted) throw state.expiredError()
      state.reset(next)
      await store.write(next)
      await announce(coordinator, next, config.refreshTimeoutMs)
    },
    async clear() {
      if (lifetime.signal.aborted) throw state.expiredError()
      state.reset(undefined)
      await store.remove()
      await announce(coordinator, undefined, config.refreshTimeoutMs)
    },
    async destroy() {
      detachCoordinator?.()
      abortWith(lifetime, new SessionExpiredError('The session was destroyed'))
      events.clear()
      // What other copies and the next session on the store depend on: the refresh, a write a
      // failure left behind, then tokens written where other copies read them. Bounded by what the
      // refresh may run (a coordinated one, answering late, twice the deadline): a coordinator that
      // never settles holds nothing.
      const owed = Promise.resolve(flight.settling())
        .then(() => store.flush(config.refreshTimeoutMs).catch(() => {}))
        .then(() => coordinator?.drained?.())
      const boundMs = coordinator ? coordinatedRunMs(config.refreshTimeoutMs) : config.refreshTimeoutMs
      await withTimeout(owed, boundMs, Error).catch(() => {}) // past it, nothing is waited for: the error is dropped
    },
    on: events.on,
    off: events.off,
  }
}

/**
 * Creates a session: token state, single-flight refresh under one deadline, proactive refresh
 * before a known expiry, retries, persistence and events.
 *
 * @example
 * const session = createSession({ strategy: fib({ baseURL: 'https://auth.example.com' }), tokens })
 * const off = session.on('expired', () => showLogin())
 */
export function createSession<T extends Tokens = Tokens>(options: SessionOptions<T>): Session<T> {
  // Every wait and refresh call is cancelled through one (a page's own code may have removed it).
  if (typeof AbortController !== 'function') throw new TypeError('createSession needs AbortController, which this page or runtime lacks')
  const config = readingOptions('createSession options', () => resolveSessionOptions(options))
  const { strategy, coordinator } = config
  const events = isolatedEmitter<SessionEvents>(sessionEventTypes)
  const lifetime = new AbortController()
  const now = checkedClock(config.now)
  const state = new TokenState<T>(config.refreshAheadMs, config.defaultAhead ? 0.05 : 0.5, now, lifetime.signal)
  const store = persistence(config.store, {
    timeoutMs: config.refreshTimeoutMs,
    failed: (operation, error) => events.emit('storeFailed', { operation, error }),
    lifetime: lifetime.signal,
    now,
    ordered: !coordinator,
  })
  const flight = refreshFlight({ config: { ...config, now }, state, store, emit: events.emit, coordinator })
  const port = tokenPort(state, flight, store, config.maxDelayMs)
  const { tokensNow, tokensForSend, afterRefusal, refreshesEnded } = port

  // A coordinator seeds only where the copies share nothing yet (`new Promise`: a throw is a rejection).
  const seed = coordinator?.seed ? (tokens: T) => new Promise<void>((resolve) => resolve(coordinator.seed?.(tokens))) : undefined
  loadFirstTokens(state, config.store && store, config.tokens, seed)
  const detachCoordinator = linkCoordinator(coordinator, state, store, events.emit, config.refreshTimeoutMs)

  const stateOf = (): SessionState => (state.isOver() ? 'expired' : state.loading ? 'loading' : state.tokens ? 'active' : 'signed-out')
  const methods = userMethods({ config, state, store, flight, port, lifetime, events, now, detachCoordinator })
  const session: Session<T> = Object.assign(new SessionObject(stateOf), methods)
  const internals: SessionInternals<T> = {
    tokensNow,
    tokensForSend,
    afterRefusal,
    refreshesEnded,
    strategy,
    replayConcurrency: config.replayConcurrency,
    refreshTimeoutMs: config.refreshTimeoutMs,
    emit: events.emit,
    now,
    lifetime: lifetime.signal,
    expiredError: () => state.expiredError(),
    // A store that misses the tokens is asked again (at most once a second) each time a pool looks;
    // once destroyed, the session has made its last attempt.
    inUse: () => {
      const behind = !lifetime.signal.aborted && store.behind()
      if (behind) store.retryPending()
      return flight.running() || state.loading !== undefined || behind
    },
  }
  attachInternals(session, internals)
  return session
}
