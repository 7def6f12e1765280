/**
 * `npm run demo [-- --provider ciam] [-- --report demo.html]`: bursts of concurrent requests
 * through axios and through fetch against each provider's emulator, across several forced token
 * expiries, then one summary table. A live progress line on a terminal, plain lines otherwise
 * (CI, pipes). `--report` also writes a self-contained HTML page with a timeline per run.
 * Exits non-zero if any request failed or any expiry took more than one refresh.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import axios from 'axios'
import { createSession, type Session } from '../src/index.js'
import { attachAxios } from '../src/interceptors/axios.js'
import { wrapFetch } from '../src/interceptors/fetch.js'
import { type EmulatedProvider, type Emulator, emulatedProviders as providers, startEmulator } from '../src/testing/index.js'
import { type RunReport, renderReport, type Sample } from './demo-report.js'

const ROUNDS = 3
const BURST = 200
const PAUSE_MS = 150 // between expiries, so the timeline shows each burst apart

const { values } = parseArgs({ options: { provider: { type: 'string' }, report: { type: 'string' } } })
const live = process.stdout.isTTY === true && !process.env.CI
const chosen = values.provider === undefined ? providers : [values.provider as EmulatedProvider]
if (chosen.some((provider) => !providers.includes(provider))) {
  console.error(`Unknown --provider ${values.provider}; one of: ${providers.join(', ')}`)
  process.exit(2)
}

type Send = (path: string) => Promise<unknown>
const header = ['provider', 'client', 'requests', '401s seen', 'refresh calls', 'replays', 'failures', 'reuse detections']

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

// One line, rewritten in place on a terminal, at most every 50 ms (an empty line clears it at once).
let shownAt = 0
function status(line: string): void {
  if (!live || (line && performance.now() - shownAt < 50)) return
  shownAt = performance.now()
  process.stdout.write(`\r\x1b[2K${line}`)
}

// Each provider × client gets its own emulator and session, so every count in its row is its own.
async function run(provider: EmulatedProvider, client: string): Promise<{ row: string[]; report: RunReport }> {
  const emulator = await startEmulator({ provider, rotateRefreshTokens: true, reuseDetection: true })
  const session = createSession({ strategy: emulator.strategy(), tokens: emulator.signIn() })
  let replays = 0
  let completed = 0
  let failures = 0
  session.on('replayed', () => replays++)
  const send = (clients[client] as (e: Emulator, s: Session) => Send)(emulator, session)
  const began = performance.now()
  const samples: Sample[] = []
  const sample = (): void => {
    const { resourceUnauthorized: unauthorized, refreshCalls } = emulator.stats
    samples.push({ ms: performance.now() - began, completed, unauthorized, replays, refreshCalls })
    status(`${provider} · ${client}  ${completed}/${ROUNDS * BURST} requests  ${unauthorized} 401s  ${refreshCalls} refreshes  ${replays} replays  ${failures} failed`)
  }
  const sampler = setInterval(sample, 5)
  for (let round = 0; round < ROUNDS; round++) {
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, PAUSE_MS))
    emulator.expireAccessTokens() // the server stops accepting the token; the client finds out by a 401
    const results = await Promise.allSettled(
      Array.from({ length: BURST }, (_, i) => send(`/api/items/${round}-${i}`).finally(() => completed++)),
    )
    failures += results.filter((r) => r.status === 'rejected').length
  }
  clearInterval(sampler)
  sample()
  const { resourceUnauthorized, refreshCalls, reuseDetections } = emulator.stats
  await emulator.stop()
  const row = [provider, client, ROUNDS * BURST, resourceUnauthorized, refreshCalls, replays, failures, reuseDetections].map(String)
  const summary = Object.fromEntries(header.slice(2).map((name, i) => [name, row[i + 2] ?? '']))
  status('')
  if (!live) console.log(`${provider}/${client}: ${header.slice(2).map((name, i) => `${name} ${row[i + 2]}`).join(', ')}`)
  return { row, report: { provider, client, summary, samples } }
}

console.log(`tokenflight demo: ${ROUNDS} forced expiries × ${BURST} concurrent requests, per provider and client\n`)
const rows: string[][] = []
const reports: RunReport[] = []
for (const provider of chosen) {
  for (const client of Object.keys(clients)) {
    const { row, report } = await run(provider, client)
    rows.push(row)
    reports.push(report)
  }
}
if (!live) console.log('')
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)))
for (const line of [header, ...rows]) console.log(line.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  '))

const failed = rows.filter((row) => row[6] !== '0' || row[4] !== String(ROUNDS) || row[7] !== '0')
console.log(failed.length ? `\nFAILED: ${failed.map((row) => `${row[0]}/${row[1]}`).join(', ')}` : '\nOK: every request succeeded, with one refresh per expiry')
if (values.report) {
  writeFileSync(values.report, renderReport(reports, `tokenflight demo: ${ROUNDS} forced expiries × ${BURST} concurrent requests`))
  console.log(`Report: ${values.report}`)
}
process.exitCode = failed.length ? 1 : 0
