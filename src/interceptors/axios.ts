import type { AxiosError, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios'
import type { Exchange, Sent } from '../exchange.js'
import { type AuthFailureRule, parseBody } from '../exchange/refusal-rule.js'
import { invalidArgument } from '../invalid-argument.js'
import type { AuthFailureInput, Tokens } from '../strategy.js'
import { type ClientOptions, type RequestOptions, resolveClientOptions } from './client-options.js'
import { pinFormBoundary } from './form-boundary.js'
import { isOneShot } from './one-shot-body.js'
import { pageOrigin, resolveUrl } from './origin-policy.js'
import { type SessionSource, toExchanges } from './session-source.js'

export type { AuthFailureRule } from '../exchange/refusal-rule.js'
export type { AuthFailureInput, ResponseHeaders } from '../strategy.js'

/** Per-request options, on the axios request config as `tokenflight`. */
export interface AxiosRequestOptions extends RequestOptions {}

declare module 'axios' {
  interface AxiosRequestConfig {
    /** tokenflight's per-request options. */
    tokenflight?: AxiosRequestOptions | undefined
  }
}

/** Options of {@link attachAxios}. */
export interface AttachAxiosOptions extends ClientOptions {}

// Marks a replay. axios's mergeConfig copies plain objects but keeps class instances by
// reference, so this survives `instance.request()` while the caller's config stays untouched.
// It carries the headers with the token the exchange checked as the replay left its queue.
class Replay implements AxiosRequestOptions {
  declare readonly skip?: false
  constructor(readonly headers: Headers | undefined) {}
}

// axios's own test for an absolute URL (scheme:// or protocol-relative //).
const ABSOLUTE = /^([a-z][a-z\d+\-.]*:)?\/\//i

// Per-request bookkeeping lives here, never on the caller's config (style: leave their objects alone).
const sentRequests = new WeakMap<object, Sent>()

// What attachAxios uses of an instance: its interceptors and request().
const isAxiosInstance = (value: unknown): value is AxiosInstance =>
  typeof (value as AxiosInstance | undefined)?.request === 'function' && typeof (value as AxiosInstance).interceptors?.response?.use === 'function'

// Headers lower-cases names; keep the usual spelling for code reading `headers.Authorization`.
const setAll = (config: InternalAxiosRequestConfig, headers: Headers): void => {
  for (const [name, value] of headers) config.headers.set(name === 'authorization' ? 'Authorization' : name, value)
}

// A response as every refusal rule sees it; `body()` is what axios made of the body.
const axiosInput = ({ status, headers, data }: AxiosResponse): AuthFailureInput => ({
  status,
  headers: {
    get: (name) => {
      const value = headers[name.toLowerCase()]
      return value == null ? null : String(value)
    },
  },
  body: () => Promise.resolve(typeof data === 'string' ? parseBody(data) : data),
})

// A relative URL goes to its baseURL's origin (axios appends it to the base's path), and so does
// an absolute one under `allowAbsoluteUrls: false`: the base is checked once, not parsed on
// every request (the parse was a third of this interceptor's time in the steady-state benchmark).
function urlRule(isAllowed: (url: URL) => boolean): (config: InternalAxiosRequestConfig) => boolean {
  let checkedBase: string | undefined
  let baseAllowed = false
  const allowedUrl = (url: URL | undefined): boolean => url !== undefined && isAllowed(url)
  return ({ url = '', baseURL, allowAbsoluteUrls }) => {
    if (!baseURL || (allowAbsoluteUrls !== false && ABSOLUTE.test(url))) return allowedUrl(resolveUrl(url, baseURL))
    if (baseURL !== checkedBase) {
      checkedBase = baseURL
      baseAllowed = allowedUrl(resolveUrl(baseURL))
    }
    return baseAllowed
  }
}

// Before a send: the token from the exchange, or the replay's token the exchange already checked.
function beforeSend(exchangeFor: (config: InternalAxiosRequestConfig) => Exchange | undefined, allowed: (config: InternalAxiosRequestConfig) => boolean) {
  // The token goes on the config; the send is remembered for its response.
  const sending = (config: InternalAxiosRequestConfig, sent: Sent): InternalAxiosRequestConfig => {
    setAll(config, sent.headers)
    pinFormBoundary(config)
    sentRequests.set(config, sent)
    return config
  }
  // Not async: with the tokens at hand (the common case) the config goes on without a promise.
  return (config: InternalAxiosRequestConfig): InternalAxiosRequestConfig | Promise<InternalAxiosRequestConfig> => {
    const options = config.tokenflight
    if (options instanceof Replay) {
      if (options.headers) setAll(config, options.headers)
      return config
    }
    if (options?.skip) return config
    const exchange = allowed(config) ? exchangeFor(config) : undefined
    // An aborted request goes on untouched: axios then rejects it with its own CanceledError.
    if (!exchange || config.signal?.aborted) return config
    const sent = exchange.before(new Headers(), config.signal as AbortSignal | undefined)
    if (!(sent instanceof Promise)) return sending(config, sent)
    return sent.then(
      (later) => sending(config, later),
      (error: unknown) => {
        if (config.signal?.aborted) return config
        throw error
      },
    )
  }
}

// After a response: only first sends are judged; a replay's goes back as it came (invariant 3).
function afterResponse(instance: AxiosInstance, rule: AuthFailureRule | undefined) {
  return <R>(config: InternalAxiosRequestConfig | undefined, response: AxiosResponse | undefined, kept: () => R): R | Promise<R | AxiosResponse> => {
    const sent = config ? sentRequests.get(config) : undefined
    if (!sent || !response || !config || config.tokenflight instanceof Replay) return kept()
    const signal = config.signal as AbortSignal | undefined
    const replay = (headers: Headers | undefined) => instance.request({ ...withoutAuth(config, sent), tokenflight: new Replay(headers) })
    const answer = sent.exchange.after(sent, axiosInput(response), config.tokenflight?.authFailure ?? rule, () => ({
      signal,
      replay: isOneShot(config.data) ? undefined : (authorize) => replay(authorize(new Headers())),
      refused: () => response,
    }))
    if (!answer) return kept()
    return answer.then(
      (replayed) => (replayed ? replayed.value : kept()),
      (failure: unknown) => {
        // Aborted while waiting or queued: axios builds its usual CanceledError, without a request
        // and without the headers the strategy set on the refused send.
        if (signal?.aborted && failure === signal.reason) return replay(undefined)
        throw failure
      },
    )
  }
}

/**
 * Attaches tokenflight to an axios instance: the token goes on requests to allowed origins,
 * and a refused one (401 by default) waits for one shared refresh, then replays once through the
 * same instance. Returns a function that removes everything it added.
 *
 * @example
 * const api = axios.create({ baseURL: 'https://api.example.com' })
 * const detach = attachAxios(api, session, { authFailure: [401, 403] })
 * await api.get('/me') // Authorization: Bearer <token>, refreshed as needed
 */
export function attachAxios<T extends Tokens>(
  instance: AxiosInstance,
  session: SessionSource<InternalAxiosRequestConfig, T>,
  options: AttachAxiosOptions = {},
): () => void {
  if (!isAxiosInstance(instance)) throw invalidArgument('instance', 'an axios instance', instance)
  const exchangeFor = toExchanges(session)
  const baseURL = instance.defaults.baseURL
  const fallback = baseURL ? resolveUrl(baseURL)?.origin : pageOrigin()
  const { isAllowed, rule } = resolveClientOptions('attachAxios options', options, fallback)
  const requestId = instance.interceptors.request.use(beforeSend(exchangeFor, urlRule(isAllowed)))
  const after = afterResponse(instance, rule)
  // A refusal comes back rejected by default, or fulfilled when the instance's `validateStatus` accepts it.
  const responseId = instance.interceptors.response.use(
    (response) => after(response.config, response, () => response),
    (error: AxiosError) =>
      after(error?.config, error?.response, () => {
        throw error
      }),
  )
  return () => {
    instance.interceptors.request.eject(requestId)
    instance.interceptors.response.eject(responseId)
  }
}

// A copy of the config without what the strategy put on the refused send.
function withoutAuth(config: InternalAxiosRequestConfig, sent: Sent): InternalAxiosRequestConfig {
  const headers = { ...config.headers.toJSON() } as Record<string, unknown>
  for (const name of Object.keys(headers)) if (sent.headers.has(name)) delete headers[name]
  return { ...config, headers } as unknown as InternalAxiosRequestConfig
}
