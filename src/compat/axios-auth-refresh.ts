import type { AxiosError, AxiosInstance, AxiosResponse } from 'axios'
import { ownError } from '../exchange/own-error.js'
import { invalidArgument } from '../invalid-argument.js'
import { type AxiosAuthRefreshOptions, type AxiosAuthRefreshRequestConfig, type CompatSettings, compatSettings, type FailedRequest } from './axios-auth-refresh-options.js'
import { applyOnRetry, type Config, type Flight, RefreshFlights, skipped, withAuthorization } from './refresh-flights.js'

export type { AxiosAuthRefreshOptions, AxiosAuthRefreshRequestConfig, FailedRequest } from './axios-auth-refresh-options.js'

// Whether a failure calls for a refresh: the status list, or `shouldRefresh` (truthy; a throw is a no).
function intercepts(error: AxiosError, settings: CompatSettings): boolean {
  if (!error || skipped(error.config)) return false
  if (!error.response) return settings.interceptNetworkError && (error.request as { status?: number } | undefined)?.status === 0
  if (!settings.shouldRefresh) return settings.statusCodes.includes(error.response.status)
  try {
    return Boolean(settings.shouldRefresh(error)) // truthy, as axios-auth-refresh reads it
  } catch {
    return false
  }
}

async function retry(flights: RefreshFlights, config: Config, flight: Flight | undefined): Promise<AxiosResponse> {
  const next = await applyOnRetry(withAuthorization({ ...config }, flight), flights.settings.onRetry)
  // A retry is final (invariant 3): its auth failure goes back to the caller.
  return (flights.settings.retryInstance ?? flights.instance).request({ ...next, skipAuthRefresh: true } as AxiosAuthRefreshRequestConfig)
}

// The refused request: join the running refresh, retry after the one that replaced its token, or start one.
async function onRefused(flights: RefreshFlights, error: AxiosError): Promise<AxiosResponse> {
  if (!intercepts(error, flights.settings)) throw error
  const config = error.config as Config | undefined
  // Retries carry skipAuthRefresh, so a request is retried once at most: maxRetries 0 turns retrying off.
  if (!config || flights.settings.maxRetries < 1) throw error
  // Unrecorded (an interceptor built a new config, or ours was cleared): as if sent just now.
  const sent = flights.sentOf(config) ?? { sequence: Number.POSITIVE_INFINITY, flight: undefined }
  const { inflight, lastSettled } = flights
  // Sent while this refresh ran and not paused: the refresh logic's own call, which must not wait on itself.
  if (inflight && sent.flight === inflight) throw error
  let flight: Flight
  if (inflight) {
    flight = inflight
  } else if (lastSettled && sent.sequence <= lastSettled.ended) {
    // The last refresh settled after this request went out: its token was replaced (retry now,
    // no second refresh), or replacing it just failed (fail with that error, not hammer the endpoint).
    if (lastSettled.failure) throw ownError(lastSettled.failure.error)
    return retry(flights, config, lastSettled)
  } else {
    flight = flights.start(error)
  }
  try {
    await flights.wait(flight)
  } catch (failure) {
    throw ownError(failure)
  }
  return retry(flights, config, flight)
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
  const flights = new RefreshFlights(instance, refreshAuthLogic, compatSettings(options))
  dropEjected(instance)
  const attachment: Attachment = {
    // Every request: when it went out, relative to refreshes.
    onRequest: (config: Config) => {
      if (isEjected(instance, attachment)) dropEjected(instance)
      else flights.recordSend(config)
      return config
    },
    onRejected: (error: AxiosError) => onRefused(flights, error),
    requestId: -1,
    responseId: -1,
  }
  attachment.requestId = instance.interceptors.request.use(attachment.onRequest)
  attachment.responseId = instance.interceptors.response.use(undefined, attachment.onRejected)
  attachments.set(instance, [...(attachments.get(instance) ?? []), attachment])
  return attachment.responseId
}

// One createAuthRefresh on an instance: its request interceptor, and the response interceptor
// whose id the caller holds. Ejecting that one (all the caller can eject) must not leave ours behind.
interface Attachment {
  requestId: number
  responseId: number
  onRequest: (config: Config) => Config
  onRejected: (error: AxiosError) => unknown
}
const attachments = /* @__PURE__ */ new WeakMap<AxiosInstance, Attachment[]>()

// axios's interceptor managers list their live interceptors in `handlers` (eject() and clear()
// take them out; how ids map to places differs between versions): ours is there by its function.
const holds = (manager: unknown, own: unknown): boolean => {
  const { handlers } = manager as { handlers?: unknown }
  return !Array.isArray(handlers) || handlers.some((handler) => handler?.fulfilled === own || handler?.rejected === own)
}
const isEjected = (instance: AxiosInstance, attachment: Attachment): boolean => !holds(instance.interceptors.response, attachment.onRejected)

// Ejects the request interceptors of earlier createAuthRefresh calls whose response interceptor is gone.
function dropEjected(instance: AxiosInstance): void {
  const { request } = instance.interceptors
  const live: Attachment[] = []
  for (const attachment of attachments.get(instance) ?? []) {
    if (!isEjected(instance, attachment)) live.push(attachment)
    else if (holds(request, attachment.onRequest)) request.eject(attachment.requestId)
  }
  attachments.set(instance, live)
}

/** @deprecated axios-auth-refresh's old name, kept as it keeps it. */
export const createAuthRefreshInterceptor = createAuthRefresh
export default createAuthRefresh
