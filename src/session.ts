import mitt, { type Handler } from 'mitt'
import { raceAbort, sleep } from './abort.js'
import { backoffDelay } from './backoff.js'
import { InvalidRefreshResponseError, RefreshError, RefreshTimeoutError, SessionExpiredError } from './errors/index.js'
import type { RefreshReason, SessionEvents } from './session-events.js'
import { assertTokens, resolveSessionOptions, type SessionOptions } from './session-options.js'
import type { AuthFailureInput, Tokens } from './strategy.js'
import { attachInternals } from './session/internals.js'
import { tokenExpiry } from './token-expiry.js'

/** Where a session stands: signed out, holding tokens, or past a terminal refresh failure. */
export type SessionState = 'signed-out' | 'active' | 'expired'

/**
 * Keeps one user's tokens valid. Interceptors (`attachAxios`, `wrapFetch`…)
 * call `getTokens` before a request and `handleAuthFailure` after a refused one;
 * a custom client integration needs nothing else.
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
   * on its result, so it finishes and is stored. Resolves once it has (at once without one); a
   * process shutting down closes its Redis client after that.
   */
  destroy(): Promise<void>
  /** `signed-out`, `active` or `expired`. */
  readonly state: SessionState
  /**
   * For interceptors: valid tokens to send, `undefined` when signed out. Starts a background
   * refresh inside `refreshAheadMs`. For a replay, `outliveMs` is the refused send's round trip:
   * tokens expiring sooner than that are waited out and their successor returned.
   */
  getTokens(outliveMs?: number): Promise<T | undefined>
  /**
   * For interceptors: a request sent with `sentWith` was refused. Resolves once there are tokens to
   * replay it with (the current ones if they already differ: no refresh), or with `undefined` when
   * there is nothing to replay with. Concurrent callers share one refresh.
   */
  handleAuthFailure(sentWith: string | undefined): Promise<T | undefined>
  /** For interceptors: puts the token on outgoing headers, as the strategy does it. */
  authorize(tokens: T, headers: Headers): void
  /** For interceptors: whether a response means the token was refused. */
  isAuthFailure(response: AuthFailureInput): boolean
  /** Replays at once, for interceptors' queues. */
  readonly replayConcurrency: number
  on<K extends keyof SessionEvents>(type: K, handler: Handler<SessionEvents[K]>): void
  off<K extends keyof SessionEvents>(type: K, handler?: Handler<SessionEvents[K]>): void
  emit<K extends keyof SessionEvents>(type: K, event: SessionEvents[K]): void
}

const noop = (): void => {}
const bearer = (tokens: Tokens, headers: Headers): void => headers.set('Authorization', `Bearer ${tokens.accessToken}`)

function checkRefreshResult(result: unknown): Tokens {
  if (typeof result !== 'object' || result === null) {
    throw new InvalidRefreshResponseError('tokens', 'an object', typeof result)
  }
  const { accessToken, expiresAt } = result as Tokens
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new InvalidRefreshResponseError('accessToken', 'a non-empty string', typeof accessToken)
  }
  if (expiresAt !== undefined && (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt))) {
    throw new InvalidRefreshResponseError('expiresAt', 'a finite number', typeof expiresAt)
  }
  return result as Tokens
}

/**
 * Creates a session: token state, single-flight refresh, proactive refresh
 * before a known expiry, retries, and events.
 *
 * @example
 * const session = createSession({ strategy: fib({ baseURL: 'https://auth.example.com' }), tokens })
 * session.on('expired', () => showLogin())
 */
