import type { AxiosError, AxiosInstance, AxiosRequestHeaders, AxiosRequestTransformer, AxiosResponse, InternalAxiosRequestConfig } from 'axios'
import type { Exchange, Sent } from '../exchange.js'
import type { AuthFailureRule } from '../exchange/refusal-rule.js'
import { hasOwn } from '../has-own.js'
import { invalidArgument } from '../invalid-argument.js'
import type { Tokens } from '../strategy.js'
import { type ClientOptions, ownRequestOptions, type RequestOptions, resolveClientOptions } from './client-options.js'
import { type AxiosAttachment, AxiosAnswer, asRecovery, FULFILLED, kept } from './axios-answer.js'
import { cancelTokenSignal } from './cancel-token.js'
import { sinkOf } from './axios-header-sink.js'
import { Replay } from './axios-replay.js'
import { AxiosSend } from './axios-send.js'
import { type ConfigRecord, configRecord } from './config-record.js'
import { pinFormBoundary } from './form-boundary.js'
import { noteFetchLandings } from './axios-fetch-landing.js'
import { guardInstanceRedirects, type RedirectGuard, redirectGuard } from './axios-redirect-guard.js'
import { guardLast, interceptorsAfter, keepGuardLast, legacyOrderingOf, landedWhereSentBy, lateTokenGuard, unguardedError, urlRule } from './axios-url.js'
import { pageOrigin, resolveUrl } from './origin-policy.js'
import { type SessionSource, toExchanges } from './session-source.js'
import { whenSettled } from '../when-settled.js'

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

// What attachAxios uses of an instance: its interceptors and request().
const isAxiosInstance = (value: unknown): value is AxiosInstance =>
  typeof (value as AxiosInstance | undefined)?.request === 'function' && typeof (value as AxiosInstance).interceptors?.response?.use === 'function'

// A send's record, told by a field of its own, not by `instanceof Promise`: a page's old polyfill
// may have replaced the global `Promise`, of which the engine's promises are not.
const isSent = (value: Sent | Promise<Sent>): value is Sent => hasOwn(value, 'exchange')

// Before a replay still live (`ours`), or another attachment's on the same instance.
function beforeReplay(
  config: InternalAxiosRequestConfig,
  replay: Replay,
  ours: boolean,
  allowed: (config: InternalAxiosRequestConfig) => boolean,
  guardSteps: (config: InternalAxiosRequestConfig) => void,
  sentByUs: (config: InternalAxiosRequestConfig) => boolean,
): InternalAxiosRequestConfig {
  // An interceptor may have moved it since: the token only to an allowed origin, checked after its steps.
  if (ours && allowed(config)) replay.authorize?.(sinkOf(config))
  // Another's is its own to authorize and judge; the header ours wrote on its first send stays only where ours may go.
  if (ours || sentByUs(config)) guardSteps(config)
  return config
}

// Before a send: the token from the exchange, or the replay's token the exchange already checked.
function beforeSend(
  exchangeFor: (config: InternalAxiosRequestConfig) => Exchange | undefined,
  allowed: (config: InternalAxiosRequestConfig) => boolean,
  sentRequests: ConfigRecord<AxiosSend>,
  lateGuard: AxiosRequestTransformer,
  redirects: RedirectGuard,
  guardSteps: (config: InternalAxiosRequestConfig) => void,
) {
  // The token is on the config already; the send is remembered for its response.
  const sending = (config: InternalAxiosRequestConfig, sent: Sent): InternalAxiosRequestConfig => {
    pinFormBoundary(config)
    if (sent.authHeaders.length) {
      if (!redirects.place(config, sent.authHeaders)) {
        for (const name of sent.authHeaders) config.headers?.delete?.(name)
        throw unguardedError()
      }
      guardSteps(config)
    }
    // Options of this send's own: a copy of the config made from string keys shares them, and the record with them.
    Reflect.set(config, 'tokenflight', { ...config.tokenflight })
    sentRequests.set(config, new AxiosSend(sent, config))
    return config
  }
  const sentByUs = (config: InternalAxiosRequestConfig) => sentRequests.get(config) !== undefined
  // Not async: with the tokens at hand (the common case) the config goes on without a promise.
  return (config: InternalAxiosRequestConfig): InternalAxiosRequestConfig | Promise<InternalAxiosRequestConfig> => {
    const options = config.tokenflight
    if (options instanceof Replay) {
      if (options.owner !== lateGuard || options.live) return beforeReplay(config, options, options.owner === lateGuard, allowed, guardSteps, sentByUs)
      config.tokenflight = undefined // a copy of a replay that settled: a first send again
    }
    // A config copied from an earlier send (a caller retrying `error.config`) carries its record.
    sentRequests.set(config, undefined)
    if (ownRequestOptions(options)?.skip) return config
    const exchange = allowed(config) ? exchangeFor(config) : undefined
    if (!exchange) return config
    const cancel = cancelTokenSignal(config)
    const signal = cancel ? cancel.signal : (config.signal as AbortSignal | undefined)
    // An aborted request goes on untouched: axios then rejects it with its own CanceledError.
    const sent = signal?.aborted ? undefined : exchange.before(sinkOf(config), signal)
    if (!sent || isSent(sent)) {
      cancel?.release()
      return sent ? sending(config, sent) : config
    }
    const waited = sent.then(
      (later) => sending(config, later),
      (error: unknown) => {
        if (signal?.aborted) return config
        throw error
      },
    )
    return cancel ? whenSettled(waited, cancel.release) : waited
  }
}

