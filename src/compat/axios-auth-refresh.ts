import type { AxiosError, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios'
import { withTimeout } from '../abort.js'
import { RefreshTimeoutError } from '../errors/index.js'
import { ownError } from '../interceptors/own-error.js'
import { invalidArgument } from '../invalid-argument.js'
import { type AxiosAuthRefreshOptions, type AxiosAuthRefreshRequestConfig, compatSettings, type FailedRequest } from './axios-auth-refresh-options.js'

export type { AxiosAuthRefreshOptions, AxiosAuthRefreshRequestConfig, FailedRequest } from './axios-auth-refresh-options.js'

type Config = InternalAxiosRequestConfig & { skipAuthRefresh?: boolean | undefined }

// One refresh: the logic's promise, its outcome, and the Authorization header it put on the failed request.
interface Flight {
  done: Promise<void>
  ended: number // requests sent before it settled (a position in the send count)
  failure?: { error: unknown }
  authorization?: unknown
}

interface Sent {
  sequence: number // its position in the send count
  flight: Flight | undefined // the refresh running when it went out
}

/**
 * axios-auth-refresh's `createAuthRefresh`, same arguments and options, with tokenflight's
 * guarantees underneath: every concurrent auth failure waits on one refresh (also those that
 * arrive while it runs, which axios-auth-refresh 5 rejects), a request sent before the last
 * refresh is retried without another one, each request is retried at most once, and a refresh
 * that hangs fails after `refreshTimeoutMs`, so every request settles.
 * Returns the response interceptor's id, as axios-auth-refresh does.
 *
 * @example
 * // was: import createAuthRefreshInterceptor from 'axios-auth-refresh'
 * import createAuthRefreshInterceptor from 'tokenflight/compat/axios-auth-refresh'
 * createAuthRefreshInterceptor(api, async (failedRequest) => {
 *   const { data } = await axios.post('/auth/refresh', { refreshToken })
 *   failedRequest.response.config.headers.Authorization = `Bearer ${data.accessToken}`
 * })
 */
export function createAuthRefresh(instance: AxiosInstance, refreshAuthLogic: (failedRequest: FailedRequest) => Promise<unknown>, options: AxiosAuthRefreshOptions = {}): number {
  if (typeof instance?.interceptors?.response?.use !== 'function') throw invalidArgument('instance', 'an axios instance', instance)
  if (typeof refreshAuthLogic !== 'function') throw invalidArgument('refreshAuthLogic', 'a function', refreshAuthLogic)
  const { statusCodes, shouldRefresh, retryInstance, interceptNetworkError, pause, onRetry, maxRetries, refreshTimeoutMs } = compatSettings(options)

  let sends = 0
  let inflight: Flight | undefined
  let lastSettled: Flight | undefined
  const sentRequests = new WeakMap<object, Sent>()
  const skipped = (config: Config | undefined): boolean => config?.skipAuthRefresh === true

  const applyOnRetry = async (config: Config): Promise<Config> => {
    if (!onRetry) return config
    try {
      return (await onRetry(config)) ?? config
    } catch {
      return config // as axios-auth-refresh: a failing onRetry leaves the request as it was
    }
  }

  // Every request: when it went out, relative to refreshes. Kept off the caller's config.
  instance.interceptors.request.use((config: Config) => {
    if (!skipped(config)) sentRequests.set(config, { sequence: ++sends, flight: inflight })
    return config
  })

  function intercepts(error: AxiosError): boolean {
    if (!error || skipped(error.config)) return false
    if (!error.response) return interceptNetworkError && (error.request as { status?: number } | undefined)?.status === 0
    if (!shouldRefresh) return statusCodes.includes(error.response.status)
    try {
      return shouldRefresh(error) === true
    } catch {
      return false
    }
  }

  function startFlight(error: AxiosError): Flight {
    // The refresh logic reads and patches `failedRequest.response.config`, also on a network error.
    error.response ??= { config: error.config } as AxiosResponse
    const response = error.response
    const before = response.config?.headers?.Authorization
    const flight: Flight = { done: Promise.resolve(), ended: Infinity }
    let pauseId: number | undefined
    let outcome: Promise<unknown>
    try {
      outcome = refreshAuthLogic(error as FailedRequest)
    } catch (thrown) {
      outcome = Promise.reject(thrown)
    }
    if (typeof (outcome as Promise<unknown> | undefined)?.then !== 'function') {
      outcome = Promise.reject(new TypeError('refreshAuthLogic must return a promise'))
    }
    // Installed after the logic started, so requests it sends synchronously are not paused.
    if (pause) {
      pauseId = instance.interceptors.request.use(async (config: Config) => {
        if (skipped(config) || inflight !== flight) return config
        await flight.done.catch((failure: unknown) => Promise.reject(ownError(failure))) // a failed refresh rejects the paused request
        return applyOnRetry(withAuthorization(config, flight))
      })
    }
    flight.done = withTimeout(outcome, refreshTimeoutMs, () => new RefreshTimeoutError(refreshTimeoutMs))
      .then(
        () => {
          const after = response.config?.headers?.Authorization
          if (after !== before) flight.authorization = after
        },
        (error: unknown) => {
          flight.failure = { error }
          throw error
        },
      )
      .finally(() => {
        flight.ended = sends
        lastSettled = flight
        if (inflight === flight) inflight = undefined
        if (pauseId !== undefined) instance.interceptors.request.eject(pauseId)
      })
    inflight = flight
    return flight
  }

  async function retry(config: Config, flight: Flight | undefined): Promise<AxiosResponse> {
    const next = await applyOnRetry(withAuthorization({ ...config }, flight))
    // A retry is final (invariant 3): its auth failure goes back to the caller.
    return (retryInstance ?? instance).request({ ...next, skipAuthRefresh: true } as AxiosAuthRefreshRequestConfig)
  }

  return instance.interceptors.response.use(undefined, async (error: AxiosError) => {
    if (!intercepts(error)) throw error
    const config = error.config as Config | undefined
    const sent = config ? sentRequests.get(config) : undefined
    // Retries carry skipAuthRefresh, so a request is retried once at most: maxRetries 0 turns retrying off.
    if (!config || !sent || maxRetries < 1) throw error
    let flight: Flight
    if (inflight && sent.flight === inflight) {
      // Sent while this refresh ran and not paused: with the pause on, that is the refresh logic's
      // own call, which must not wait on itself. Without the pause, it waits like any other.
      if (pause) throw error
      flight = inflight
    } else if (inflight) {
      flight = inflight
    } else if (lastSettled && sent.sequence <= lastSettled.ended) {
      // The last refresh settled after this request went out: its token was replaced (retry now,
      // no second refresh), or replacing it just failed (fail with that error, not hammer the endpoint).
      if (lastSettled.failure) throw ownError(lastSettled.failure.error)
      return retry(config, lastSettled)
    } else {
      flight = startFlight(error)
    }
    try {
      await flight.done
    } catch (failure) {
      throw ownError(failure)
    }
    return retry(config, flight)
  })
}

// The header the refresh logic put on its failed request goes on every retry of that refresh,
// so the README's pattern (patch `failedRequest.response.config`) works for all of them.
function withAuthorization(config: Config, flight: Flight | undefined): Config {
  if (flight?.authorization !== undefined) config.headers?.set?.('Authorization', flight.authorization as string)
  return config
}

/** @deprecated axios-auth-refresh's old name, kept as it keeps it. */
export const createAuthRefreshInterceptor = createAuthRefresh
export default createAuthRefresh
