/**
 * One process of the Sentinel fleet (forked by redis-sentinel.test.ts): an ioredis client through
 * the sentinels, a session coordinated through it; says `ready`, runs `inFlight` request lanes
 * against the emulator for `durationMs` on `go`, then reports its counts.
 */
import Redis from 'ioredis'
import { createSession } from '../../src/index.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { redisCoordination } from '../../src/redis.js'
import { fib } from '../../src/strategies/index.js'
import { port } from '../_helpers/session-port.js'

const env = JSON.parse(process.env.SENTINEL_FLEET ?? '{}') as {
  baseURL: string
  sentinelPorts: number[]
  name: string
  key: string
  tokens: { accessToken: string; refreshToken: string; expiresAt: number }
  durationMs: number
  inFlight: number
}

const client = new Redis({
  sentinels: env.sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
  name: env.name,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  retryStrategy: () => 50,
})
client.on('error', () => {}) // the failover is part of the test; the coordinator reports outages
// The fleet test's options (redis-fleet.test.ts): a refresh bounded at 2 s, a lock living 5 s.
const session = createSession({ strategy: fib({ baseURL: env.baseURL }), tokens: env.tokens, refreshTimeoutMs: 2_000, ...redisCoordination({ client, key: env.key, lockTtlMs: 5_000 }) })
const counts = { sent: 0, ok: 0, failed: 0, degraded: 0, restored: 0, slowest: 0, slowestAt: 0, errors: [] as string[] }
session.on('coordinationDegraded', () => counts.degraded++)
session.on('coordinationRestored', () => counts.restored++)
const authedFetch = wrapFetch(fetch, session, { origins: [env.baseURL] })

await new Promise((resolve) => (client.status === 'ready' ? resolve(undefined) : client.once('ready', resolve)))
await port(session).tokensForSend().catch(() => {})
await Promise.all(Array.from({ length: env.inFlight }, (_, i) => authedFetch(`${env.baseURL}/api/warm-up/${i}`).catch(() => {})))
process.send?.({ ready: true })
await new Promise((resolve) => process.once('message', resolve))

const deadline = Date.now() + env.durationMs
async function lane(lane: number): Promise<void> {
  for (let i = 0; Date.now() < deadline; i++) {
    counts.sent++
    const began = Date.now()
    const outcome = await authedFetch(`${env.baseURL}/api/p${process.pid}/${lane}/${i}`).then((res) => (res.ok ? '' : `HTTP ${res.status}`), String)
    if (outcome) {
      counts.failed++
      if (counts.errors.length < 3) counts.errors.push(outcome)
      await new Promise((resolve) => setImmediate(resolve)) // a refusal without I/O must not starve the timers
    } else counts.ok++
    if (Date.now() - began > counts.slowest) Object.assign(counts, { slowest: Date.now() - began, slowestAt: began })
  }
}
await Promise.all(Array.from({ length: env.inFlight }, (_, i) => lane(i)))
await session.destroy()
await client.quit().catch(() => {})
process.send?.(counts, () => process.exit(0))
