/**
 * The per-user pool against a real redis-server: a user's session evicted (past `maxSessions`)
 * while its refresh, shared through Redis, is under way lets that refresh finish and be stored
 * under the user's key; the user's next session, and another process, take those tokens
 * without refreshing again.
 */
import Redis from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSession, createSessionPool, type Session, type Tokens } from '../../../src/index.js'
import { redisCoordination, sharedSubscriber } from '../../../src/redis.js'
import { countingStrategy } from '../../_helpers/counting-strategy.js'
import { deferred, flush } from '../../_helpers/deferred.js'
import { type RedisServer, startRedisServer } from '../../_helpers/redis-server.js'
import { missing } from '../../_helpers/requires.js'
import { port } from '../../_helpers/session-port.js'

describe.skipIf(missing('redis-server'))('needs redis-server', () => {
  let server: RedisServer
  const clients: Redis[] = []
  beforeAll(async () => {
    server = await startRedisServer()
  })
  afterAll(async () => {
    for (const client of clients.splice(0)) client.disconnect()
    await server?.dispose()
  })
  async function connect(): Promise<Redis> {
    const client = new Redis({ port: server.port, host: '127.0.0.1', enableOfflineQueue: false })
    clients.push(client)
    await new Promise((resolve) => client.once('ready', resolve))
    return client
  }

  it('deleting a user mid-refresh (eviction waits for it): the refresh finishes and is stored under the user’s key; the next session and another process adopt it', async () => {
    const answer = deferred<Tokens>()
    const strategy = countingStrategy((call) => (call === 1 ? answer.promise : { accessToken: `unexpected-${call}` }))
    const client = sharedSubscriber(await connect())
    const keyOf = (user: string) => `tokenflight:pool-test:{user:${user}}`
    const pool = createSessionPool({
      create: (user: string): Session => createSession({ strategy, tokens: { accessToken: `${user}-0` }, ...redisCoordination({ client, key: keyOf(user) }) }),
      maxSessions: 1,
    })
    const alice = pool.get('alice')
    await port(alice).tokensForSend()
    alice.refresh().catch(() => {}) // alice's own caller is released by the eviction
    while (strategy.calls === 0) await flush()
    const bob = pool.get('bob') // past maxSessions, but alice is refreshing and bob's first read under way: both stay
    expect([pool.peek('alice'), pool.peek('bob')]).toEqual([alice, bob])
    await port(bob).tokensForSend()
    pool.get('carol') // alice still refreshing, carol's read under way: bob, idle now, goes
    expect([pool.peek('alice'), pool.peek('bob')]).toEqual([alice, undefined])
    const deleting = pool.delete('alice') // deleted while her refresh holds the lock in Redis
    expect(pool.peek('alice')).toBe(alice) // listed, destroyed, until her refresh is stored
    answer.resolve({ accessToken: 'alice-1' })
    await deleting
    for (let i = 0; i < 200 && !(await client.get(keyOf('alice'))); i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(JSON.parse((await client.get(keyOf('alice'))) ?? '{}')).toEqual({ accessToken: 'alice-1' })

    const again = pool.get('alice')
    expect(again).not.toBe(alice)
    expect((await port(again).tokensForSend())?.accessToken).toBe('alice-1')
    const elsewhere = createSession({ strategy, tokens: { accessToken: 'alice-0' }, ...redisCoordination({ client: await connect(), key: keyOf('alice') }) })
    expect((await port(elsewhere).tokensForSend())?.accessToken).toBe('alice-1')
    expect(strategy.calls).toBe(1)
    await elsewhere.destroy()
    await pool.destroy()
  })
})
