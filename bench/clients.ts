/**
 * The clients compared by `npm run bench`, each set up as its own documentation recommends,
 * all refreshing through the same FIB call so only the refresh handling differs.
 */
import { Agent } from 'node:http'
import axios, { type AxiosError, type InternalAxiosRequestConfig } from 'axios'
import { createAuthRefresh } from 'axios-auth-refresh'
import { applyAuthTokenInterceptor, setAuthTokens } from 'axios-jwt'
import type { FibTokens } from '../src/strategies/index.js'
import { attachAxios, compatCreateAuthRefresh, createSession, fib, wrapFetch } from './built.js'
import type { Emulator } from '../src/testing/index.js'

/** Where the clients send: an emulator in this process, or one in the bench's server process. */
export type ResourceServer = Pick<Emulator<'fib'>, 'url'>

/** Sends one GET to a path of the resource server; resolves with the status, rejects on failure. */
export type Send = (path: string) => Promise<number>

export interface ClientOptions {
  refreshTimeoutMs?: number
  /** tokenflight's `refreshAheadMs` (the rolling scenario's 500 ms tokens need a short one). */
  refreshAheadMs?: number
}

export type ClientFactory = (emulator: ResourceServer, tokens: FibTokens, options?: ClientOptions) => Send

const REFRESH_PATH = '/auth/api/v1/authentication-management/session'

// The raw FIB refresh call the peers make themselves (tokenflight's fib strategy makes the same).
async function fibRefresh(baseURL: string, refreshToken: string): Promise<{ accessToken: string; refreshToken: string }> {
  const { data } = await axios.patch(`${baseURL}${REFRESH_PATH}`, undefined, { headers: { Authorization: `Bearer ${refreshToken}` }, httpAgent: agent })
  return { accessToken: data.data.accessToken, refreshToken: data.data.refreshToken }
}

const statusOf = (r: { status: number }): number => r.status

// What a service would configure: kept-alive connections, a bounded pool (the same for every
// axios client, so the comparison is of refresh handling, not of socket churn).
const agent = new Agent({ keepAlive: true, maxSockets: 256 })
const instance = (baseURL: string, headers: Record<string, string> = {}) => axios.create({ baseURL, headers, httpAgent: agent })

export const bareAxios: ClientFactory = (emulator, tokens) => {
  const api = instance(emulator.url, { Authorization: `Bearer ${tokens.accessToken}` })
  return (path) => api.get(path).then(statusOf)
}

export const bareFetch: ClientFactory = (emulator, tokens) => {
  const headers = { Authorization: `Bearer ${tokens.accessToken}` }
  return async (path) => {
    const response = await fetch(`${emulator.url}${path}`, { headers })
    await response.arrayBuffer()
    return response.status
  }
}

export const tokenflightAxios: ClientFactory = (emulator, tokens, options = {}) => {
  const session = createSession({ strategy: fib({ baseURL: emulator.url }), tokens, ...options })
  const api = instance(emulator.url)
  attachAxios(api, session)
  return (path) => api.get(path).then(statusOf)
}

export const tokenflightFetch: ClientFactory = (emulator, tokens, options = {}) => {
  const session = createSession({ strategy: fib({ baseURL: emulator.url }), tokens, ...options })
  const authedFetch = wrapFetch(fetch, session, { origins: [emulator.url] })
  return async (path) => {
    const res = await authedFetch(`${emulator.url}${path}`)
    await res.arrayBuffer()
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
    return res.status
  }
}

// axios-auth-refresh 5, as its README shows: a request interceptor adds the current token; the
// refresh logic stores the new one and patches the failed request. `create` is the peer itself
// or tokenflight's compat module, set up identically.
function authRefresh(deduplicateRefresh: boolean, create: typeof createAuthRefresh = createAuthRefresh): ClientFactory {
  return (emulator, tokens, options = {}) => {
    let current = { accessToken: tokens.accessToken, refreshToken: String(tokens.refreshToken) }
    const api = instance(emulator.url)
    api.interceptors.request.use((config) => {
      config.headers.Authorization = `Bearer ${current.accessToken}`
      return config
    })
    const compatOnly = create === createAuthRefresh ? {} : { refreshTimeoutMs: options.refreshTimeoutMs }
    create(
      api,
      async (failed: AxiosError) => {
        current = await fibRefresh(emulator.url, current.refreshToken)
        if (failed.response) failed.response.config.headers.Authorization = `Bearer ${current.accessToken}`
      },
      { deduplicateRefresh, ...compatOnly },
    )
    return (path) => api.get(path).then(statusOf)
  }
}
export const axiosAuthRefresh = authRefresh(true)
export const axiosAuthRefreshNoDedupe = authRefresh(false)
export const compatAuthRefresh = authRefresh(true, compatCreateAuthRefresh as typeof createAuthRefresh)
export const compatAuthRefreshNoDedupe = authRefresh(false, compatCreateAuthRefresh as typeof createAuthRefresh)

