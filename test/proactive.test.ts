import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import axios from 'axios'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession, type Tokens } from '../src/index.js'
import { attachAxios } from '../src/interceptors/axios.js'
import { wrapFetch } from '../src/interceptors/fetch.js'
import { custom } from '../src/strategies/index.js'
import { flush } from './_helpers/deferred.js'

// One clock for the session and the server, so the expiry boundary is crossed exactly.
let time = 1_000_000_000_000
const jwt = (exp: number, id: string) => `e30.${Buffer.from(JSON.stringify({ exp: exp / 1000, id })).toString('base64url')}.sig`
const expiryOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).exp * 1000

const stops: Array<() => void> = []
afterEach(() => {
  for (const stop of stops.splice(0)) stop()
})

async function api() {
  const seen: Array<{ token: string; status: number }> = []
  const server = createServer((req, res) => {
    const token = (req.headers.authorization ?? '').replace('Bearer ', '')
    const status = token && time < expiryOf(token) ? 200 : 401
    seen.push({ token, status })
    res.writeHead(status).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  stops.push(() => server.close())
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

function session() {
  let refreshes = 0
  const strategy = custom<Tokens>(async () => ({ accessToken: jwt(time + 60_000, `new-${++refreshes}`) }))
  const first = jwt(time + 5_000, 'old')
  return { first, refreshes: () => refreshes, session: createSession({ strategy, tokens: { accessToken: first }, refreshAheadMs: 10_000, now: () => time }) }
}

describe.each([
  ['axios', (url: string, s: ReturnType<typeof session>['session']) => {
    const client = axios.create({ baseURL: url, validateStatus: () => true })
    attachAxios(client, s)
    return (path: string) => client.get(path).then((r) => r.status)
  }],
  ['fetch', (url: string, s: ReturnType<typeof session>['session']) => {
    const authedFetch = wrapFetch(fetch, s, { origins: [url] })
    return (path: string) => authedFetch(url + path).then((r) => r.status)
  }],
])('proactive refresh through %s', (_name, connect) => {
  it('exp 5 s away, refreshAheadMs 10 s: background refresh, the request goes with the valid token, no 401 across expiry', async () => {
    const server = await api()
    const { first, refreshes, session: s } = session()
    const get = connect(server.url, s)
    expect(await get('/now')).toBe(200)
    expect(server.seen[0]?.token).toBe(first) // sent with the still-valid token…
    await flush()
    expect(refreshes()).toBe(1) // …while one refresh ran in the background
    time += 6_000 // past the old token's exp
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => get(`/after/${i}`)))
    expect(statuses).toEqual(Array(20).fill(200))
    expect(server.seen.filter((r) => r.status === 401)).toEqual([])
    expect(server.seen.slice(1).some((r) => r.token === first)).toBe(false)
    expect(refreshes()).toBe(1)
  })
})
