import type { AxiosError, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios'
import { withTimeout } from '../abort.js'
import { RefreshTimeoutError } from '../errors/index.js'
import { ownError } from '../exchange/own-error.js'
import { configRecord } from '../interceptors/config-record.js'
import type { CompatSettings, FailedRequest } from './axios-auth-refresh-options.js'

/** A request config with the per-request flag, as the interceptors see it. */
export type Config = InternalAxiosRequestConfig & { skipAuthRefresh?: boolean | undefined }

/** One refresh: the logic's promise, its outcome, and the Authorization header it put on the failed request. */
export interface Flight {
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

/** Runs `onRetry` on a config; a throwing one leaves the request as it was, as axios-auth-refresh does. */
export async function applyOnRetry(config: Config, onRetry: CompatSettings['onRetry']): Promise<Config> {
  if (!onRetry) return config
  try {
    return (await onRetry(config)) ?? config
  } catch {
    return config
  }
}

// The header the refresh logic put on its failed request goes on every retry of that refresh,
// so the README's pattern (patch `failedRequest.response.config`) works for all of them.
export function withAuthorization(config: Config, flight: Flight | undefined): Config {
  if (flight?.authorization !== undefined) config.headers?.set?.('Authorization', flight.authorization as string)
  return config
}

// The logic's promise, or a rejection when it throws or returns none.
function runLogic(refreshAuthLogic: (failedRequest: FailedRequest) => Promise<unknown>, error: AxiosError): Promise<unknown> {
  try {
    const outcome = refreshAuthLogic(error as FailedRequest)
    if (typeof (outcome as Promise<unknown> | undefined)?.then === 'function') return outcome
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

  /** Starts a refresh for `error`'s request: runs the logic and, with the pause on, holds new requests. */
  start(error: AxiosError): Flight {
    // The refresh logic reads and patches `failedRequest.response.config`, also on a network error.
    error.response ??= { config: error.config } as AxiosResponse
    const response = error.response
    const before = response.config?.headers?.Authorization
    const flight: Flight = { done: Promise.resolve(), ended: Infinity }
    const outcome = runLogic(this.refreshAuthLogic, error)
    // Installed after the logic started, so requests it sends synchronously are not paused.
    const pauseId = this.settings.pause ? this.#pauseFor(flight) : undefined
    const { refreshTimeoutMs } = this.settings
    flight.done = withTimeout(outcome, refreshTimeoutMs, () => new RefreshTimeoutError(refreshTimeoutMs))
      .then(
        () => {
          const after = response.config?.headers?.Authorization
          if (after !== before) Object.assign(flight, { authorization: after, replaced: before })
        },
        (failure: unknown) => {
          flight.failure = { error: failure }
          throw failure
        },
      )
      .finally(() => {
        flight.ended = this.sends
        this.lastSettled = flight
        if (this.inflight === flight) this.inflight = undefined
        if (pauseId !== undefined) this.instance.interceptors.request.eject(pauseId)
      })
    this.inflight = flight
    return flight
  }

  #pauseFor(flight: Flight): number {
    return this.instance.interceptors.request.use(async (config: Config) => {
      if (skipped(config) || this.inflight !== flight) return config
      await flight.done.catch((failure: unknown) => Promise.reject(ownError(failure))) // a failed refresh rejects the paused request
      // Only a header the refresh replaced is updated: a request's own (Basic…) is left alone.
      const held = config.headers?.Authorization === flight.replaced ? withAuthorization(config, flight) : config
      return applyOnRetry(held, this.settings.onRetry)
    })
  }
}
