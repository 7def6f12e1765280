/**
 * `npm run demo`: bursts of concurrent requests through axios and through fetch against a
 * local FIB emulator, across several forced token expiries. Exits non-zero if any request failed.
 */
import axios from 'axios'
import { createSession, type Session } from '../src/index.js'
import { attachAxios } from '../src/interceptors/axios.js'
import { wrapFetch } from '../src/interceptors/fetch.js'
import { fib } from '../src/strategies/index.js'
import { startEmulator, type Emulator } from '../src/testing/index.js'

const ROUNDS = 3
const BURST = 200

interface Row {
  client: string
  requests: number
  unauthorized: number
  refreshCalls: number
  replays: number
  failures: number
  reuse: number
}

type Send = (url: string) => Promise<unknown>

// Each client gets its own emulator and session, so every count in its row is its own.

async function runClient(client: string, connect: (emulator: Emulator, session: Session) => Send): Promise<Row> {
  const emulator = await startEmulator({ provider: 'fib', accessTtlMs: 60_000, rotateRefreshTokens: true, reuseDetection: true })
  const session = createSession({ strategy: fib({ baseURL: emulator.url }), tokens: emulator.signIn() })
  let replays = 0
  session.on('replayed', () => replays++)
  const sendRequest = connect(emulator, session)
  let failures = 0
  for (let round = 0; round < ROUNDS; round++) {
    emulator.expireAccessTokens() // the server stops accepting the token; the client finds out by a 401
    const results = await Promise.allSettled(Array.from({ length: BURST }, (_, i) => sendRequest(emulator.resourceUrl(`/api/items/${i}`))))
    failures += results.filter((r) => r.status === 'rejected').length
  }
  const { resourceUnauthorized, refreshCalls, reuseDetections } = emulator.stats
  await emulator.stop()
  return { client, requests: ROUNDS * BURST, unauthorized: resourceUnauthorized, refreshCalls, replays, failures, reuse: reuseDetections }
}

const rows = [
  await runClient('axios', (emulator, session) => {
    const api = axios.create({ baseURL: emulator.url })
    attachAxios(api, session)
    return (url) => api.get(url)
  }),
  await runClient('fetch', (emulator, session) => {
    const authedFetch = wrapFetch(fetch, session, { origins: [emulator.url] })
    return async (url) => {
      const res = await authedFetch(url)
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      return res.json()
    }
  }),
]

console.log(`tokenflight demo: FIB emulator, ${ROUNDS} forced expiries × ${BURST} concurrent requests per client\n`)
const header = ['client', 'requests', '401s seen', 'refresh calls', 'replays', 'failures', 'reuse detections']
const lines = rows.map((r) => [r.client, r.requests, r.unauthorized, r.refreshCalls, r.replays, r.failures, r.reuse].map(String))
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)))
for (const line of [header, ...lines]) console.log(line.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  '))
console.log()
const failed = rows.some((row) => row.failures > 0 || row.refreshCalls !== ROUNDS || row.reuse > 0)
console.log(failed ? 'FAILED: see the table above' : `OK: every request succeeded with one refresh per expiry`)
process.exitCode = failed ? 1 : 0
