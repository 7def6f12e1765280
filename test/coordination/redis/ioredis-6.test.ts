/**
 * ioredis 6 (in the peer range), which speaks RESP3 by default, against a real redis-server: one
 * refresh for two processes, a restart of Redis ridden out, and one subscriber shared by sessions.
 * The rest of the Redis tests run ioredis 5.
 */
import Redis from 'ioredis-6.1.0'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession, type Session, type Tokens } from '../../../src/index.js'
import { type RedisClient, redisCoordination, sharedSubscriber } from '../../../src/redis.js'
import { useRedisServer } from '../../_helpers/redis-server.js'
import { afterRefusal, rotatingProvider, tokensForSend, until } from '../../_helpers/redis-sessions.js'
import { missing } from '../../_helpers/requires.js'

const initial = { accessToken: 'token-0', refreshToken: 'r0' }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.skipIf(missing('redis-server'))('ioredis 6 (RESP3)', () => {
  const redis = useRedisServer({ Client: Redis as never })
  const sessions: Session<Tokens>[] = []
  afterEach(() => Promise.all(sessions.splice(0).map((session) => session.destroy())))
  const connect = async () => (await redis.connect({ retryStrategy: () => 50 })) as unknown as RedisClient

  it('two processes refused on the same token: one refresh, the other adopts it, no reuse', async () => {
    const key = redis.nextKey()
    const { strategy, reuses } = rotatingProvider()
    const make = async () => createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: await connect(), key }) })
    const [a, b] = [await make(), await make()]
    sessions.push(a, b)
    await Promise.all([tokensForSend(a), tokensForSend(b)])
    await sleep(100) // both subscriptions are live
    const [ta, tb] = await Promise.all([afterRefusal(a, 'token-0'), afterRefusal(b, 'token-0')])
    expect({ calls: strategy.calls, reuse: reuses(), a: ta?.accessToken, b: tb?.accessToken }).toEqual({ calls: 1, reuse: 0, a: 'token-1', b: 'token-1' })
  })

  it('Redis restarted between refreshes: the next refresh is one, and the other process hears of it', async () => {
    const key = redis.nextKey()
    const { strategy, reuses } = rotatingProvider()
    const make = async () => createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: await connect(), key, pollIntervalMs: 60_000 }) })
    const [a, b] = [await make(), await make()]
    sessions.push(a, b)
    await Promise.all([tokensForSend(a), tokensForSend(b)])
    await redis.server.stop()
    await redis.server.start()
    await sleep(500) // reconnected and subscribed again
    await expect(afterRefusal(a, 'token-0')).resolves.toMatchObject({ accessToken: 'token-1' })
    // Polling is off (a minute): b hears of it through the reconnected clients.
    await until(async () => (await b.getAccessToken()) === 'token-1')
    expect({ calls: strategy.calls, reuse: reuses() }).toEqual({ calls: 1, reuse: 0 })
  })

  it('sharedSubscriber: sessions of several keys on one subscriber connection each hear their own key', async () => {
    const client = sharedSubscriber(await connect())
    const { strategy } = rotatingProvider()
    const shared = await Promise.all(
      ['k1', 'k1', 'k2', 'k2'].map(async (key) => createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client, key: `tokenflight:test:${key}`, pollIntervalMs: 60_000 }) })),
    )
    sessions.push(...shared)
    await Promise.all(shared.map((session) => tokensForSend(session)))
    await sleep(100)
    await afterRefusal(shared[0] as never, 'token-0')
    await until(async () => (await shared[1]?.getAccessToken()) === 'token-1')
    expect(await shared[2]?.getAccessToken()).toBe('token-0')
    expect(strategy.calls).toBe(1)
  })
})
