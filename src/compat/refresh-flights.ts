import { type AxiosError, type AxiosInstance, type AxiosResponse, CanceledError, type InternalAxiosRequestConfig } from 'axios'
import { withTimeout } from '../abort.js'
import { RefreshTimeoutError } from '../errors/index.js'
import { ownError } from '../exchange/own-error.js'
import { configRecord } from '../interceptors/config-record.js'
import type { CompatSettings, FailedRequest } from './axios-auth-refresh-options.js'
import { whenSettled } from '../when-settled.js'

/** A request config with the per-request flag, as the interceptors see it. */
export type Config = InternalAxiosRequestConfig & { skipAuthRefresh?: boolean | undefined }

/** One refresh: the logic's promise, its outcome, and the Authorization header it put on the failed request. */
export interface Flight {
  /** Settles with the logic, however long it takes: the refresh stays the running one until then. */
  done: Promise<void>
  ended: number // requests sent before it settled (a position in the send count)
  failure?: { error: unknown }
  authorization?: unknown
  replaced?: unknown // the failed request's Authorization before the logic changed it
}

/** When a request went out, relative to refreshes. */
export interface Sent {
  sequence: number // its position in the send count
  flight: Flight | undefined // the refresh running when it went out
}

/** Whether a request opted out with `skipAuthRefresh` (any truthy value, as axios-auth-refresh reads it). */
export const skipped = (config: Config | undefined): boolean => Boolean(config?.skipAuthRefresh)

/**
 * Runs `onRetry` on a config; a throwing one leaves the request as it was, as axios-auth-refresh
 * does. What it returns must be a config (or nothing): anything else (the `AxiosHeaders` that
 * `config.headers.set()` returns) would be sent as a request of its own, without the caller's
 * method and body.
 */
export async function applyOnRetry(config: Config, onRetry: CompatSettings['onRetry']): Promise<Config> {
  if (!onRetry) return config
  let next: unknown
  try {
    next = await onRetry(config)
  } catch {
    return config
  }
  if (next === undefined) return config
  if (typeof next === 'object' && next !== null && 'method' in next && 'headers' in next) return next as Config
  throw new TypeError('onRetry must return the request config it was given (or a copy of it), or nothing')
}

const authorizationOf = (config: Config | undefined): unknown => config?.headers?.get?.('Authorization') ?? config?.headers?.Authorization

// The header the refresh logic put on its failed request goes on each retry that carried the one it
// replaced, so the README's pattern (patch `failedRequest.response.config`) works for all of them.
// A request's own credentials (Basic… to a partner), or none, are left alone: the token goes nowhere new.
export function withAuthorization(config: Config, flight: Flight | undefined): Config {
  if (flight?.authorization !== undefined && flight.replaced !== undefined && authorizationOf(config) === flight.replaced) {
    config.headers?.set?.('Authorization', flight.authorization as string)
  }
  return config
}

// The logic's promise, or a rejection when it throws or returns none.
function runLogic(refreshAuthLogic: (failedRequest: FailedRequest) => Promise<unknown>, error: AxiosError): Promise<unknown> {
  try {
    const outcome = refreshAuthLogic(error as FailedRequest)
    // A thenable (a library's own promise) is adopted as `await` would: its `then` may return anything.
    if (typeof (outcome as Promise<unknown> | undefined)?.then === 'function') return Promise.resolve(outcome)
    return Promise.reject(new TypeError('refreshAuthLogic must return a promise'))
  } catch (thrown) {
    return Promise.reject(thrown)
  }
}

/** The refreshes of one intercepted instance: the one running, the last one settled, and each request's place. */
export class RefreshFlights {
  sends = 0
  inflight: Flight | undefined
  lastSettled: Flight | undefined
  readonly #sent = configRecord<Sent>('tokenflight.compat-sent')

  constructor(
    readonly instance: AxiosInstance,
    readonly refreshAuthLogic: (failedRequest: FailedRequest) => Promise<unknown>,
    readonly settings: CompatSettings,
  ) {}

  /** Notes a request going out (on axios's copy of the config, never the caller's). */
  recordSend(config: Config): void {
    if (!skipped(config)) this.#sent.set(config, { sequence: ++this.sends, flight: this.inflight })
  }

  sentOf(config: Config): Sent | undefined {
    return this.#sent.get(config)
  }

  /**
   * Waits for `flight` at most `refreshTimeoutMs` from now: each caller its own deadline. A logic
   * past the deadline still runs (it cannot be aborted), so no second one starts until it settles.
   */
  wait(flight: Flight): Promise<void> {
    const { refreshTimeoutMs } = this.settings
    return withTimeout(flight.done, refreshTimeoutMs, () => new RefreshTimeoutError(refreshTimeoutMs))
  }

  /** Starts a refresh for `error`'s request: runs the logic and holds new requests until it settles. */
  start(error: AxiosError): Flight {
    // The refresh logic reads and patches `failedRequest.response.config`, also on a network error.
    error.response ??= { config: error.config } as AxiosResponse
    const response = error.response
    const before = authorizationOf(response.config as Config | undefined)
    const flight: Flight = { done: Promise.resolve(), ended: Infinity }
    const outcome = runLogic(this.refreshAuthLogic, error)
    // Installed after the logic started, so requests it sends synchronously are not paused.
    const pauseId = this.#pauseFor(flight)
    const judged = outcome.then(
      () => {
        const after = authorizationOf(response.config as Config | undefined)
        if (after !== before) Object.assign(flight, { authorization: after, replaced: before })
      },
      (failure: unknown) => {
        flight.failure = { error: failure }
        throw failure
      },
    )
    flight.done = whenSettled(judged, () => {
      flight.ended = this.sends
      this.lastSettled = flight
      if (this.inflight === flight) this.inflight = undefined
      this.instance.interceptors.request.eject(pauseId)
    })
    void flight.done.catch(() => {}) // its callers each get the failure through wait()
    this.inflight = flight
    return flight
  }

  #pauseFor(flight: Flight): number {
    return this.instance.interceptors.request.use(async (config: Config) => {
      if (skipped(config) || this.inflight !== flight) return config
      try {
        await this.wait(flight)
      } catch (failure) {
        // A refresh that timed out rejects it; one that failed cancels it, as axios-auth-refresh
        // does: thrown here, so no interceptor running after the pause can send it after all.
        throw failure instanceof RefreshTimeoutError ? ownError(failure) : new CanceledError('Request call failed', undefined, config)
      }
      return applyOnRetry(withAuthorization(config, flight), this.settings.onRetry)
    })
  }
}