export function createSession<T extends Tokens = Tokens>(options: SessionOptions<T>): Session<T> {
  const config = resolveSessionOptions(options)
  const { strategy, store, coordinator, now } = config
  const emitter = mitt<SessionEvents>()
  const lifetime = new AbortController()

  let tokens: T | undefined
  let expiresAt: number | undefined
  let refreshAt: number | undefined
  let expiredBy: Error | undefined
  let inflight: Promise<T> | undefined
  // Bumped by setTokens/clear: a refresh that started before them must not overwrite their result.
  let epoch = 0
  let lastFailureAt = -Infinity
  // The last refresh shared through the coordinator, settled: what destroy() waits for.
  let settling: Promise<void> | undefined

  // A refresh-ahead window longer than the token's life would refresh on every request. For tokens
  // this session obtained itself (so their issue time is known) the window is capped at half the
  // life, and the default window at a twentieth: short-lived tokens are then used for nearly their
  // whole life, one refresh per life (issue 5's unniced fleet: 20-21 refreshes in 21 lives; 21-22
  // at a tenth).
  const aheadShare = options.refreshAheadMs === undefined ? 0.05 : 0.5
  function adopt(next: T | undefined, obtainedAt?: number): void {
    tokens = next
    expiresAt = next ? tokenExpiry(next) : undefined
    // An unknown issue time (`obtainedAt`) caps nothing: the life counts as infinite.
    refreshAt =
      expiresAt === undefined ? undefined : expiresAt - Math.min(config.refreshAheadMs, (expiresAt - (obtainedAt ?? -Infinity)) * aheadShare)
  }

  if (!store) adopt(config.tokens)
  // The store is read once, lazily; until then callers wait on `loading`.
  let loading: Promise<void> | undefined = store
    ? (async () => {
        // An unreachable store must not block requests: start from the initial tokens instead.
        const stored = await Promise.resolve(store.get()).catch(() => undefined)
        if (epoch !== 0) return
        if (stored) adopt(stored)
        else if (config.tokens) {
          adopt(config.tokens)
          await Promise.resolve(store.set(config.tokens)).catch(() => {})
        }
      })().finally(() => {
        loading = undefined
      })
    : undefined

  // Tokens another copy stored (or cleared): adopted as if set here, without announcing them back.
  const detachCoordinator = coordinator?.attach?.({
    adopt(next) {
      if (lifetime.signal.aborted || next?.accessToken === tokens?.accessToken) return
      epoch++
      loading = undefined
      expiredBy = undefined
      adopt(next, next ? now() : undefined)
    },
    emit: emitter.emit,
    refreshDeadlineMs: config.refreshTimeoutMs * (config.retries + 1) + config.maxDelayMs * config.retries,
  })

  function expiredError(): SessionExpiredError {
    if (lifetime.signal.aborted) return new SessionExpiredError('The session was destroyed')
    return expiredBy ? new SessionExpiredError(undefined, { cause: expiredBy }) : new SessionExpiredError('The session holds no tokens: sign in')
  }

  async function attempt(current: T): Promise<T> {
    const controller = new AbortController()
    const onDestroy = (): void => controller.abort(lifetime.signal.reason)
    // A refresh shared with other copies is not cut short by destroy(): aborted after the provider
    // rotated, it would leave them a spent refresh token (see destroy).
    if (!coordinator) lifetime.signal.addEventListener('abort', onDestroy, { once: true })
    const timer = setTimeout(() => controller.abort(new RefreshTimeoutError(config.refreshTimeoutMs)), config.refreshTimeoutMs)
    try {
      // raceAbort: a strategy that ignores its signal still cannot hold waiting requests past the timeout.
      const call = Promise.resolve().then(() => strategy.refresh(current, { signal: controller.signal, fetch: config.fetch, now }))
      return checkRefreshResult(await raceAbort(call, controller.signal)) as T
    } catch (error) {
      throw controller.signal.aborted ? controller.signal.reason : error
    } finally {
      clearTimeout(timer)
      lifetime.signal.removeEventListener('abort', onDestroy)
    }
  }

  function isRetryable(error: unknown): boolean {
    if (error instanceof RefreshTimeoutError) return true
    if (!(error instanceof RefreshError) || !error.transient) return false
    return error.retryAfterMs === undefined || error.retryAfterMs <= config.maxDelayMs
  }

  // The answer when a setTokens/clear overtook a refresh: whatever the user set wins.
  function currentOrThrow(): T {
    if (tokens && !expiredBy && !lifetime.signal.aborted) return tokens
    throw expiredError()
  }

  // The strategy's attempts with retries: resolves with checked tokens or throws the last failure.
  async function attempts(current: T, startEpoch: number): Promise<T> {
    for (let retry = 0; ; retry++) {
      try {
        return await attempt(current)
      } catch (caught) {
        const error = caught instanceof Error ? caught : new Error(String(caught))
        if (retry >= config.retries || !isRetryable(error) || epoch !== startEpoch) throw error
        const delay = backoffDelay(retry, config.minDelayMs, config.maxDelayMs, Math.random)
        await sleep(Math.max(delay, (error as RefreshError).retryAfterMs ?? 0), lifetime.signal).catch(() => {})
        if (lifetime.signal.aborted) throw error
      }
    }
  }

  async function run(reason: RefreshReason): Promise<T> {
    const startEpoch = epoch
    const current = tokens
    if (!current) throw expiredError()
    emitter.emit('refreshing', { reason })
    // Refresh and persist: invariant 6, the store has a rotated refresh token before anyone uses
    // the new access token. With a coordinator this runs at most once across every copy.
    const work = async (): Promise<T> => {
      const next = await attempts(current, startEpoch)
      if (store && epoch === startEpoch) await store.set(next)
      return next
    }
    try {
      let next: T
      if (coordinator) {
        const refreshing = coordinator.refresh(current, work)
        settling = refreshing.then(noop, noop)
        next = await raceAbort(refreshing, lifetime.signal) // destroy() releases the callers, not the work
      } else next = await work()
      if (epoch !== startEpoch) return currentOrThrow()
      adopt(next, now())
      emitter.emit('refreshed', { reason, expiresAt })
      return next
    } catch (caught) {
      if (epoch !== startEpoch || lifetime.signal.aborted) return currentOrThrow()
      const error = caught instanceof Error ? caught : new Error(String(caught))
      const terminal = error instanceof RefreshError && !error.transient
      lastFailureAt = now()
      emitter.emit('refreshFailed', { reason, error, terminal })
      if (!terminal) throw error
      expiredBy = error
      emitter.emit('expired', { error })
      throw expiredError()
    }
  }

  // Single flight: every caller during a refresh gets the same promise.
  function refreshOnce(reason: RefreshReason): Promise<T> {
    inflight ??= run(reason).finally(() => {
      inflight = undefined
    })
    return inflight
  }

  async function getTokens(outliveMs = 0): Promise<T | undefined> {
    if (loading) await loading
    if (expiredBy || lifetime.signal.aborted) throw expiredError()
    if (!tokens || expiresAt === undefined || refreshAt === undefined) return tokens
    const time = now()
    // Checked on every read, never left to a timer: a machine waking from sleep sends no dead token.
    if (time >= expiresAt) return refreshOnce('expired')
    // A replay is the call's last chance (invariant 3): tokens that would expire before it arrives
    // are waited out and their successor sent. Once: the successor is due at expiry anyway, so no
    // extra refresh, but it may itself live shorter than a slow round trip.
    if (expiresAt - time < outliveMs) {
      if (inflight) return inflight
      const waitedOut = tokens
      await sleep(expiresAt - time, lifetime.signal) // destroyed meanwhile: rejects like the rest
      // A timer may fire a millisecond early by the wall clock: the tokens are done either way.
      return tokens === waitedOut && !expiredBy ? refreshOnce('expired') : getTokens()
    }
    // Inside the window: refresh in the background and keep using the still-valid token. After a
    // failure, wait out the backoff ceiling before trying again so a dead endpoint is not hammered.
    if (time >= refreshAt && !inflight && time - lastFailureAt >= config.maxDelayMs) {
      refreshOnce('ahead').catch(() => {})
    }
    return tokens
  }

  async function handleAuthFailure(sentWith: string | undefined): Promise<T | undefined> {
    if (loading) await loading
    if (expiredBy || lifetime.signal.aborted) throw expiredError()
    if (!tokens) return undefined
    if (tokens.accessToken === sentWith) return refreshOnce('unauthorized')
    // Invariant 2: the refused token was already replaced, so no new refresh. If one is running
    // anyway (ahead of expiry), or the current token is inside its refresh window (about to go),
    // the replay waits for that refresh, which the next request would start anyway.
    if (inflight) return inflight
    return refreshAt !== undefined && now() >= refreshAt ? refreshOnce('ahead') : tokens
  }

  const session: Session<T> = {
    get state(): SessionState {
      return expiredBy || lifetime.signal.aborted ? 'expired' : tokens ? 'active' : 'signed-out'
    },
    replayConcurrency: config.replayConcurrency,
    getTokens,
    handleAuthFailure,
    async getAccessToken() {
      const current = await getTokens()
      if (!current) throw expiredError()
      return current.accessToken
    },
    async refresh() {
      if (loading) await loading
      if (expiredBy || lifetime.signal.aborted) throw expiredError()
      return (await refreshOnce('manual')).accessToken
    },
    async setTokens(next) {
      assertTokens('tokens', next)
      if (lifetime.signal.aborted) throw expiredError()
      epoch++
      loading = undefined
      expiredBy = undefined
      lastFailureAt = -Infinity
      adopt(next)
      if (store) await store.set(next)
      await coordinator?.announce?.(next)
    },
    async clear() {
      epoch++
      loading = undefined
      expiredBy = undefined
      adopt(undefined)
      if (store) await store.delete()
      await coordinator?.announce?.(undefined)
    },
    async destroy() {
      detachCoordinator?.()
      lifetime.abort(new SessionExpiredError('The session was destroyed'))
      emitter.all.clear()
      await settling
    },
    authorize(current, headers) {
      ;(strategy.authorize ?? bearer)(current, headers)
    },
    isAuthFailure(response) {
      return strategy.isAuthFailure ? strategy.isAuthFailure(response) : response.status === 401
    },
    on: emitter.on,
    off: emitter.off,
    emit: emitter.emit,
  }
  attachInternals(session, {
    tokensForSend: getTokens,
    afterRefusal: handleAuthFailure,
    strategy,
    replayConcurrency: config.replayConcurrency,
    emit: emitter.emit,
    now,
  })
  return session
}
