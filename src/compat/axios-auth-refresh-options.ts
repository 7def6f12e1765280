import type { AxiosError, AxiosInstance, AxiosRequestConfig, AxiosResponse, InternalAxiosRequestConfig } from 'axios'
import { assertCount, assertDuration, assertObject, assertOptionalBoolean, assertOptionalFunction, invalidArgument, knownOptions } from '../invalid-argument.js'
import { warnDeprecatedOnce } from './deprecation-warning.js'

// A method's type: parameters checked both ways, as for the peer's `shouldRefresh?(error)`.
type ShouldRefresh = { shouldRefresh(error: AxiosError): boolean }['shouldRefresh']

/** The options of axios-auth-refresh 5, plus its older names and `refreshTimeoutMs`. */
export interface AxiosAuthRefreshOptions {
  /** Response statuses that mean "refresh, then retry". @default [401] */
  statusCodes?: number[] | undefined
  /**
   * Decides instead of `statusCodes`. A throw counts as `false`. Typed as the peer's method is
   * (checked loosely): a callback typed for `AxiosError<MyBody>` is accepted.
   * @default undefined (statusCodes decide)
   */
  shouldRefresh?: ShouldRefresh | undefined
  /** The instance that sends the retries. @default the intercepted instance */
  retryInstance?: AxiosInstance | undefined
  /** Also refresh on a network error with no response (a CORS-less 401). @default false */
  interceptNetworkError?: boolean | undefined
  /**
   * Accepted, with no effect: new requests wait for a running refresh before going out, as
   * axios-auth-refresh holds them whatever this says, and a refusal that arrives during it joins
   * it (what `false` asks of axios-auth-refresh). See docs/migration.md. @default true
   */
  deduplicateRefresh?: boolean | undefined
  /** Changes a request's config before it is retried or released from the pause. @default undefined */
  onRetry?: ((requestConfig: InternalAxiosRequestConfig) => InternalAxiosRequestConfig | Promise<InternalAxiosRequestConfig>) | undefined
  /** How many times one request may be retried after a refresh; tokenflight retries at most once. @default 3 */
  maxRetries?: number | undefined
  /** @deprecated axios-auth-refresh 3.x's name for `deduplicateRefresh`; no effect either. @default undefined */
  pauseInstanceWhileRefreshing?: boolean | undefined
  /**
   * @deprecated Removed by axios-auth-refresh 5, which ignores it; accepted with a one-time
   * deprecation warning and no effect: there is one refresh at a time whatever its value.
   * @default undefined
   */
  skipWhileRefreshing?: boolean | undefined
  /** tokenflight's addition: a refresh that has not settled by then fails, so no request hangs. @default 10000 */
  refreshTimeoutMs?: number | undefined
}

/** A request config with the per-request flag. */
export interface AxiosAuthRefreshRequestConfig extends AxiosRequestConfig {
  /** Neither paused nor retried after a refresh. @default false */
  skipAuthRefresh?: boolean | undefined
}

/**
 * The failed request handed to the refresh logic: an axios error that always has
 * `response.config` (a network error gets a response holding just the config). It takes any
 * value as `response`, as the peer's untyped argument does (`failedRequest.response ||= {}`).
 */
export interface FailedRequest extends AxiosError {
  get response(): AxiosResponse
  set response(value: unknown)
}

/** The options once defaults are applied and every value is checked. */
export interface CompatSettings {
  statusCodes: readonly number[]
  shouldRefresh: ((error: AxiosError) => boolean) | undefined
  retryInstance: AxiosInstance | undefined
  interceptNetworkError: boolean
  onRetry: AxiosAuthRefreshOptions['onRetry']
  maxRetries: number
  refreshTimeoutMs: number
}

const known = {
  statusCodes: true,
  shouldRefresh: true,
  retryInstance: true,
  interceptNetworkError: true,
  deduplicateRefresh: true,
  onRetry: true,
  maxRetries: true,
  pauseInstanceWhileRefreshing: true,
  skipWhileRefreshing: true,
  refreshTimeoutMs: true,
} satisfies Record<keyof AxiosAuthRefreshOptions, true>

/** Checks `createAuthRefresh`'s options and applies their defaults. */
export function compatSettings(given: AxiosAuthRefreshOptions): CompatSettings {
  assertObject('createAuthRefresh options', given)
  const options = knownOptions('createAuthRefresh options', given, known)
  const { statusCodes = [401], shouldRefresh, retryInstance, onRetry, maxRetries = 3, refreshTimeoutMs = 10_000 } = options
  // A status given as a string ('401') would never match and refresh nothing, silently.
  if (!Array.isArray(statusCodes) || !statusCodes.every((status) => Number.isInteger(status) && status >= 100 && status <= 599)) {
    throw invalidArgument('statusCodes', 'an array of HTTP statuses (numbers)', statusCodes, { wrongType: !Array.isArray(statusCodes) })
  }
  if (retryInstance !== undefined && typeof (retryInstance as { request?: unknown } | null)?.request !== 'function') {
    throw invalidArgument('retryInstance', 'an axios instance', retryInstance)
  }
  // 'false' would read as true: a flag is a boolean.
  for (const flag of ['interceptNetworkError', 'deduplicateRefresh', 'pauseInstanceWhileRefreshing'] as const) assertOptionalBoolean(flag, options[flag])
  assertOptionalFunction('shouldRefresh', shouldRefresh)
  assertOptionalFunction('onRetry', onRetry)
  // Any count, Infinity too (axios-auth-refresh takes it): a request is retried once either way.
  if (maxRetries !== Number.POSITIVE_INFINITY) assertCount('maxRetries', maxRetries)
  assertDuration('refreshTimeoutMs', refreshTimeoutMs)
  if (options.skipWhileRefreshing !== undefined) {
    warnDeprecatedOnce(
      'TOKENFLIGHT_SKIP_WHILE_REFRESHING',
      '`skipWhileRefreshing` was removed by axios-auth-refresh 5 and has no effect: there is one refresh at a time. Remove the option.',
    )
  }
  return {
    statusCodes,
    shouldRefresh,
    retryInstance,
    interceptNetworkError: options.interceptNetworkError ?? false,
    onRetry,
    maxRetries,
    refreshTimeoutMs,
  }
}
