/**
 * sharedSubscriber: many sessions (one per user) in one process share one subscribing
 * connection; notices still reach exactly the sessions of their channel, and a channel nobody
 * listens to any more is left. Against a real redis-server, with ioredis and node-redis.
 */
import Redis from 'ioredis'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSession, createSessionPool, type Session } from '../../../src/index.js'
import { fromNodeRedis, type RedisClient, redisCoordination, sharedSubscriber } from '../../../src/redis.js'
import { countingStrategy } from '../../_helpers/counting-strategy.js'
import { type RedisServer, startRedisServer } from '../../_helpers/redis-server.js'
import { missing } from '../../_helpers/requires.js'
import { port } from '../../_helpers/session-port.js'

describe.skipIf(missing('redis-server'))('needs redis-server', () => {
  let server: RedisServer
  let admin: Redis
  const closers: Array<() => void> = []
  beforeAll(async () => {
    server = await startRedisServer()
    admin = new Redis({ port: server.port, host: '127.0.0.1' })
  })
  afterAll(async () => {
    for (const close of closers.splice(0)) close()
    admin?.disconnect()
    await server?.dispose()
  })
  const until = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 300 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 10))
  }
  // Connections opened under `name` (a duplicate keeps its client's name).
  const connections = async (name: string) => String(await admin.client('LIST')).split('\n').filter((line) => line.includes(` name=${name} `)).length
  const listeners = async (channel: string) => Number(((await admin.pubsub('NUMSUB', channel)) as [string, number])[1])

  const clients: Record<string, (name?: string) => Promise<RedisClient>> = {
    ioredis: async (connectionName?: string) => {
      const client = new Redis({ port: server.port, host: '127.0.0.1', enableOfflineQueue: false, ...(connectionName && { connectionName }) })
      closers.push(() => client.disconnect())
      await new Promise((resolve) => client.once('ready', resolve))
      return client
    },
    'node-redis': async (clientName?: string) => {
      const client = createClient({ socket: { host: '127.0.0.1', port: server.port }, disableOfflineQueue: true, ...(clientName && { name: clientName }) })
      client.on('error', () => {})
      closers.push(() => client.destroy())
      return fromNodeRedis(await client.connect())
    },
  }

  describe.each(Object.keys(clients))('%s', (name) => {
    it('50 users’ sessions in one process: one subscribing connection; a notice reaches only its user’s session; a user’s channel is left when the session goes', async () => {
      const connect = clients[name] as (name?: string) => Promise<RedisClient>
      const shared = sharedSubscriber(await connect(`shared-${name}`))
      const strategy = countingStrategy()
      const keyOf = (user: string) => `tokenflight:${name}:{user:${user}}`
      const pool = createSessionPool({
        create: (user: string): Session => createSession({ strategy, tokens: { accessToken: `${user}-0` }, ...redisCoordination({ client: shared, key: keyOf(user) }) }),
      })
      const users = Array.from({ length: 50 }, (_, i) => `u${i}`)
      await Promise.all(users.map((user) => port(pool.get(user)).tokensForSend()))
      await until(async () => (await admin.pubsub('CHANNELS', `tokenflight:${name}:*`)).length === 50)
      expect(await admin.pubsub('CHANNELS', `tokenflight:${name}:*`)).toHaveLength(50)
      expect(await connections(`shared-${name}`)).toBe(2) // the command connection and the one subscriber

      // Another process (its own client, no sharing) refreshes u7: only u7's session adopts.
      const other = createSession({ strategy, tokens: { accessToken: 'u7-0' }, ...redisCoordination({ client: await connect(), key: keyOf('u7') }) })
      await other.refresh()
      await until(async () => (await port(pool.get('u7')).tokensForSend())?.accessToken === 'token-1')
      expect((await port(pool.get('u7')).tokensForSend())?.accessToken).toBe('token-1')
      expect((await port(pool.get('u8')).tokensForSend())?.accessToken).toBe('u8-0')
      expect(strategy.calls).toBe(1)

      const u7Channels = ((await admin.pubsub('CHANNELS', `tokenflight:${name}:{user:u7}*`)) as string[])
      expect(u7Channels.length).toBeGreaterThan(0)
      const before7 = await Promise.all(u7Channels.map(listeners))
      await pool.delete('u7')
      await until(async () => (await Promise.all(u7Channels.map(listeners))).every((n, i) => n === (before7[i] ?? 0) - 1))
      expect(await Promise.all(u7Channels.map(listeners))).toEqual(before7.map((n) => n - 1)) // `other` still listens
      await other.destroy()
      await pool.destroy()
      // The documented shutdown leaves no connection open (an open one keeps the process alive).
      await until(async () => (await connections(`shared-${name}`)) === 1)
      expect(await connections(`shared-${name}`)).toBe(1) // the command connection, which the caller quits
    })
  })
})

describe('sharedSubscriber validates its client', () => {
  it.each([null, undefined, 'redis://127.0.0.1', {}])('%j → a TypeError with a code, naming the client', (client) => {
    expect(() => sharedSubscriber(client as never)).toThrow(expect.objectContaining({ name: 'TypeError', code: expect.stringMatching(/^ERR_INVALID_ARG/), message: expect.stringContaining('`client') }))
  })
})
