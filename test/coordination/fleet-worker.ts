/**
 * One process of a fleet sharing a refresh token (forked by redis-fleet.test.ts): says `ready`,
 * and on `go` keeps `inFlight` requests going against the emulator for `durationMs`, then
 * reports its counts.
 */
import Redis from 'ioredis'
import { createSession } from '../../src/index.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { redisCoordination } from '../../src/redis.js'
import { fib } from '../../src/strategies/index.js'

const env = JSON.parse(process.env.FLEET ?? '{}') as {
  baseURL: string
  redisPort?: number
  key: string
  tokens: { accessToken: string; refreshToken: string; expiresAt: number }
  durationMs: number
  inFlight: number
  coordinationWaitMs: number
  lockTtlMs?: number
  refreshTimeoutMs?: number
}

const client = env.redisPort
  ? new Redis({ port: env.redisPort, host: '127.0.0.1', enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 50 })
  : undefined
client?.on('error', () => {}) // outages are part of the test; the coordinator reports them
const shared = client ? redisCoordination({ client, key: env.key, coordinationWaitMs: env.coordinationWaitMs, lockTtlMs: env.lockTtlMs ?? 5_000 }) : {}
const session = createSession({ strategy: fib({ baseURL: env.baseURL }), tokens: env.tokens, refreshTimeoutMs: env.refreshTimeoutMs ?? 2_000, ...shared })
const counts = { sent: 0, ok: 0, failed: 0, degraded: 0, restored: 0, slowest: 0, errors: [] as string[], storeFailed: 0, unendedRefreshes: 0 }
// Every refresh this process started must be heard to end (refreshed or refreshFailed).
let started = 0
let ended = 0
session.on('refreshing', () => started++)
session.on('refreshed', () => ended++)
session.on('refreshFailed', () => ended++)
session.on('storeFailed', () => counts.storeFailed++)
// FLEET_DEBUG=1 prints why a process degraded or a refresh failed (for runs on a busy machine).
const debug = (...words: string[]) => process.env.FLEET_DEBUG && console.error(...words)
session.on('coordinationDegraded', ({ error }) => {
  counts.degraded++
  debug('degraded', error.message)
})
session.on('refreshFailed', ({ error }) => debug('refreshFailed', error.name, error.message))
// The longest the event loop stalled: a holder frozen past four fifths of lockTtlMs loses its lock.
let lastTick = Date.now()
let longestStall = 0
setInterval(() => {
  longestStall = Math.max(longestStall, Date.now() - lastTick - 100)
  lastTick = Date.now()
}, 100).unref()
process.once('exit', () => debug('longest event-loop stall (ms)', String(longestStall)))
session.on('coordinationRestored', () => counts.restored++)
const authedFetch = wrapFetch(fetch, session, { origins: [env.baseURL] })

// Ready once Redis answers and the session has its tokens; the load starts when every process is.
if (client) await new Promise((resolve) => (client.status === 'ready' ? resolve(undefined) : client.once('ready', resolve)))
await session.getAccessToken().catch(() => {})
// Warm-up, not counted: one round of `inFlight` calls opens the connections and compiles the
// fetch path. Cold, eight processes starting at once answered their first calls up to 1.8 s
// late, longer than these tokens live; what that costs is reported as `warmUpFailed`.
const warmUp = await Promise.all(Array.from({ length: env.inFlight }, (_, i) => authedFetch(`${env.baseURL}/api/warm-up/${i}`).then((r) => r.ok, () => false)))
process.send?.({ ready: true, warmUpFailed: warmUp.filter((ok) => !ok).length })
// `go` may carry the run's end: a process started mid-run (after a kill) stops with the others.
const go = (await new Promise((resolve) => process.once('message', resolve))) as { until?: number } | string
const deadline = typeof go === 'object' && go.until ? go.until : Date.now() + env.durationMs
async function lane(lane: number): Promise<void> {
  for (let i = 0; Date.now() < deadline; i++) {
    counts.sent++
    const began = Date.now()
    try {
      const res = await authedFetch(`${env.baseURL}/api/p${process.pid}/${lane}/${i}`)
      if (res.ok) counts.ok++
      else {
        counts.failed++
        if (counts.errors.length < 3) counts.errors.push(`HTTP ${res.status}`)
      }
    } catch (error) {
      counts.failed++
      if (counts.errors.length < 3) counts.errors.push(String(error))
      // A call refused without I/O (the session expired) settles in microtasks: looping on it at
      // once would starve this process's timers and sockets, Redis's reconnection included.
      await new Promise((resolve) => setImmediate(resolve))
    }
    counts.slowest = Math.max(counts.slowest, Date.now() - began)
  }
}

await Promise.all(Array.from({ length: env.inFlight }, (_, i) => lane(i)))
// A refresh ahead of expiry may still run as the load stops: it is given a moment to end.
for (let i = 0; i < 30 && started > ended; i++) await new Promise((resolve) => setTimeout(resolve, 100))
counts.unendedRefreshes = started - ended
await session.destroy() // a shared refresh under way finishes and is stored first
await client?.quit().catch(() => {})
process.send?.(counts, () => process.exit(0))