// axios-jwt 4, as its README shows. It refreshes before a request when the JWT's `exp` is within
// `tokenExpireFudge`, and has no 401 handling. Its state is module-wide: one client at a time.
export const axiosJwt: ClientFactory = (emulator, tokens) => {
  const memory = new Map<string, string>()
  const api = instance(emulator.url)
  applyAuthTokenInterceptor(api, {
    requestRefresh: (refreshToken) => fibRefresh(emulator.url, refreshToken),
    tokenExpireFudge: '100ms', // its default, 10 s, would refresh on every request with 500 ms tokens
    getStorage: () => ({
      get: async (key) => memory.get(key) ?? null,
      set: async (key, value) => void memory.set(key, value),
      remove: async (key) => void memory.delete(key),
    }),
  })
  const ready = setAuthTokens({ accessToken: tokens.accessToken, refreshToken: String(tokens.refreshToken) })
  return (path) => ready.then(() => api.get(path)).then(statusOf)
}

// The interceptor people write by hand (isRefreshing + failedQueue), in its usual form.
export const handWritten: ClientFactory = (emulator, tokens) => {
  let current = { accessToken: tokens.accessToken, refreshToken: String(tokens.refreshToken) }
  let isRefreshing = false
  let failedQueue: Array<{ resolve: (token: string) => void; reject: (error: unknown) => void }> = []
  const processQueue = (error: unknown, token?: string): void => {
    for (const waiter of failedQueue) error ? waiter.reject(error) : waiter.resolve(token as string)
    failedQueue = []
  }
  const api = instance(emulator.url)
  api.interceptors.request.use((config) => {
    config.headers.Authorization ??= `Bearer ${current.accessToken}`
    return config
  })
  api.interceptors.response.use(undefined, async (error: AxiosError) => {
    const original = error.config as InternalAxiosRequestConfig & { _retry?: boolean }
    if (error.response?.status !== 401 || original._retry) throw error
    if (isRefreshing) {
      const token = await new Promise<string>((resolve, reject) => failedQueue.push({ resolve, reject }))
      original.headers.Authorization = `Bearer ${token}`
      return api(original)
    }
    original._retry = true
    isRefreshing = true
    try {
      current = await fibRefresh(emulator.url, current.refreshToken)
      processQueue(undefined, current.accessToken)
      original.headers.Authorization = `Bearer ${current.accessToken}`
      return api(original)
    } catch (refreshError) {
      processQueue(refreshError)
      throw refreshError
    } finally {
      isRefreshing = false
    }
  })
  return (path) => api.get(path).then(statusOf)
}

// The same by hand around fetch, in its usual form: one shared refresh promise, and a 401's
// response left unread (its body goes with the response).
export const handWrittenFetch: ClientFactory = (emulator, tokens) => {
  let current = { accessToken: tokens.accessToken, refreshToken: String(tokens.refreshToken) }
  let refreshing: Promise<void> | undefined
  const refresh = (): Promise<void> => {
    refreshing ??= fibRefreshByFetch(emulator.url, current.refreshToken)
      .then((next) => {
        current = next
      })
      .finally(() => {
        refreshing = undefined
      })
    return refreshing
  }
  const authed = (url: string) => fetch(url, { headers: { Authorization: `Bearer ${current.accessToken}` } })
  return async (path) => {
    const url = `${emulator.url}${path}`
    const sentWith = current.accessToken
    let res = await authed(url)
    if (res.status === 401) {
      if (current.accessToken === sentWith) await refresh()
      res = await authed(url)
    }
    await res.arrayBuffer()
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
    return res.status
  }
}

async function fibRefreshByFetch(baseURL: string, refreshToken: string): Promise<{ accessToken: string; refreshToken: string }> {
  const res = await fetch(`${baseURL}${REFRESH_PATH}`, { method: 'PATCH', headers: { Authorization: `Bearer ${refreshToken}` } })
  if (!res.ok) throw new Error(`refresh: HTTP ${res.status}`)
  const { data } = (await res.json()) as { data: { accessToken: string; refreshToken: string } }
  return { accessToken: data.accessToken, refreshToken: data.refreshToken }
}

/** The clients that refresh, by the name the tables give them. */
export const refreshingClients: Record<string, ClientFactory> = {
  'tokenflight (axios)': tokenflightAxios,
  'tokenflight (fetch)': tokenflightFetch,
  'tokenflight compat (axios-auth-refresh API)': compatAuthRefresh,
  'tokenflight compat, deduplicateRefresh: false': compatAuthRefreshNoDedupe,
  'axios-auth-refresh 5': axiosAuthRefresh,
  'axios-auth-refresh 5, deduplicateRefresh: false': axiosAuthRefreshNoDedupe,
  'axios-jwt 4': axiosJwt,
  'hand-written failedQueue': handWritten,
}

/** The bare client a client is compared with: bare fetch for the fetch clients, else bare axios. */
export const bareOf = (name: string): 'bare axios' | 'bare fetch' => (name.includes('fetch') ? 'bare fetch' : 'bare axios')
