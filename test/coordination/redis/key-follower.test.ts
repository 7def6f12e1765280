import { describe, expect, it } from 'vitest'
import { createSession, type Session, type Tokens } from '../../../src/index.js'
import { redisCoordination } from '../../../src/redis.js'
import { countingStrategy } from '../../_helpers/counting-strategy.js'
import { type Deferred, deferred } from '../../_helpers/deferred.js'
import { useRedisServer } from '../../_helpers/redis-server.js'
import { faulty, tokensForSend } from '../../_helpers/redis-sessions.js'
import { missing } from '../../_helpers/requires.js'

const initial = { accessToken: 'token-0', refreshToken: 'r0' }
const signedIn = { accessToken: 'signed-in-again', refreshToken: 'r-new' }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const refused = () => Promise.reject(new Error("Stream isn't writeable and enableOfflineQueue options is false"))

// After a restart the subscriber and the command connection of one process come back at different
// moments: news heard while one of them is away must still reach the session.
describe.skipIf(missing('redis-server'))('news from Redis across a restart', () => {
  const redis = useRedisServer()

  // A session on `key` whose GET or EVAL fail while `down.get` / `down.eval` say so.
  async function session(key: string, down: { get: boolean; eval: boolean }): Promise<Session<Tokens>> {
    const real = await redis.connect({ retryStrategy: () => 50 })
    const client = faulty(real, {
      get: (k) => (down.get ? refused() : real.get(k)),
      eval: (script, count, ...rest) => (down.eval ? refused() : real.eval(script, count, ...rest)),
    })
    return createSession({ strategy: countingStrategy(), tokens: initial, ...redisCoordination<Tokens>({ client, key, pollIntervalMs: 20, coordinationWaitMs: 150 }) })
  }

  // Waits until `count` subscribers listen to `key`'s notices again.
  async function resubscribed(key: string, count: number): Promise<void> {
    const admin = await redis.connect({ retryStrategy: () => 50 })
    const listening = async () => Number(((await admin.pubsub('NUMSUB', `{${key}}:refreshed`)) as [string, number])[1])
    for (const deadline = Date.now() + 10_000; Date.now() < deadline && (await listening().catch(() => 0)) < count; ) await sleep(20)
  }

  // Polls `check` up to 10 s: a loaded machine reconnects slowly, the claim is "once it can", not a time.
  async function eventually(check: () => Promise<boolean>): Promise<void> {
    for (const deadline = Date.now() + 10_000; Date.now() < deadline && !(await check().catch(() => false)); ) await sleep(20)
  }


  it('a sign-in written back while the other process cannot read yet reaches it once it can', async () => {
    const key = redis.nextKey()
    const bDown = { get: false, eval: false }
    const a = await session(key, { get: false, eval: false })
    const b = await session(key, bDown)
    await tokensForSend(a)
    await tokensForSend(b)
    await redis.server.stop()
    await a.setTokens(signedIn) // kept, written back when Redis is back
    bDown.get = true // b's notice and catch-up reads fail
    await redis.server.start()
    await resubscribed(key, 2)
    const admin = await redis.connect({ retryStrategy: () => 50 })
    await eventually(async () => ((await admin.get(key)) ?? '').includes('signed-in-again'))
    await sleep(200) // the notice has come and b's read of it failed
    expect((await tokensForSend(b))?.accessToken).toBe('token-0')
    bDown.get = false
    await eventually(async () => (await tokensForSend(b))?.accessToken === 'signed-in-again')
    expect((await tokensForSend(b))?.accessToken).toBe('signed-in-again')
    await a.destroy()
    await b.destroy()
  }, 20_000)

  it('a process whose sign-in Redis has not taken yet keeps it: the older tokens Redis holds are not adopted', async () => {
    const key = redis.nextKey()
    const aDown = { get: false, eval: false }
    const a = await session(key, aDown)
    const b = await session(key, { get: false, eval: false })
    await tokensForSend(a)
    await tokensForSend(b)
    await redis.server.stop()
    await a.setTokens(signedIn)
    aDown.eval = true // its write-back keeps failing
    await redis.server.start()
    await resubscribed(key, 2)
    await sleep(300) // a's catch-up read has found token-0 in Redis
    expect((await tokensForSend(a))?.accessToken).toBe('signed-in-again')
    aDown.eval = false
    await eventually(async () => (await tokensForSend(b))?.accessToken === 'signed-in-again')
    expect([(await tokensForSend(a))?.accessToken, (await tokensForSend(b))?.accessToken]).toEqual(['signed-in-again', 'signed-in-again'])
    await a.destroy()
    await b.destroy()
  }, 20_000)

  it('a read under way while this process signs in: the older tokens it found are not adopted', async () => {
    const key = redis.nextKey()
    const real = await redis.connect()
    const held: Deferred<void>[] = []
    let holding = false
    // GET runs in Redis at once; while `holding`, its answer reaches the session only when released.
    const client = faulty(real, {
      get(k) {
        const answer = real.get(k)
        if (!holding) return answer
        const gate = deferred()
        held.push(gate)
        return answer.then(async (value) => {
          await gate.promise
          return value
        })
      },
    })
    const a = createSession({ strategy: countingStrategy(), tokens: initial, ...redisCoordination<Tokens>({ client, key, pollIntervalMs: 20 }) })
    await tokensForSend(a)
    await sleep(100) // the reads of its start are over
    holding = true
    const admin = await redis.connect()
    await admin.publish(`{${key}}:refreshed`, 'refreshed') // news: a reads token-0, the answer held
    await eventually(async () => held.length === 1)
    await a.setTokens(signedIn) // written and announced
    held[0]?.resolve()
    await sleep(100)
    expect((await tokensForSend(a))?.accessToken).toBe('signed-in-again')
    holding = false
    for (const gate of held) gate.resolve()
    await sleep(100)
    expect((await tokensForSend(a))?.accessToken).toBe('signed-in-again')
    await a.destroy()
  })
})
