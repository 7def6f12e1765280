/**
 * A process killed (SIGKILL) while it holds the Redis lock and its refresh call is still
 * unanswered: the others must not wait for a lock TTL of tens of seconds. With the defaults
 * (`lockTtlMs` 5 s, renewed every fifth of it), they take over within one lock TTL and settle
 * well inside 10 s: they succeed when the provider never processed the dead holder's call, and
 * end with SessionExpiredError after at most one reuse detection when it did (its rotated refresh
 * token died with it).
 */
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Emulator, startEmulator } from '../../src/testing/index.js'
import { type RedisServer, startRedisServer } from '../_helpers/redis-server.js'
import { missing } from '../_helpers/requires.js'

const worker = fileURLToPath(new URL('./crash-worker.ts', import.meta.url))
const BOUND_MS = 10_000 // docs/scaling.md: lockTtlMs (5 s) + a poll + one refresh call, with room for a busy machine
const REQUESTS = 10

interface Outcome {
  outcome: string
  at: number
}

describe.skipIf(missing('redis-server'))('needs redis-server', () => {
  let redis: RedisServer
  beforeAll(async () => {
    redis = await startRedisServer()
  })
  afterAll(async () => {
    await redis?.dispose()
  })

  async function crashWhileHolding(rotatedBeforeKill: boolean) {
    const emulator: Emulator<'fib'> = await startEmulator({ provider: 'fib', rotateRefreshTokens: true, reuseDetection: true })
    const env = { baseURL: emulator.url, redisPort: redis.port, key: `tokenflight:crash:${Math.random().toString(36).slice(2)}`, tokens: emulator.signIn() }
    const start = (): { child: ChildProcess; next: () => Promise<unknown> } => {
      const child = fork(worker, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, CRASH: JSON.stringify(env) }, stdio: 'inherit' })
      return { child, next: () => new Promise((resolve) => child.once('message', resolve)) }
    }
    const [holder, b, c] = [start(), start(), start()]
    try {
      await Promise.all([holder.next(), b.next(), c.next()])
      emulator.hangNextRefreshes(1)
      holder.child.send({ do: 'refresh' })
      for (let i = 0; i < 500 && emulator.stats.refreshCalls < 1; i++) await new Promise((resolve) => setTimeout(resolve, 10))
      expect(emulator.stats.refreshCalls).toBe(1) // the holder's call is at the provider, unanswered
      emulator.expireAccessTokens() // every process now needs the refresh the holder is making
      const results = [b, c].map(({ child, next }) => {
        const settled = next() as Promise<Outcome[]>
        child.send({ do: 'requests', count: REQUESTS })
        return settled
      })
      await new Promise((resolve) => setTimeout(resolve, 300)) // they wait on the holder's lock
      await new Promise((resolve) => {
        holder.child.once('exit', resolve)
        holder.child.kill('SIGKILL')
      })
      const killedAt = Date.now()
      if (rotatedBeforeKill) emulator.releaseHungRefreshes() // processed: rotated, the answer lost with the holder
      const outcomes = (await Promise.all(results)).flat()
      const summary = {
        settledWithinMs: Math.max(...outcomes.map((o) => o.at)) - killedAt,
        outcomes: [...new Set(outcomes.map((o) => o.outcome))],
        settled: outcomes.length,
        reuseDetections: emulator.stats.reuseDetections,
        refreshCalls: emulator.stats.refreshCalls,
      }
      console.log(JSON.stringify({ rotatedBeforeKill, ...summary }))
      return summary
    } finally {
      for (const { child } of [holder, b, c]) child.kill('SIGKILL')
      await emulator.stop()
    }
  }

  // The two cases run side by side (own emulator, own key): most of each is process start-up and the lock's TTL.
  describe.concurrent('three processes, one FIB session, the defaults', () => {
    it('holder SIGKILLed with its refresh unanswered: the others take over within the bound and succeed, 0 reuse', async () => {
      const run = await crashWhileHolding(false)
      expect(run.settled).toBe(2 * REQUESTS)
      expect(run.outcomes).toEqual(['ok'])
      expect(run.reuseDetections).toBe(0)
      expect(run.refreshCalls).toBe(2) // the dead holder's, then one for the two survivors
      expect(run.settledWithinMs).toBeLessThan(BOUND_MS)
    }, 120_000) // most of it is starting processes on a busy machine; the bound is measured from the kill

    it('holder SIGKILLed after the provider rotated: the others settle within the bound with SessionExpiredError, at most 1 reuse detection', async () => {
      const run = await crashWhileHolding(true)
      expect(run.settled).toBe(2 * REQUESTS)
      expect(run.outcomes).toEqual(['SessionExpiredError'])
      expect(run.reuseDetections).toBeLessThanOrEqual(1)
      expect(run.settledWithinMs).toBeLessThan(BOUND_MS)
    }, 120_000) // most of it is starting processes on a busy machine; the bound is measured from the kill
  })
})
