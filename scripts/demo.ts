/**
 * `npm run demo [-- --provider ciam]`: bursts of concurrent requests through axios and through
 * fetch against each provider's emulator, across several forced token expiries, then one summary
 * table. Exits non-zero if any request failed or any expiry took more than one refresh.
 */
import { parseArgs } from 'node:util'
import axios from 'axios'
import { createSession, type Session } from '../src/index.js'
import { attachAxios } from '../src/interceptors/axios.js'
import { wrapFetch } from '../src/interceptors/fetch.js'
import { type EmulatedProvider, type Emulator, emulatedProviders as providers, startEmulator } from '../src/testing/index.js'


const ROUNDS = 3
const BURST = 200

const { values } = parseArgs({ options: { provider: { type: 'string' } } })
const chosen = values.provider === undefined ? providers : [values.provider as EmulatedProvider]
if (chosen.some((provider) => !providers.includes(provider))) {
  console.error(`Unknown --provider ${values.provider}; one of: ${providers.join(', ')}`)
  process.exit(2)
}

type Send = (path: string) => Promise<unknown>

const clients: Record<string, (emulator: Emulator, session: Session) => Send> = {
  axios: (emulator, session) => {
    const api = axios.create({ baseURL: emulator.url })
    attachAxios(api, session)
    return (path) => api.get(path)
  },
  fetch: (emulator, session) => {
    const authedFetch = wrapFetch(fetch, session, { origins: [emulator.url] })
    return async (path) => {
      const res = await authedFetch(emulator.resourceUrl(path))
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      return res.json()
    }
  },
}

// Each provider × client gets its own emulator and session, so every count in its row is its own.
async function run(provider: EmulatedProvider, client: string): Promise<string[]> {
  const emulator = await startEmulator({ provider, rotateRefreshTokens: true, reuseDetection: true })
  const session = createSession({ strategy: emulator.strategy(), tokens: emulator.signIn() })
  let replays = 0
  session.on('replayed', () => replays++)
  const send = (clients[client] as (e: Emulator, s: Session) => Send)(emulator, session)
  let failures = 0
  for (let round = 0; round < ROUNDS; round++) {
    emulator.expireAccessTokens() // the server stops accepting the token; the client finds out by a 401
    const results = await Promise.allSettled(Array.from({ length: BURST }, (_, i) => send(`/api/items/${round}-${i}`)))
    failures += results.filter((r) => r.status === 'rejected').length
  }
  const { resourceUnauthorized, refreshCalls, reuseDetections } = emulator.stats
  await emulator.stop()
  return [provider, client, ROUNDS * BURST, resourceUnauthorized, refreshCalls, replays, failures, reuseDetections].map(String)
}

console.log(`tokenflight demo: ${ROUNDS} forced expiries × ${BURST} concurrent requests, per provider and client\n`)
const header = ['provider', 'client', 'requests', '401s seen', 'refresh calls', 'replays', 'failures', 'reuse detections']
const rows: string[][] = []
for (const provider of chosen) for (const client of Object.keys(clients)) rows.push(await run(provider, client))
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)))
for (const line of [header, ...rows]) console.log(line.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  '))

const failed = rows.filter((row) => row[6] !== '0' || row[4] !== String(ROUNDS) || row[7] !== '0')
console.log(failed.length ? `\nFAILED: ${failed.map((row) => `${row[0]}/${row[1]}`).join(', ')}` : '\nOK: every request succeeded, with one refresh per expiry')
process.exitCode = failed.length ? 1 : 0
