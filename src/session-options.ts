import type { RetryOptions } from './backoff.js'
import { assertFunction, assertKnownKeys, assertNumber, assertObject, assertString, invalidArgument } from './invalid-argument.js'
import type { Coordinator } from './coordinator.js'
import type { Strategy, Tokens } from './strategy.js'
import type { TokenStore } from './token-store.js'

/** Options of {@link createSession}. */
export interface SessionOptions<T extends Tokens = Tokens> {
  /** How tokens are refreshed: `fib(…)`, `oauth2(…)`, `custom(…)`… */
  strategy: Strategy<T>
  /** Initial tokens, used when the store holds none (the store wins: it may hold rotated ones). */
  tokens?: T | undefined
  /** Where tokens are persisted. @default kept in memory only */
  store?: TokenStore<T> | undefined
  /** Shares refreshes with other processes or tabs (`redisCoordination`, `tabCoordinator`). @default none */
  coordinator?: Coordinator<T> | undefined
  /**
   * Refresh this long before a known expiry, in the background. For tokens the session obtained
   * itself, at most half their life (a twentieth while this is left at its default).
   * @default 30000
   */
  refreshAheadMs?: number | undefined
  /** Abort a refresh attempt after this long; it then counts as a transient failure. @default 10000 */
  refreshTimeoutMs?: number | undefined
  /** Retries of transient refresh failures, or `false` for none. @default { retries: 2, minDelayMs: 200, maxDelayMs: 5000 } */
  retry?: RetryOptions | false | undefined
  /** How many queued requests interceptors replay at once after a refresh. @default 16 */
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
  refreshTimeoutMs: number
  retries: number
  minDelayMs: number
  maxDelayMs: number
  replayConcurrency: number
  fetch: typeof fetch
  now: () => number
}

const defaults = {
  refreshAheadMs: 30_000,
  refreshTimeoutMs: 10_000,
  retries: 2,
  minDelayMs: 200,
  maxDelayMs: 5_000,
  replayConcurrency: 16,
}

const known = ['strategy', 'tokens', 'store', 'coordinator', 'refreshAheadMs', 'refreshTimeoutMs', 'retry', 'replayConcurrency', 'fetch', 'now']

const missingFetch: typeof fetch = () => Promise.reject(new TypeError('No global fetch: pass `fetch` to createSession'))

/** Throws a `TypeError` naming the field unless `tokens` is a usable token set. Never prints a token. */
export function assertTokens(name: string, tokens: unknown): asserts tokens is Tokens {
  assertObject(name, tokens)
  const { accessToken, refreshToken, expiresAt } = tokens as Tokens
  assertString(`${name}.accessToken`, accessToken, false, true)
  assertString(`${name}.refreshToken`, refreshToken, true, true)
  if (expiresAt !== undefined && (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt))) {
    throw invalidArgument(`${name}.expiresAt`, 'a finite number (epoch ms)', expiresAt)
  }
}

/** Validates every option at creation (not at the first 401) and merges the defaults once. */
export function resolveSessionOptions<T extends Tokens>(options: SessionOptions<T>): ResolvedSessionOptions<T> {
  assertObject('options', options)
  assertKnownKeys('createSession options', options, known)
  const { strategy, store, retry } = options
  assertObject('strategy', strategy)
  for (const method of ['refresh', 'authorize', 'isAuthFailure'] as const) assertFunction(`strategy.${method}`, strategy[method], method !== 'refresh')
  if (options.tokens !== undefined) assertTokens('tokens', options.tokens)
  if (store !== undefined) {
    assertObject('store', store)
    for (const method of ['get', 'set', 'delete'] as const) assertFunction(`store.${method}`, store[method], false)
  }
  if (options.coordinator !== undefined) {
    assertObject('coordinator', options.coordinator)
    for (const method of ['refresh', 'attach', 'announce'] as const) assertFunction(`coordinator.${method}`, options.coordinator[method], method !== 'refresh')
  }
  for (const [name, min] of [['refreshAheadMs', 0], ['refreshTimeoutMs', 1], ['replayConcurrency', 1]] as const) assertNumber(name, options[name], min)
  assertFunction('fetch', options.fetch)
  assertFunction('now', options.now)
  if (retry !== undefined && retry !== false) {
    assertObject('retry', retry)
    assertKnownKeys('retry options', retry, ['retries', 'minDelayMs', 'maxDelayMs'])
    for (const name of ['retries', 'minDelayMs', 'maxDelayMs'] as const) assertNumber(`retry.${name}`, retry[name], 0)
  }
  const retries = retry === false ? 0 : Math.floor(retry?.retries ?? defaults.retries)
  return {
    strategy,
    tokens: options.tokens,
    store,
    coordinator: options.coordinator,
    refreshAheadMs: options.refreshAheadMs ?? defaults.refreshAheadMs,
    refreshTimeoutMs: options.refreshTimeoutMs ?? defaults.refreshTimeoutMs,
    retries,
    minDelayMs: (retry ? retry.minDelayMs : undefined) ?? defaults.minDelayMs,
    maxDelayMs: (retry ? retry.maxDelayMs : undefined) ?? defaults.maxDelayMs,
    replayConcurrency: Math.floor(options.replayConcurrency ?? defaults.replayConcurrency),
    fetch: options.fetch ?? globalThis.fetch?.bind(globalThis) ?? missingFetch,
    now: options.now ?? Date.now,
  }
}
