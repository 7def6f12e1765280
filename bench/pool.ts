/**
 * The many-users section of `npm run bench` (`BENCH_ONLY=pool` runs it alone): heap per idle
 * session and time to resolve a request's session at 100,000 sessions, and 8 processes × 1,000
 * users with rolling expiry through Redis.
 */
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { setPriority, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Session } from '../src/index.js'
import { startEmulator } from '../src/testing/index.js'
import { startRedisServer } from '../test/_helpers/redis-server.js'
import { createSession, createSessionPool, custom } from './built.js'

const gc = (globalThis as { gc?: () => void }).gc
const strategy = custom(async (current) => ({ ...current, accessToken: `${current.accessToken}+` }))
const userSession = (user: string): Session => createSession({ strategy, tokens: { accessToken: `access-${user}`, refreshToken: `refresh-${user}` } })

// Heap per idle session: a pool of `n` users, each used once, measured after a full GC.
export function heapPerSession(n = 100_000) {
  if (!gc) return { sessions: n, heapPerSessionBytes: Number.NaN }
  gc()
  const before = process.memoryUsage().heapUsed
  const pool = createSessionPool({ create: userSession, maxSessions: n })
  for (let i = 0; i < n; i++) pool.get(`user-${i}`)
  gc()
  const bytes = (process.memoryUsage().heapUsed - before) / n
  void pool.destroy()
  return { sessions: pool.size || n, heapPerSessionBytes: Math.round(bytes) }
}

// Resolving the session of a request, a random user each time, against a plain Map's get.
export function resolveTime(n = 100_000, lookups = 1_000_000) {
  const pool = createSessionPool({ create: userSession, maxSessions: n })
  const map = new Map<string, Session>()
  const keys = Array.from({ length: n }, (_, i) => `user-${i}`)
  for (const key of keys) map.set(key, pool.get(key))
  const order = Array.from({ length: lookups }, () => keys[Math.floor(Math.random() * n)] as string)
  const time = (get: (key: string) => unknown) => {
    const began = performance.now()
    for (const key of order) get(key)
    return ((performance.now() - began) * 1e6) / lookups
  }
  const rounds = [0, 1, 2].map(() => ({ map: time((k) => map.get(k)), pool: time((k) => pool.get(k)) })).slice(1) // round 0 warms up
  const nsMap = Math.min(...rounds.map((r) => r.map))
  const nsPool = Math.min(...rounds.map((r) => r.pool))
  void pool.destroy()
  return { sessions: n, nsPerLookupMap: Math.round(nsMap), nsPerLookupPool: Math.round(nsPool), ratio: Number((nsPool / nsMap).toFixed(1)) }
}

interface WorkerCounts {
  sent: number
  failed: number
  errors: string[]
  sessions: number
}

// 8 processes × 1,000 users, each user's session keyed per user in Redis, rolling expiry.
export async function poolFleet(processes = Number(process.env.POOL_PROCESSES ?? 8), users = Number(process.env.POOL_USERS ?? 1_000)) {
  const ttlMs = 2_000
  const durationMs = 10_000
  const redis = await startRedisServer()
  const emulator = await startEmulator({ provider: 'fib', accessTtlMs: ttlMs, rotateRefreshTokens: true, reuseDetection: true })
  const dir = mkdtempSync(join(tmpdir(), 'tokenflight-pool-bench-'))
  try {
    const file = join(dir, 'fleet.json')
    const signedIn = Array.from({ length: users }, (_, i) => [`u${i}`, emulator.signIn()])
    writeFileSync(file, JSON.stringify({ baseURL: emulator.url, redisPort: redis.port, users: signedIn, durationMs, inFlight: 16 }))
    const worker = fileURLToPath(new URL('./pool-worker.ts', import.meta.url))
    const children = Array.from({ length: processes }, () => {
      const child = fork(worker, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, POOL_FLEET: file }, stdio: 'inherit' })
      if (child.pid) setPriority(child.pid, 10) // the servers stand in for other machines: load generators yield to them
      const next = () => new Promise((resolve) => child.once('message', resolve))
      return { child, ready: next(), next }
    })
    await Promise.all(children.map((c) => c.ready))
    const before = { ...emulator.stats }
    const began = Date.now()
    const results = children.map(({ child, next }) => {
      const done = next() as Promise<WorkerCounts>
      child.send('go')
      return done
    })
    const counts = await Promise.all(results)
    const expiryPeriods = Math.ceil((Date.now() - began) / ttlMs)
    const refreshCalls = emulator.stats.refreshCalls - before.refreshCalls
    return {
      processes,
      users,
      requests: counts.reduce((sum, c) => sum + c.sent, 0),
      failed: counts.reduce((sum, c) => sum + c.failed, 0),
      refreshCalls,
      bound: users * (expiryPeriods + 1),
      expiryPeriods,
      reuseDetections: emulator.stats.reuseDetections, // since the sign-ins: a family revoked early fails the run
      errors: counts.flatMap((c) => c.errors).slice(0, 3).join('; ') || 'none',
    }
  } finally {
    await emulator.stop()
    await redis.dispose()
    rmSync(dir, { recursive: true, force: true })
  }
}
