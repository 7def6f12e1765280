import { sleep } from './abort.js'
import { SessionExpiredError } from './errors/index.js'
import type { SessionEvents } from './session-events.js'
import { resolveSessionOptions, type SessionOptions } from './session-options.js'
import { assertTokens } from './session/assert-tokens.js'
import { checkedClock } from './session/checked-clock.js'
import { attachInternals } from './session/internals.js'
import { isolatedEmitter } from './session/isolated-emitter.js'
import { attachLegacyPlumbing } from './session/legacy-plumbing.js'
import { persistence } from './session/persistence.js'
import { refreshFlight } from './session/refresh-flight.js'
import { TokenState } from './session/token-state.js'
import type { Tokens } from './strategy.js'

/** Where a session stands: signed out, holding tokens, or past a terminal refresh failure. */
export type SessionState = 'signed-out' | 'active' | 'expired'

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
   * on its result, so it finishes and is stored. Resolves once it has (at once without one).
   */
  destroy(): Promise<void>
  /** `signed-out`, `active` or `expired`. */
  readonly state: SessionState
  /** Adds a listener; returns a function that removes it. A listener that throws is reported and changes nothing. */
  on<K extends keyof SessionEvents>(type: K, listener: SessionListener<K>): () => void
  /** Removes a listener, or every listener of `type`. */
  off<K extends keyof SessionEvents>(type: K, listener?: SessionListener<K>): void
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
  const config = resolveSessionOptions(options)
  const { strategy, coordinator } = config
  const events = isolatedEmitter<SessionEvents>()
  const lifetime = new AbortController()
  const now = checkedClock(config.now)
  const state = new TokenState<T>(config.refreshAheadMs, config.defaultAhead ? 0.05 : 0.5, now, lifetime.signal)
  const store = persistence(config.store, config.refreshTimeoutMs, (operation, error) => events.emit('storeFailed', { operation, error }))
  const flight = refreshFlight({ config: { ...config, now }, state, store, emit: events.emit, coordinator })

  async function whenUsable(): Promise<void> {
    if (state.loading) await state.loading
    if (state.isOver()) throw state.expiredError()
  }

  async function load(): Promise<void> {
    const read = await store.read()
    if (state.epoch !== 0) return
    if (read.tokens) return state.adopt(read.tokens)
    state.adopt(config.tokens)
    // Seeded only into a store known to be empty: one that failed may hold rotated tokens.
    if (read.ok && config.tokens) store.write(config.tokens).catch(() => {})
  }

  async function tokensForSend(outliveMs = 0): Promise<T | undefined> {
    await whenUsable()
    store.retryPending()
    const { tokens } = state
    if (!tokens) return undefined
    const time = now()
    // Checked on every read, never left to a timer: a machine waking from sleep sends no dead token.
    const phase = state.phase(time)
    if (phase === 'expired') return flight.refreshOnce('expired')
    const { expiresAt } = state.window
    // A replay is the call's last chance (invariant 3): tokens that would expire before it arrives
    // are waited out once and their successor sent.
    if (expiresAt !== undefined && expiresAt - time < outliveMs) {
      if (flight.inflight) return flight.inflight
      await sleep(expiresAt - time, lifetime.signal)
      return state.tokens === tokens && !state.expiredBy ? flight.refreshOnce('expired') : tokensForSend()
    }
    // After a failure, wait out the backoff ceiling before trying again: a dead endpoint is not hammered.
    if (phase === 'due' && !flight.inflight && time - state.lastFailureAt >= config.maxDelayMs) flight.refreshOnce('ahead').catch(() => {})
    return tokens
  }

  async function afterRefusal(sentWith: string | undefined): Promise<T | undefined> {
    await whenUsable()
    const { tokens } = state
    if (!tokens) return undefined
    if (tokens.accessToken === sentWith) return flight.refreshOnce('unauthorized')
    // Invariant 2: the refused token was already replaced, so no new refresh, unless the current
    // one is itself due (the next request would start that refresh anyway).
    if (flight.inflight) return flight.inflight
    const phase = state.phase(now())
    return phase === 'fresh' ? tokens : flight.refreshOnce(phase === 'expired' ? 'expired' : 'ahead')
  }

  if (config.store)
    state.loading = load().finally(() => {
      state.loading = undefined
    })
  else state.adopt(config.tokens)

  // Tokens another copy stored (or cleared): adopted as if set here, without announcing them back.
  const detachCoordinator = coordinator?.attach?.({
    adopt(next) {
      if (lifetime.signal.aborted || next?.accessToken === state.tokens?.accessToken) return
      store.discardPending()
      state.reset(next, next ? now() : undefined)
    },
    emit: events.emit,
    refreshDeadlineMs: config.refreshTimeoutMs,
  })

  const session: Session<T> = {
    get state(): SessionState {
      return state.isOver() ? 'expired' : state.tokens ? 'active' : 'signed-out'
    },
    async getAccessToken() {
      const current = await tokensForSend()
      if (!current) throw state.expiredError()
      return current.accessToken
    },
    async refresh() {
      await whenUsable()
      return (await flight.refreshOnce('manual')).accessToken
    },
    async setTokens(next) {
      assertTokens('tokens', next)
      if (lifetime.signal.aborted) throw state.expiredError()
      state.reset(next)
      await store.write(next)
      await coordinator?.announce?.(next)
    },
    async clear() {
      state.reset(undefined)
      await store.remove()
      await coordinator?.announce?.(undefined)
    },
    async destroy() {
      detachCoordinator?.()
      lifetime.abort(new SessionExpiredError('The session was destroyed'))
      events.clear()
      await flight.settling
    },
    on: events.on,
    off: events.off,
  }
  const internals = { tokensForSend, afterRefusal, strategy, replayConcurrency: config.replayConcurrency, emit: events.emit, now }
  attachInternals(session, internals)
  attachLegacyPlumbing(session, internals)
  return session
}
