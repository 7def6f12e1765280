/**
 * `npm run bench`: tokenflight against axios-auth-refresh 5 and the hand-written
 * isRefreshing/failedQueue interceptor, side by side in one run, on the FIB emulator (rotating
 * refresh tokens, reuse detection). Writes docs/benchmarks.md and bench/results/latest.json.
 * Ratios, not absolute times, are what to compare: machines are noisy. `BENCH_ONLY` and
 * `BENCH_SCALE`: bench/knobs.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { type Emulator, startEmulator } from '../src/testing/index.js'
import { burst } from './burst.js'
import { barChart } from './chart.js'
import { type ClientFactory, handWrittenFetch, refreshingClients } from './clients.js'
import { goals } from './goals.js'
import { elapsedSeconds, fullRun, progress, scaled, wanted } from './knobs.js'
import { bareMemory, waitingMemory } from './memory.js'
import { machinery } from './machinery.js'
import { refusalMachinery } from './refusal-machinery.js'
import { heapPerSession, poolFleet, resolveTime } from './pool.js'
import { report } from './report.js'
import { rolling } from './rolling.js'
import { emptyResults } from './results.js'
import { startServerProcess } from './server-process.js'
import { steady, steadyModes } from './steady.js'

async function withEmulator<R>(run: (emulator: Emulator<'fib'>) => Promise<R>): Promise<R> {
  const emulator = await startEmulator({ provider: 'fib', rotateRefreshTokens: true, reuseDetection: true })
  try {
    return await run(emulator)
  } finally {
    await emulator.stop()
  }
}

// Refresh failure: while 100 requests wait, the refresh endpoint hangs, answers 500, or answers HTML.
async function refreshFailure(fault: 'hang' | '500' | 'html') {
  const waitMs = 10_000
  return Promise.all(
    Object.entries(refreshingClients).map(([name, factory]) =>
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

// The revoked-token burst compares the two native clients with the peers that handle 401s, and
// with the hand-written interceptor written around fetch too (fetch's own cost is not axios's).
const refreshing: Record<string, ClientFactory> = { ...refreshingClients, 'hand-written failedQueue (fetch)': handWrittenFetch }
const revokedClients = ['tokenflight (axios)', 'tokenflight (fetch)', 'hand-written failedQueue', 'hand-written failedQueue (fetch)', 'axios-auth-refresh 5', 'axios-auth-refresh 5, deduplicateRefresh: false']
const sizes = { small: scaled(1_000), large: scaled(10_000) }
const memoryRequests = scaled(10_000)
// Two cycles of the turn order of its 10 clients.
const steadyShape = { rounds: 20, perRound: scaled(400) }
const results = emptyResults()
const server = await startServerProcess()

// A burst of 1,000 first, unmeasured: the first client run must not pay alone for the JIT and for
// opening the sockets of the agent every axios client shares. The 1,000 bursts are then run three
// times and the run with the median wall time reported.
const warm = (name: string, kind: 'expired' | 'revoked') => burst(server, name, refreshing[name] as ClientFactory, sizes.small, kind)
async function medianBurst(name: string, factory: ClientFactory, kind: 'expired' | 'revoked') {
  const runs = [] as Array<Awaited<ReturnType<typeof burst>>>
  for (let i = 0; i < 3; i++) runs.push(await burst(server, name, factory, sizes.small, kind))
  return runs.sort((a, b) => Number(a.wallMs) - Number(b.wallMs))[1] as (typeof runs)[number]
}
for (const [name, factory] of Object.entries(refreshingClients)) {
  if (!wanted('burst')) break
  await warm(name, 'expired')
  results.burst1k.push(await medianBurst(name, factory, 'expired'))
  progress(`burst ${sizes.small}: ${name}`)
  results.burst10k.push(await burst(server, name, factory, sizes.large, 'expired'))
  progress(`burst ${sizes.large}: ${name}`)
}
for (const name of revokedClients) {
  if (!wanted('revoked')) break
  const factory = refreshing[name] as ClientFactory
  await warm(name, 'revoked')
  results.revoked1k.push(await medianBurst(name, factory, 'revoked'))
  progress(`revoked burst ${sizes.small}: ${name}`)
  results.revoked10k.push(await burst(server, name, factory, sizes.large, 'revoked'))
  progress(`revoked burst ${sizes.large}: ${name}`)
}
if (wanted('steady')) {
  results.steadySequential = await steady(server, steadyModes.sequential, steadyShape.rounds, steadyShape.perRound)
  results.steadyConcurrent = await steady(server, steadyModes.concurrent, steadyShape.rounds, steadyShape.perRound)
}
if (wanted('machinery')) {
  // Each bare client's CPU per loopback request (sequential), to put the added µs in proportion.
  const loopbackUs = Object.fromEntries(results.steadySequential.map((r) => [String(r.client), Number(r.cpuUsPerRequest)]))
  results.machinery = await machinery(loopbackUs, 60, scaled(3_000))
  results.refusalMachinery = await refusalMachinery(42, scaled(1_000))
}
if (wanted('rolling')) results.rolling = await rolling(server)
for (const fault of ['hang', '500', 'html'] as const) {
  if (!wanted('failure')) break
  results.failure.push(...(await refreshFailure(fault)))
  progress(`refresh failure: ${fault}`)
}
// The waiting figures are judged against the bare baseline: the two are measured in the same run.
if (wanted('memory') || wanted('bare-memory')) results.bareMemory = await bareMemory(server, memoryRequests)
if (wanted('memory')) results.memory = await waitingMemory(server, memoryRequests, results.bareMemory)
if (wanted('pool')) results.pool = [{ ...heapPerSession(), ...resolveTime() }, await poolFleet()]
progress('done')
server.close()

const machine = `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${new Date().toISOString().slice(0, 10)}`
const context = { seconds: elapsedSeconds(), machine, sizes, memoryRequests, steady: steadyShape }
const judged = goals(results, sizes)
const markdown = report(results, judged, context)
// A partial or scaled-down run prints its tables but keeps the committed full results.
if (fullRun) {
  mkdirSync('bench/results', { recursive: true })
  writeFileSync('bench/results/latest.json', `${JSON.stringify({ machine, ...results }, null, 2)}\n`)
  writeFileSync('docs/benchmarks.md', markdown)
  writeFileSync('docs/benchmarks.svg', barChart(judged, results.burst1k, results.steadyConcurrent))
}
console.log(markdown)
// Requests of the last scenario may still be settling; the results are written.
process.exit(0)
