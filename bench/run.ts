/**
 * `npm run bench`: tokenflight against axios-auth-refresh 5 and the hand-written
 * isRefreshing/failedQueue interceptor, side by side in one run, on the FIB emulator (rotating
 * refresh tokens, reuse detection). Writes docs/benchmarks.md and bench/results/latest.json.
 * Ratios, not absolute times, are what to compare: machines are noisy.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { type Emulator, startEmulator } from '../src/testing/index.js'
import { barChart } from './chart.js'
import {
  axiosAuthRefresh,
  axiosAuthRefreshNoDedupe,
  axiosJwt,
  bareAxios,
  bareFetch,
  type ClientFactory,
  compatAuthRefresh,
  compatAuthRefreshNoDedupe,
  handWritten,
  tokenflightAxios,
  tokenflightFetch,
} from './clients.js'
import { heapPerSession, poolFleet, resolveTime } from './pool.js'

const refreshing: Record<string, ClientFactory> = {
  'tokenflight (axios)': tokenflightAxios,
  'tokenflight (fetch)': tokenflightFetch,
  'tokenflight compat (axios-auth-refresh API)': compatAuthRefresh,
  'tokenflight compat, deduplicateRefresh: false': compatAuthRefreshNoDedupe,
  'axios-auth-refresh 5': axiosAuthRefresh,
  'axios-auth-refresh 5, deduplicateRefresh: false': axiosAuthRefreshNoDedupe,
  'axios-jwt 4': axiosJwt,
  'hand-written failedQueue': handWritten,
}
// axios-jwt has no 401 handling, and axios-auth-refresh 5 with its defaults rejects the 401s that
// arrive during a refresh: in neither do requests wait on a refresh, so there is no heap per waiter.
const waitsOn401 = (name: string): boolean => name !== 'axios-jwt 4' && name !== 'axios-auth-refresh 5'

const gc = (globalThis as { gc?: () => void }).gc
const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
const median = (values: number[]): number => quantile([...values].sort((a, b) => a - b), 0.5)
const round = (n: number, digits = 1): number => Number(n.toFixed(digits))

async function withEmulator<R>(run: (emulator: Emulator<'fib'>) => Promise<R>, accessTtlMs = 60_000): Promise<R> {
  const emulator = await startEmulator({ provider: 'fib', accessTtlMs, rotateRefreshTokens: true, reuseDetection: true })
  try {
    return await run(emulator)
  } finally {
    await emulator.stop()
  }
}

// Burst: N concurrent requests on an expired token.
async function burst(name: string, factory: ClientFactory, n: number) {
  return withEmulator(async (emulator) => {
    const send = factory(emulator, emulator.signIn())
    emulator.expireAccessTokens()
    const began = performance.now()
    const latencies: number[] = []
    const results = await Promise.allSettled(
      Array.from({ length: n }, (_, i) => {
        const start = performance.now()
        return send(`/api/burst/${i}`).finally(() => latencies.push(performance.now() - start))
      }),
    )
    const wall = performance.now() - began
    latencies.sort((a, b) => a - b)
    return {
      client: name,
      requests: n,
      refreshCalls: emulator.stats.refreshCalls,
      failures: results.filter((r) => r.status === 'rejected').length,
      reuseDetections: emulator.stats.reuseDetections,
      p50Ms: round(quantile(latencies, 0.5)),
      p99Ms: round(quantile(latencies, 0.99)),
      wallMs: Math.round(wall),
    }
  })
}

// Steady state: a valid token, a zero-latency server; clients interleaved A B A B, median of rounds.
async function steady(rounds = 7, perRound = 1_500, inFlight = 32) {
  const clients: Record<string, ClientFactory> = { 'bare axios': bareAxios, 'bare fetch': bareFetch, ...refreshing }
  return withEmulator(async (emulator) => {
    // One sign-in per client (its own token family); tokens live an hour: nothing refreshes here.
    const senders = Object.entries(clients).map(([name, factory]) => [name, factory(emulator, emulator.signIn())] as const)
    const perRequest = new Map<string, number[]>(senders.map(([name]) => [name, []]))
    gc?.() // the bursts before this left a large heap behind
    for (let round = 0; round < rounds + 1; round++) {
      for (const [name, send] of senders) {
        let next = 0
        const began = performance.now()
        await Promise.all(Array.from({ length: inFlight }, async () => {
          while (next++ < perRound) await send('/api/steady')
        }))
        if (round > 0) perRequest.get(name)?.push(((performance.now() - began) * 1000) / perRound) // round 0 warms up
      }
    }
    const usPer = (name: string) => median(perRequest.get(name) ?? [])
    return senders.map(([name]) => ({
      client: name,
      usPerRequest: round(usPer(name)),
      vsBare: round(usPer(name) / usPer(name.includes('fetch') ? 'bare fetch' : 'bare axios'), 2),
    }))
  }, 3_600_000)
}

// Rolling: 32 in flight for 10 s while access tokens live 500 ms. Proactive refresh should keep
// 401s rare; every refresh presents the latest refresh token (reuse detection is on).
async function rolling(name: string, factory: ClientFactory, seconds = 10, inFlight = 32, ttlMs = 500) {
  return withEmulator(async (emulator) => {
    const send = factory(emulator, emulator.signIn(), { refreshAheadMs: 100 })
    let requests = 0
    let failures = 0
    const end = performance.now() + seconds * 1000
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < end) {
          requests++
          await send('/api/rolling').catch(() => failures++)
        }
      }),
    )
    const served401 = emulator.stats.resourceUnauthorized
    return {
      client: name,
      requests,
      expiryPeriods: Math.ceil((seconds * 1000) / ttlMs),
      refreshCalls: emulator.stats.refreshCalls,
      served401,
      served401Pct: round((100 * served401) / Math.max(1, requests), 2),
      failures,
      reuseDetections: emulator.stats.reuseDetections,
    }
  }, ttlMs)
}

// Refresh failure: while 100 requests wait, the refresh endpoint hangs, answers 500, or answers HTML.
async function refreshFailure(fault: 'hang' | '500' | 'html') {
  const waitMs = 10_000
  return Promise.all(
    Object.entries(refreshing).map(([name, factory]) =>
      withEmulator(async (emulator) => {
        const send = factory(emulator, emulator.signIn(), { refreshTimeoutMs: 3_000 })
        emulator.expireAccessTokens()
        if (fault === 'hang') emulator.hangNextRefreshes(100)
        else if (fault === '500') emulator.failNextRefreshes(100, { status: 500 })
        else emulator.failNextRefreshes(100, { status: 200, rawBody: '<html>maintenance</html>' })
        let settled = 0
        const calls = Array.from({ length: 100 }, (_, i) => send(`/api/fail/${i}`).then(() => settled++, () => settled++))
        await Promise.race([Promise.all(calls), new Promise((resolve) => setTimeout(resolve, waitMs))])
        return { client: name, fault, settledWithin10s: settled, refreshCalls: emulator.stats.refreshCalls }
      }),
    ),
  )
}

// Memory: heap per request waiting on a refresh (the refresh hangs while 10,000 requests wait).
async function memory(n = 10_000) {
  if (!gc) return []
  const rows = []
  for (const [name, factory] of Object.entries(refreshing)) {
    if (!waitsOn401(name)) continue
    progress(`memory: ${name}`)
    rows.push(
      await withEmulator(async (emulator) => {
        const send = factory(emulator, emulator.signIn(), { refreshTimeoutMs: 60_000 })
        emulator.expireAccessTokens()
        emulator.hangNextRefreshes(n)
        gc?.()
        const before = process.memoryUsage().heapUsed
        const calls = Array.from({ length: n }, (_, i) => send(`/api/mem/${i}`).catch(() => {}))
        // Bounded: requests that fail before reaching the server must not stall the benchmark.
        const deadline = Date.now() + 30_000
        while (emulator.stats.resourceUnauthorized < n && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
        await new Promise((resolve) => setTimeout(resolve, 200))
        gc?.()
        const bytes = (process.memoryUsage().heapUsed - before) / n // rescaled below to those really waiting
        const waiting = emulator.stats.resourceUnauthorized
        emulator.releaseHungRefreshes() // the refresh succeeds: every waiting request replays and settles
        await Promise.race([Promise.all(calls), new Promise((resolve) => setTimeout(resolve, 30_000))])
        return { client: name, waiting, heapPerWaitingRequestBytes: Math.round((bytes * n) / Math.max(1, waiting)) }
      }),
    )
  }
  return rows
}

function table(rows: Array<Record<string, unknown>>): string {
  const [first] = rows
  if (!first) return ''
  const keys = Object.keys(first)
  return [`| ${keys.join(' | ')} |`, `|${keys.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${keys.map((k) => String(row[k])).join(' | ')} |`)].join('\n')
}

const began = Date.now()
const progress = (what: string): void => console.error(`[bench ${Math.round((Date.now() - began) / 1000)} s] ${what}`)
const only = process.env.BENCH_ONLY
const wanted = (scenario: string): boolean => !only || only.split(',').includes(scenario)
const results = {
  burst1k: [] as Array<Record<string, unknown>>,
  burst10k: [] as Array<Record<string, unknown>>,
  steady: [] as Array<Record<string, unknown>>,
  rolling: [] as Array<Record<string, unknown>>,
  failure: [] as Array<Record<string, unknown>>,
  memory: [] as Array<Record<string, unknown>>,
  pool: [] as Array<Record<string, unknown>>,
}
for (const [name, factory] of Object.entries(refreshing)) {
  if (!wanted('burst')) break
  results.burst1k.push(await burst(name, factory, 1_000))
  progress(`burst 1,000: ${name}`)
  results.burst10k.push(await burst(name, factory, 10_000))
  progress(`burst 10,000: ${name}`)
}
if (wanted('steady')) results.steady = await steady()
progress('steady')
for (const [name, factory] of Object.entries(refreshing)) {
  if (!wanted('rolling')) break
  results.rolling.push(await rolling(name, factory))
  progress(`rolling: ${name}`)
}
for (const fault of ['hang', '500', 'html'] as const) {
  if (!wanted('failure')) break
  results.failure.push(...(await refreshFailure(fault)))
  progress(`refresh failure: ${fault}`)
}
if (wanted('memory')) results.memory = await memory()
progress('memory')
if (wanted('pool')) results.pool = [{ ...heapPerSession(), ...resolveTime() }, await poolFleet()]
progress('pool')

const machine = `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${new Date().toISOString().slice(0, 10)}`
const markdown = `# Benchmarks

Generated by \`npm run bench\` (${Math.round((Date.now() - began) / 1000)} s) on ${machine}.
Server: the FIB emulator (\`tokenflight/testing\`) on loopback, rotating refresh tokens with reuse
detection. Peers: axios-auth-refresh 5.0.2 (as its README shows, with and without
\`deduplicateRefresh\`), tokenflight's compat module for it (the same setup, one import changed),
axios-jwt 4.0.3 (as its README shows; it refreshes ahead of the JWT \`exp\` and has no 401
handling) and the hand-written isRefreshing/failedQueue interceptor (\`bench/clients.ts\`).
Compare ratios, not absolute times.

![Failed requests and refresh calls in a burst of 1,000, and steady-state cost](benchmarks.svg)

## Burst: 1,000 concurrent requests on an expired token

tokenflight's native clients replay at most \`replayConcurrency\` requests at once after a refresh
(default 16, so a refresh does not turn into a stampede on the API): that is the price in p50
next to the clients that replay everything at once.

${table(results.burst1k)}

## Burst: 10,000 concurrent requests on an expired token

${table(results.burst10k)}

## Steady state: valid token, zero-latency server, 32 in flight

Per-request time, median of 7 rounds of 1,500 with the clients interleaved; \`vsBare\` is the
ratio to bare axios (bare fetch for the fetch client).

${table(results.steady)}

## Rolling: 32 in flight for 10 s, access tokens live 500 ms

tokenflight with \`refreshAheadMs: 100\`. \`served401\` counts the requests the server refused
(each is then replayed or fails); \`failures\` are the requests the caller saw fail.

${table(results.rolling)}

## Refresh failure: 100 requests waiting while the refresh endpoint fails

tokenflight with \`refreshTimeoutMs: 3000\`: one deadline for the refresh, its retries included. How many of the 100
requests settle (resolve or reject) within 10 s:

${table(results.failure)}

## Memory: heap per request waiting on a refresh (10,000 waiting)

axios-jwt and axios-auth-refresh 5 with default options are left out: their requests do not
wait on a refresh (the first has no 401 handling, the second rejects them).

${results.memory.length ? table(results.memory) : '(run with --expose-gc: `npm run bench`)'}

## Many users: a session pool (\`bench/pool.ts\`)

100,000 idle sessions in \`createSessionPool\` (heap after GC, per session; resolving a random
user's session against a plain \`Map.get\`), then 8 processes × 1,000 users, each user's session
keyed per user in Redis (one shared subscriber connection per process), access tokens living 2 s,
16 requests in flight per process for 10 s. \`bound\` = users × (expiry periods + 1).

${results.pool.map((row) => table([row])).join('\n\n')}
`
// A partial run (BENCH_ONLY) prints its tables but keeps the committed full results.
if (!only) {
  mkdirSync('bench/results', { recursive: true })
  writeFileSync('bench/results/latest.json', `${JSON.stringify({ machine, ...results }, null, 2)}\n`)
  writeFileSync('docs/benchmarks.md', markdown)
  writeFileSync('docs/benchmarks.svg', barChart(results.burst1k, results.steady))
}
console.log(markdown)
// Requests of the last scenario may still be settling; the results are written.
process.exit(0)
