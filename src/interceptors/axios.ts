import type { AxiosError, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios'
import { raceAbort } from '../abort.js'
import { invalidArgument } from '../invalid-argument.js'
import type { Session } from '../session.js'
import type { Tokens } from '../strategy.js'
import { pinFormBoundary } from './form-boundary.js'
import { ownError } from './own-error.js'
import { createOriginPolicy, type OriginOptions, pageOrigin, resolveUrl } from './origin-policy.js'
import { enqueueReplay } from './replay-queue.js'
import { type SessionSource, toResolver } from './session-source.js'

/** Per-request options, on the axios request config as `tokenflight`. */
export interface AxiosRequestOptions {
  /** Send this request untouched: no token, no refresh on 401. @default false */
  skip?: boolean | undefined
}

declare module 'axios' {
  interface AxiosRequestConfig {
    /** tokenflight's per-request options. */
    tokenflight?: AxiosRequestOptions | undefined
  }
}

/** Options of {@link attachAxios}. */
export interface AttachAxiosOptions extends OriginOptions {}

// Marks a replay. axios's mergeConfig copies plain objects but keeps class instances by
// reference, so this survives `instance.request()` while the caller's config stays untouched.
// It carries the refused send's round trip: how long the replay's token must still live.
class Replay implements AxiosRequestOptions {
  declare readonly skip?: false
  constructor(readonly outliveMs: number) {}
}

interface Sent {
  session: Session<Tokens>
  sentWith: string | undefined
  /** When the token went on: the refused send's round trip tells how long a replay's token must last. */
  sentAt: number
  replay: Replay | undefined
}

// axios's own test for an absolute URL (scheme:// or protocol-relative //).
const ABSOLUTE = /^([a-z][a-z\d+\-.]*:)?\/\//i

// Per-request bookkeeping lives here, never on the caller's config (style: leave their objects alone).
const sentRequests = new WeakMap<object, Sent>()

// What attachAxios uses of an instance: its interceptors and request().
const isAxiosInstance = (value: unknown): value is AxiosInstance =>
  typeof (value as AxiosInstance | undefined)?.request === 'function' && typeof (value as AxiosInstance).interceptors?.response?.use === 'function'

/**
 * Attaches tokenflight to an axios instance: the token goes on requests to allowed origins,
 * and a 401 waits for one shared refresh, then replays once through the same instance.
 * Returns a function that removes everything it added.
 *
 * @example
 * const api = axios.create({ baseURL: 'https://api.example.com' })
 * const detach = attachAxios(api, session)
 * await api.get('/me') // Authorization: Bearer <token>, refreshed as needed
 */
export function attachAxios<T extends Tokens>(
  instance: AxiosInstance,
  session: SessionSource<InternalAxiosRequestConfig, T>,
  options: AttachAxiosOptions = {},
): () => void {
  if (!isAxiosInstance(instance)) throw invalidArgument('instance', 'an axios instance', instance)
  const resolveSession = toResolver(session) as (config: InternalAxiosRequestConfig) => Session<Tokens> | undefined
  const baseURL = instance.defaults.baseURL
  const fallback = baseURL ? resolveUrl(baseURL)?.origin : pageOrigin()
  const isAllowed = createOriginPolicy('attachAxios options', options, fallback)

  // A relative URL goes to its baseURL's origin (axios appends it to the base's path), so the
  // base is checked once, not parsed on every request: the parse was a third of this
  // interceptor's time in the steady-state benchmark.
  let checkedBase: string | undefined
  let baseAllowed = false
  const allowedUrl = (url: URL | undefined): boolean => url !== undefined && isAllowed(url)
  function allowed({ url = '', baseURL }: InternalAxiosRequestConfig): boolean {
    if (!baseURL || ABSOLUTE.test(url)) return allowedUrl(resolveUrl(url, baseURL))
    if (baseURL !== checkedBase) {
      checkedBase = baseURL
      baseAllowed = allowedUrl(resolveUrl(baseURL))
    }
    return baseAllowed
  }

  const requestId = instance.interceptors.request.use(async (config) => {
    const replay = config.tokenflight instanceof Replay ? config.tokenflight : undefined
    if (config.tokenflight?.skip) return config
    const target = allowed(config) ? resolveSession(config) : undefined
    // An aborted request goes on untouched: axios then rejects it with its own CanceledError.
    if (!target || config.signal?.aborted) return config
    let tokens: Tokens | undefined
    try {
      tokens = await raceAbort(target.getTokens(replay?.outliveMs), config.signal as AbortSignal | undefined)
    } catch (error) {
      if (config.signal?.aborted) return config
      throw error
    }
    if (tokens) {
      const headers = new Headers()
      target.authorize(tokens, headers)
      // Headers lower-cases names; keep the usual spelling for code reading `headers.Authorization`.
      for (const [name, value] of headers) config.headers.set(name === 'authorization' ? 'Authorization' : name, value)
    }
    if (!replay) pinFormBoundary(config)
    sentRequests.set(config, { session: target, sentWith: tokens?.accessToken, sentAt: Date.now(), replay })
    return config
  })

  // The bookkeeping of a refused first send, or undefined when there is nothing to recover:
  // not ours, a replay (invariant 3: it goes back to the caller as it came), or no auth failure.
  function refused(config: InternalAxiosRequestConfig | undefined, response: AxiosResponse | undefined): Sent | undefined {
    const sent = config ? sentRequests.get(config) : undefined
    if (!sent || sent.replay || !response) return undefined
    return sent.session.isAuthFailure({ status: response.status, body: response.data }) ? sent : undefined
  }

  async function recover<R>(sent: Sent, config: InternalAxiosRequestConfig, settled: () => R): Promise<R | AxiosResponse> {
    const signal = config.signal as AbortSignal | undefined
    // Made when needed, not while waiting: thousands of requests may wait on one refresh.
    const marker = new Replay(Date.now() - sent.sentAt)
    const replay = () => instance.request({ ...config, tokenflight: marker })
    try {
      const tokens = await raceAbort(sent.session.handleAuthFailure(sent.sentWith), signal)
      if (!tokens) return settled()
      return await enqueueReplay(sent.session, replay, signal)
    } catch (failure) {
      // Aborted while waiting or queued: let axios produce its usual CanceledError, without a request.
      if (signal?.aborted && failure === signal.reason) return replay()
      throw ownError(failure)
    }
  }

  // A 401 comes back rejected by default, or fulfilled when the instance's `validateStatus` accepts it.
  const responseId = instance.interceptors.response.use(
    (response) => {
      const sent = refused(response.config, response)
      return sent ? recover(sent, response.config, () => response) : response
    },
    (error: AxiosError) => {
      const sent = refused(error?.config, error?.response)
      if (!sent || !error.config) throw error
      return recover(sent, error.config, () => {
        throw error
      })
    },
  )

  return () => {
    instance.interceptors.request.eject(requestId)
    instance.interceptors.response.eject(responseId)
  }
}
