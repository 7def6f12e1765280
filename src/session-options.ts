import type { RetryOptions } from './backoff.js'
import type { Coordinator } from './coordinator.js'
import {
  assertFunction,
  assertObject,
  assertOptionalCount,
  assertOptionalDuration,
  assertOptionalFunction,
  assertUnpolluted,
  invalidArgument,
  knownOptions,
} from './invalid-argument.js'
import { asOwnCall } from './own-call.js'
import { RefreshError } from './errors/refresh-error.js'
import { checkedTokens } from './session/assert-tokens.js'
import type { Strategy, Tokens } from './strategy.js'
import type { TokenStore } from './token-store.js'

/**
 * `T` as the strategy and the store or coordinator decide it: tokens written as an object literal
 * do not narrow the session's type past what a `tabCoordinator()` or `redisCoordination()` beside
 * them can match (what TypeScript 5.4's `NoInfer` does, for older compilers too). A strategy that never returns tokens
 * (one that always throws) takes any.
 */
export type FromStrategy<T> = [T] extends [never] ? Tokens : [T][T extends unknown ? 0 : never]

/** Options of {@link createSession}. */
export interface SessionOptions<T extends Tokens = Tokens> {
  /** How tokens are refreshed: `fib(…)`, `oauth2(…)`, `custom(…)`… */
  strategy: Strategy<T>
  /** Initial tokens, used when the store holds none (the store wins: it may hold rotated ones). @default none (signed out) */
  tokens?: FromStrategy<T> | undefined
  /** Where tokens are persisted. Every call to it is bounded by `refreshTimeoutMs`. @default kept in memory only */
  store?: TokenStore<T> | undefined
  /** Shares refreshes with other processes or tabs (`redisCoordination`, `tabCoordinator`). @default none */
  coordinator?: Coordinator<T> | undefined
  /**
   * Refresh this long before a known expiry, in the background. For tokens whose issue time is
   * known (obtained by the session, or a JWT `iat`), at most half their life (a twentieth while
   * this is left at its default).
   * @default 30000
   */
  refreshAheadMs?: number | undefined
  /**
   * The longest a request waits for a refresh, every attempt and backoff included: past it the
   * waiting callers get `RefreshTimeoutError`. Each attempt gets what is left of it. With a
   * coordinator, a call still running then is let finish for up to one more `refreshTimeoutMs`:
   * its tokens are adopted, since it may have rotated the refresh token the copies share.
   * @default 10000
   */
  refreshTimeoutMs?: number | undefined
  /** Retries of transient refresh failures within `refreshTimeoutMs`, or `false` for none. @default { retries: 2, minDelayMs: 200, maxDelayMs: 5000 } */
  retry?: RetryOptions | false | undefined
  /**
   * How many refused requests interceptors replay at once after a refresh (per session, across all
   * clients). By default it adapts: as many as were sent before the first of them was refused, so
   * were in flight together (a burst goes back out as it came), and at least 256 (refusals sent
   * after that add nothing: a trickle during a slow refresh is not all sent at once). A number is
   * a fixed cap; `Infinity` lifts it. A replay still running after `refreshTimeoutMs` stops
   * counting: one the server never answers holds back no call queued behind it.
   * @default adaptive, at least 256
   */
  replayConcurrency?: number | undefined
  /** The fetch strategies use for the refresh call. @default globalThis.fetch at creation */
  fetch?: typeof fetch | undefined
  /** The clock, in epoch ms. Injected by tests to cross expiry boundaries exactly. @default Date.now */
  now?: (() => number) | undefined
}

/** Options after defaults, validated. */
export interface ResolvedSessionOptions<T extends Tokens> {
  strategy: Strategy<T>
  tokens: T | undefined
  store: TokenStore<T> | undefined
  coordinator: Coordinator<T> | undefined
  refreshAheadMs: number
  /** Whether `refreshAheadMs` was left at its default (a smaller share of a short life). */
  defaultAhead: boolean
  refreshTimeoutMs: number
  retries: number
  minDelayMs: number
  maxDelayMs: number
  /** `undefined`: adaptive. */
  replayConcurrency: number | undefined
  fetch: typeof fetch
  now: () => number
}

const defaults = {
  refreshAheadMs: 30_000,
  refreshTimeoutMs: 10_000,
  retries: 2,
  minDelayMs: 200,
  maxDelayMs: 5_000,
}

const known = {
  strategy: true,
  tokens: true,
  store: true,
  coordinator: true,
  refreshAheadMs: true,
  refreshTimeoutMs: true,
  retry: true,
  replayConcurrency: true,
  fetch: true,
  now: true,
} satisfies Record<keyof SessionOptions, true>

const knownRetry = { retries: true, minDelayMs: true, maxDelayMs: true } satisfies Record<keyof RetryOptions, true>

// Not a network failure: no call was made, and none can be until a fetch is given.
const missingFetch: typeof fetch = () => Promise.reject(new RefreshError('No fetch here for the refresh call (a page or runtime without fetch): pass `fetch` to createSession', { transient: true }))

