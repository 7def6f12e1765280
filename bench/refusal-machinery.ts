/**
 * A refused request's machinery alone: axios with an adapter, or Node's fetch with a dispatcher,
 * that answers after one turn of the event loop (401 to any token but the current one), a refresh that takes
 * one turn too, no socket. Each
 * round the server "revokes" the token and a burst of requests goes out: every one is refused,
 * one refresh runs, every one is replayed. What is left per request is the client's own work for
 * a refusal and a replay, which the loopback bursts carry inside figures 10 – 20 times larger and
 * far noisier.
 */
import axios, { type AxiosAdapter, AxiosError, type AxiosInstance, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios'
import { createAuthRefresh } from 'axios-auth-refresh'
import { attachAxios, createSession, custom, wrapFetch } from './built.js'
import { answeringDispatcher } from './answering-dispatcher.js'
import { progress } from './knobs.js'
import type { Row } from './results.js'
import { cpuSince, quantile, round } from './statistics.js'
import { turnOrder } from './turn-order.js'

// The token the "server" accepts; a new one per refresh, none of them known in advance.
let accepted = 'token-0'
let issued = 0
const refreshed = (): Promise<string> =>
  new Promise((resolve) =>
    setImmediate(() => {
      accepted = `token-${++issued}`
      resolve(accepted)
    }),
  )

const answered: AxiosAdapter = (config) =>
  new Promise((resolve, reject) =>
    setImmediate(() => {
      const ok = config.headers.Authorization === `Bearer ${accepted}`
      const response: AxiosResponse = { data: ok ? '{}' : '{"error":"invalid_token"}', status: ok ? 200 : 401, statusText: '', headers: {}, config, request: {} }
      if (ok) resolve(response)
      else reject(new AxiosError('Request failed with status code 401', AxiosError.ERR_BAD_REQUEST, config, {}, response))
    }),
  )

const origin = 'https://api.example.com'
const instance = (): AxiosInstance => axios.create({ baseURL: origin, adapter: answered })

// The same server behind Node's fetch, as fetch's non-standard option that tokenflight passes on
// with every send; the body as a server's (no length known), read or cancelled by the client.
const answeredBy = {
  dispatcher: answeringDispatcher((authorization) => (authorization === `Bearer ${accepted}` ? { status: 200, body: '{}' } : { status: 401, body: '{"error":"invalid_token"}' }), true),
} as RequestInit

type Send = (path: string) => Promise<unknown>
const viaAxios = (api: AxiosInstance): Send => (path) => api.get(path)
const readFetch = async (response: Promise<Response>): Promise<number> => {
  const res = await response
  await res.arrayBuffer()
  return res.status
}

// Each factory makes a client holding the currently accepted token, as a signed-in client would.
const clients: Record<string, () => Send> = {
  'hand-written failedQueue': () => {
    let token = accepted
    let refreshing: Promise<void> | undefined
    const api = instance()
    api.interceptors.request.use((config) => {
      config.headers.Authorization ??= `Bearer ${token}`
      return config
    })
    api.interceptors.response.use(undefined, async (error: AxiosError) => {
      const original = error.config as InternalAxiosRequestConfig & { _retry?: boolean }
      if (error.response?.status !== 401 || original._retry) throw error
      original._retry = true
      // Refused with the current token: refresh once for all; with an older one: replay at once.
      if (original.headers.Authorization === `Bearer ${token}`) {
        refreshing ??= refreshed().then((next) => {
          token = next
          refreshing = undefined
        })
        await refreshing
      }
      original.headers.Authorization = `Bearer ${token}`
      return api(original)
    })
    return viaAxios(api)
  },
  'axios-auth-refresh 5, deduplicateRefresh: false': () => {
    let token = accepted
    const api = instance()
    api.interceptors.request.use((config) => {
      config.headers.Authorization = `Bearer ${token}`
      return config
    })
    createAuthRefresh(
      api,
      async (failed: AxiosError) => {
        token = await refreshed()
        if (failed.response) failed.response.config.headers.Authorization = `Bearer ${token}`
      },
      { deduplicateRefresh: false },
    )
    return viaAxios(api)
  },
  'tokenflight (axios)': () => {
    const session = createSession({ strategy: custom(async () => ({ accessToken: await refreshed() })), tokens: { accessToken: accepted } })
    const api = instance()
    attachAxios(api, session)
    return viaAxios(api)
  },
  // As in bench/clients.ts: one shared refresh promise, a 401's body left unread.
  'hand-written failedQueue (fetch)': () => {
    let token = accepted
    let refreshing: Promise<void> | undefined
    const authed = (path: string) => fetch(`${origin}${path}`, { ...answeredBy, headers: { Authorization: `Bearer ${token}` } })
    return async (path) => {
      const sentWith = token
      const res = await authed(path)
      if (res.status !== 401) return readFetch(Promise.resolve(res))
      if (token === sentWith) {
        refreshing ??= refreshed().then((next) => {
          token = next
          refreshing = undefined
        })
        await refreshing
      }
      return readFetch(authed(path))
    }
  },
  'tokenflight (fetch)': () => {
    const session = createSession({ strategy: custom(async () => ({ accessToken: await refreshed() })), tokens: { accessToken: accepted } })
    const authedFetch = wrapFetch(fetch, session, { origins: [origin] })
    return (path) => readFetch(authedFetch(`${origin}${path}`, answeredBy))
  },
}

/** The hand-written interceptor around the same client, which a client's added µs are counted from. */
const baselineOf = (name: string): string => (name.endsWith('(fetch)') ? 'hand-written failedQueue (fetch)' : 'hand-written failedQueue')

async function burst(make: () => Send, count: number): Promise<number> {
  const send = make()
  accepted = `revoked-${++issued}`
  const before = process.cpuUsage()
  await Promise.all(Array.from({ length: count }, (_, i) => send(`/r/${i}`)))
  return cpuSince(before) / count
}

/** Rows per client: CPU µs per refused-then-replayed request, and what it adds to the hand-written interceptor's around the same client. */
export async function refusalMachinery(rounds = 42, perRound = 1_000): Promise<Row[]> {
  const names = Object.keys(clients)
  for (const name of names) await burst(clients[name] as () => Send, perRound) // JIT warm-up
  const cpu = new Map<string, number[]>(names.map((name) => [name, []]))
  for (let r = 0; r < rounds; r++) {
    for (const index of turnOrder(names.length, r)) {
      const name = names[index] as string
      cpu.get(name)?.push(await burst(clients[name] as () => Send, perRound))
    }
    if ((r + 1) % 10 === 0) progress(`refusal machinery: round ${r + 1} of ${rounds}`)
  }
  const us = (name: string) => quantile([...(cpu.get(name) ?? [])].sort((a, b) => a - b), 0.25)
  return names.map((name) => ({ client: name, cpuUsPerRequest: round(us(name), 1), addedUs: round(us(name) - us(baselineOf(name)), 1) }))
}
