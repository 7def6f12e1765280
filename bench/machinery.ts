/**
 * The client machinery alone: axios with an adapter that answers at once, Node's fetch with a
 * dispatcher that does, so no socket, parser or server adds its noise. Per client the median CPU µs per
 * request over interleaved rounds, and what tokenflight (or a peer) adds to the bare client. Set
 * next to the steady state's loopback request, the added µs say what a ratio there cannot
 * resolve on a noisy machine.
 */
import axios, { type AxiosAdapter, type AxiosInstance } from 'axios'
import { createAuthRefresh } from 'axios-auth-refresh'
import { attachAxios, createSession, fib, wrapFetch } from './built.js'
import { answeringDispatcher } from './answering-dispatcher.js'
import { progress } from './knobs.js'
import type { Row } from './results.js'
import { cpuSince, quantile, round } from './statistics.js'
import { turnOrder } from './turn-order.js'

const origin = 'https://api.example.com'
const answered: AxiosAdapter = (config) => Promise.resolve({ data: '{}', status: 200, statusText: 'OK', headers: {}, config, request: {} })
// As fetch's non-standard option, which tokenflight passes on with every send.
const answeredBy = { dispatcher: answeringDispatcher(() => ({ status: 200, body: '{}' }), false) } as RequestInit
const tokens = { accessToken: 'token-1', refreshToken: 'refresh-1', expiresAt: Date.now() + 3_600_000 }
const session = () => createSession({ strategy: fib({ baseURL: origin }), tokens })
const axiosWith = (setUp?: (api: AxiosInstance) => void, headers: Record<string, string> = {}) => {
  const api = axios.create({ baseURL: origin, adapter: answered, headers })
  setUp?.(api)
  return () => api.get('/me')
}

const clients: Record<string, { bare: string; send: () => Promise<unknown> }> = {
  'bare axios': { bare: 'bare axios', send: axiosWith(undefined, { Authorization: `Bearer ${tokens.accessToken}` }) },
  'tokenflight (axios)': { bare: 'bare axios', send: axiosWith((api) => attachAxios(api, session())) },
  'axios-auth-refresh 5': {
    bare: 'bare axios',
    send: axiosWith((api) => {
      api.interceptors.request.use((config) => {
        config.headers.Authorization = `Bearer ${tokens.accessToken}`
        return config
      })
      createAuthRefresh(api, () => Promise.resolve())
    }),
  },
  'bare fetch': { bare: 'bare fetch', send: () => fetch(`${origin}/me`, { ...answeredBy, headers: { Authorization: `Bearer ${tokens.accessToken}` } }).then((r) => r.arrayBuffer()) },
  'tokenflight (fetch)': {
    bare: 'bare fetch',
    send: (() => {
      const authedFetch = wrapFetch(fetch, session(), { origins: [origin] })
      return () => authedFetch(`${origin}/me`, answeredBy).then((r) => r.arrayBuffer())
    })(),
  },
}

async function batch(send: () => Promise<unknown>, count: number): Promise<number> {
  const before = process.cpuUsage()
  for (let i = 0; i < count; i++) await send()
  return cpuSince(before) / count
}

/**
 * Rows per client: `cpuUsPerRequest`, `addedUs` over its bare client and, given the steady
 * state's bare CPU per loopback request, `addedPctOfRequest`.
 */
export async function machinery(loopbackUs: Record<string, number>, rounds = 60, perRound = 3_000): Promise<Row[]> {
  const names = Object.keys(clients)
  for (const name of names) await batch(clients[name]?.send as () => Promise<unknown>, perRound) // JIT warm-up
  const cpu = new Map<string, number[]>(names.map((name) => [name, []]))
  for (let r = 0; r < rounds; r++) {
    for (const index of turnOrder(names.length, r)) {
      const name = names[index] as string
      cpu.get(name)?.push(await batch(clients[name]?.send as () => Promise<unknown>, perRound))
    }
    if ((r + 1) % 10 === 0) progress(`machinery: round ${r + 1} of ${rounds}`)
  }
  const us = (name: string) => quantile([...(cpu.get(name) ?? [])].sort((a, b) => a - b), 0.25)
  return names.map((name) => {
    const bare = clients[name]?.bare as string
    const added = us(name) - us(bare)
    const loopback = loopbackUs[bare]
    return {
      client: name,
      cpuUsPerRequest: round(us(name), 2),
      addedUs: round(added, 2),
      addedPctOfRequest: loopback ? round((100 * added) / loopback, 2) : '—',
    }
  })
}