// The fetch refresh calls use: the given one, else the global at creation. Each call says
// `skip` to any wrapper of ours on its way (installFetch's global, a bound or instrumented copy of
// it), and an XHR to its URL while it runs (a fetch polyfill) passes installXHR: all let it
// through untouched, since a refresh never carries an access token. It follows no redirect unless
// asked to: one would carry the refresh credentials (body, headers) wherever it points.
function refreshFetch(given: typeof fetch | undefined): typeof fetch {
  const fetchFn = given ?? globalThis.fetch?.bind(globalThis) ?? missingFetch
  return (input, init) => asOwnCall(input, () => fetchFn(input, { ...init, redirect: init?.redirect ?? 'manual', tokenflight: { skip: true } } as RequestInit))
}

function assertMethods(name: string, value: unknown, required: readonly string[], optional: readonly string[]): void {
  assertObject(name, value)
  const target = value as Record<string, unknown>
  for (const method of required) assertFunction(`${name}.${method}`, target[method])
  for (const method of optional) assertOptionalFunction(`${name}.${method}`, target[method])
}

// An async `authorize` (a WebCrypto signature) would set its headers after the request left, and a
// generator's body would never run. Only a native one tells so here; one that returns a promise
// anyway is refused per send.
function assertSynchronousAuthorize(authorize: unknown): void {
  if (!/^\[object (Async|Generator|AsyncGenerator)Function\]$/.test(Object.prototype.toString.call(authorize))) return
  throw invalidArgument('strategy.authorize', 'a synchronous function (an async or generator one sets no headers before the request leaves)', authorize, { wrongType: false })
}

function resolveRetry(retry: RetryOptions | false | undefined): Pick<ResolvedSessionOptions<Tokens>, 'retries' | 'minDelayMs' | 'maxDelayMs'> {
  if (retry !== false && retry !== undefined) {
    assertObject('retry', retry)
  }
  // Only what was given is read (its own fields): a default never comes from Object.prototype.
  const own = retry === false ? { ...defaults, retries: 0 } : retry === undefined ? defaults : knownOptions('retry options', retry, knownRetry)
  assertOptionalCount('retry.retries', own.retries)
  assertOptionalDuration('retry.minDelayMs', own.minDelayMs, 0)
  assertOptionalDuration('retry.maxDelayMs', own.maxDelayMs, 0)
  const { retries = defaults.retries, minDelayMs = defaults.minDelayMs, maxDelayMs = defaults.maxDelayMs } = own
  // The ceiling would silently cut every delay: the two say different things.
  if (minDelayMs > maxDelayMs) throw invalidArgument('retry.minDelayMs', `at most retry.maxDelayMs (${maxDelayMs})`, minDelayMs, { wrongType: false })
  return { retries, minDelayMs, maxDelayMs }
}

// The clock's time for judging an `expiresAt` in seconds, or nothing when it cannot be read now.
function readClock(now: () => number): number | undefined {
  try {
    return now()
  } catch {
    return undefined
  }
}

/** Validates every option at creation (not at the first 401) and merges the defaults once. */
export function resolveSessionOptions<T extends Tokens>(given: SessionOptions<T>): ResolvedSessionOptions<T> {
  // Described by type only: a token passed where the options belong must not be printed.
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw invalidArgument('options', 'an object', given, { secret: true })
  const options = knownOptions('createSession options', given, known)
  assertMethods('strategy', options.strategy, ['refresh'], ['authorize', 'isAuthFailure'])
  assertUnpolluted('the strategy', options.strategy, ['authorize', 'isAuthFailure'])
  assertSynchronousAuthorize(options.strategy.authorize)
  assertOptionalFunction('now', options.now)
  const tokens = options.tokens === undefined ? undefined : checkedTokens<T>('tokens', options.tokens, readClock(options.now ?? Date.now))
  if (options.store !== undefined) assertMethods('store', options.store, ['get', 'set', 'delete'], [])
  if (options.coordinator !== undefined) assertMethods('coordinator', options.coordinator, ['refresh'], ['attach', 'announce'])
  assertOptionalDuration('refreshAheadMs', options.refreshAheadMs, 0)
  assertOptionalDuration('refreshTimeoutMs', options.refreshTimeoutMs)
  if (options.replayConcurrency !== Number.POSITIVE_INFINITY) assertOptionalCount('replayConcurrency', options.replayConcurrency, 1)
  assertOptionalFunction('fetch', options.fetch)
  return {
    strategy: options.strategy,
    tokens,
    store: options.store,
    coordinator: options.coordinator,
    refreshAheadMs: options.refreshAheadMs ?? defaults.refreshAheadMs,
    defaultAhead: options.refreshAheadMs === undefined,
    refreshTimeoutMs: options.refreshTimeoutMs ?? defaults.refreshTimeoutMs,
    ...resolveRetry(options.retry),
    replayConcurrency: options.replayConcurrency,
    fetch: refreshFetch(options.fetch),
    now: options.now ?? Date.now,
  }
}