// After a response (`outcome`: FULFILLED, or what axios rejected it with): only first sends are judged (invariant 3).
function afterResponse(
  attachment: AxiosAttachment,
  rule: AuthFailureRule | undefined,
  sentRequests: ConfigRecord<AxiosSend>,
  allowed: (config: InternalAxiosRequestConfig) => boolean,
) {
  return (config: InternalAxiosRequestConfig | undefined, response: AxiosResponse | undefined, outcome: unknown): AxiosResponse | Promise<AxiosResponse> => {
    const send = config ? sentRequests.get(config) : undefined
    // Judged only where the token may go and went: an interceptor may have moved the request since,
    // and a redirect may have led it to another origin.
    if (!send || !response || !config || config.tokenflight instanceof Replay || !allowed(config) || !landedWhereSentBy(config, response)) return kept(response, outcome)
    const input = new AxiosAnswer(response, config, send, attachment, outcome)
    const answer = send.sent.exchange.after(send.sent, input, ownRequestOptions(config.tokenflight)?.authFailure ?? rule, asRecovery)
    return answer ? input.settle(answer) : kept(response, outcome)
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
  const { allowsHref, rule } = resolveClientOptions('attachAxios options', options, fallback)
  // Each send for its response, under this attachment's own key (two sessions on one instance).
  const sentRequests = configRecord<AxiosSend>('tokenflight.sent')
  const allowed = urlRule(allowsHref)
  // Per attachment: it also tells this attachment's replays from another's.
  const redirects = redirectGuard(allowsHref)
  const ownReplay = ({ tokenflight: replay }: InternalAxiosRequestConfig) => (replay instanceof Replay && replay.owner === lateGuard ? replay : undefined)
  const namesOf = (config: InternalAxiosRequestConfig) => sentRequests.get(config)?.sent.authHeaders ?? ownReplay(config)?.authHeaders
  const bodyOf = (config: InternalAxiosRequestConfig, transformed: unknown, headers: AxiosRequestHeaders) => {
    const replay = ownReplay(config)
    return replay ? replay.body(config, transformed, headers) : transformed
  }
  const lateGuard = lateTokenGuard(allowed, namesOf, () => redirects, bodyOf)
  // Last among the instance's own steps: every config gets it from there, without a list per request.
  const ownSteps = instance.defaults.transformRequest
  guardLast(instance.defaults, lateGuard)
  const guardedSteps = instance.defaults.transformRequest
  const instanceRedirects = guardInstanceRedirects(instance.defaults, allowsHref)
  const restoreEnv = noteFetchLandings(instance.defaults)
  // The guard last among a send's steps, kept last by an accessor only where an interceptor runs after ours (it costs µs a send).
  const guardSteps = (config: InternalAxiosRequestConfig) => (interceptorsAfter(instance.interceptors.request, onRequest, legacyOrderingOf(config)) ? keepGuardLast : guardLast)(config, lateGuard)
  const onRequest = beforeSend(exchangeFor, allowed, sentRequests, lateGuard, redirects, guardSteps)
  const requestId = instance.interceptors.request.use(onRequest)
  const attachment: AxiosAttachment = { instance, guard: lateGuard, detached: false }
  const after = afterResponse(attachment, rule, sentRequests, allowed)
  // A refusal comes back rejected by default, or fulfilled when the instance's `validateStatus` accepts it.
  const responseId = instance.interceptors.response.use(
    (response) => after(response.config, response, FULFILLED),
    (error: AxiosError) => after(error?.config, error?.response, error),
  )
  return () => {
    attachment.detached = true
    instance.interceptors.request.eject(requestId)
    instance.interceptors.response.eject(responseId)
    // The instance's own list back, or, where steps were added to ours since, ours without the guard.
    const steps = instance.defaults.transformRequest
    if (steps === guardedSteps) Reflect.set(instance.defaults, 'transformRequest', ownSteps)
    else if (Array.isArray(steps) && steps.includes(lateGuard)) Reflect.set(instance.defaults, 'transformRequest', steps.filter((step) => step !== lateGuard))
    instanceRedirects.restore()
    restoreEnv()
  }
}
