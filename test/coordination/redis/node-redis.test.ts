/**
 * node-redis 5 and 6 (RESP3 by default) through `fromNodeRedis`: the commands the coordinator sends behave as with ioredis
 * against a real redis-server, and sessions on separate node-redis connections share one refresh.
 */
import Redis from 'ioredis'
import { createClient as createClient5 } from 'redis'
import { createClient as createClient6 } from 'redis-6.4.0'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSession } from '../../../src/index.js'
import { fromNodeRedis, redisCoordination } from '../../../src/redis.js'
import { countingStrategy } from '../../_helpers/counting-strategy.js'
import { type RedisServer, startRedisServer } from '../../_helpers/redis-server.js'
import { missing } from '../../_helpers/requires.js'
import { rollingSessions } from '../../_helpers/rolling-sessions.js'
import { port } from '../../_helpers/session-port.js'

const versions = [
  ['5', createClient5],
  ['6', createClient6 as unknown as typeof createClient5],
] as const

describe.skipIf(missing('redis-server')).each(versions)('node-redis %s, needs redis-server', (_, createClient) => {
  let server: RedisServer
  const opened: Array<{ destroy(): void }> = []
  beforeAll(async () => {
    server = await startRedisServer()
  })
  afterAll(async () => {
    for (const client of opened.splice(0)) client.destroy()
    await server?.dispose()
  })

  async function connect() {
    const client = createClient({ socket: { host: '127.0.0.1', port: server.port, reconnectStrategy: () => 50 }, disableOfflineQueue: true })
    client.on('error', () => {})
    opened.push(client)
    return client.connect()
  }
  const until = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 200 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 10))
  }

  it.each([
    [undefined, /`client` to be an object/],
    [{ get: async () => null }, /`client.set` to be a function/],
    [{ ...Object.fromEntries(['get', 'set', 'del', 'eval', 'publish', 'subscribe', 'unsubscribe'].map((name) => [name, () => {}])), on: 'no' }, /`client.on` to be a function/],
  ])('refuses %o with a TypeError naming what is missing', (client, message) => {
    expect(() => fromNodeRedis(client as never)).toThrow(TypeError)
    expect(() => fromNodeRedis(client as never)).toThrow(message)
  })

  // Each would be accepted and then have every script refused: clients of the wrong shape are told apart at once.
  it('refuses an ioredis client, a node-redis client never connected, and a raw node-redis client given to redisCoordination', async () => {
    const ioredis = new Redis({ lazyConnect: true })
    expect(() => fromNodeRedis(ioredis as never)).toThrow(/`client` to be a node-redis client \(an ioredis client is passed without fromNodeRedis\)/)
    const closed = createClient({ socket: { host: '127.0.0.1', port: server.port } })
    expect(() => fromNodeRedis(closed)).toThrow(/connected \(`await client.connect\(\)`\)/)
    const raw = await connect()
    expect(() => redisCoordination({ client: raw as never, key: 'nr:raw' })).toThrow(/passed through fromNodeRedis\(client\)/)
    expect(() => redisCoordination({ client: fromNodeRedis(raw), key: 'nr:raw' })).not.toThrow()
  })

  it('get, set, SET PX NX, eval with keys and arguments, del and WAIT answer as the RedisClient shape says', async () => {
    const raw = await connect()
    const client = fromNodeRedis(raw)
    await expect(client.get('nr:a')).resolves.toBeNull()
    await expect(client.set('nr:a', 'one')).resolves.toBe('OK')
    await expect(client.get('nr:a')).resolves.toBe('one')
    await expect(client.set('nr:lock', 'me', 'PX', 200, 'NX')).resolves.toBe('OK')
    await expect(client.set('nr:lock', 'you', 'PX', 200, 'NX')).resolves.toBeNull()
    expect(await raw.pTTL('nr:lock')).toBeGreaterThan(0)
    const release = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`
    await expect(client.eval(release, 1, 'nr:lock', 'you')).resolves.toBe(0)
    await expect(client.eval(release, 1, 'nr:lock', 'me')).resolves.toBe(1)
    await expect(client.eval('return {KEYS[1], ARGV[1], ARGV[2]}', 1, 'k', 7, 'x')).resolves.toEqual(['k', '7', 'x'])
    await client.del('nr:a')
    await expect(client.get('nr:a')).resolves.toBeNull()
    await expect(client.wait?.(0, 10)).resolves.toBe(0) // no replica: WAIT 0 answers at once with 0
  })

  it('the subscriber gets messages on its own connection, once per message even after a repeated subscribe, and stops on disconnect', async () => {
    const client = fromNodeRedis(await connect())
    const subscriber = client.duplicate()
    const got: string[] = []
    subscriber.on('message', (channel, message) => got.push(`${channel}=${message}`))
    await subscriber.subscribe('nr:news')
    await subscriber.subscribe('nr:news') // the coordinator subscribes again on every `ready`
    await client.publish('nr:news', 'one')
    await until(async () => got.length > 0)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(got).toEqual(['nr:news=one'])
    subscriber.disconnect()
    await client.publish('nr:news', 'two')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(got).toEqual(['nr:news=one'])
  })

  it('two sessions on separate node-redis connections: one refresh for both; the idle one adopts the tokens through the notice', async () => {
    const strategy = countingStrategy()
    const key = 'tokenflight:nr:notice'
    const [a, b] = await Promise.all([connect(), connect()])
    const first = createSession({ strategy, tokens: { accessToken: 'token-0' }, ...redisCoordination({ client: fromNodeRedis(a), key }) })
    const second = createSession({ strategy, tokens: { accessToken: 'token-0' }, ...redisCoordination({ client: fromNodeRedis(b), key }) })
    await Promise.all([port(first).tokensForSend(), port(second).tokensForSend()])
    await new Promise((resolve) => setTimeout(resolve, 100)) // both subscribed
    await first.refresh()
    await until(async () => (await port(second).tokensForSend())?.accessToken === 'token-1')
    expect((await port(second).tokensForSend())?.accessToken).toBe('token-1')
    expect(strategy.calls).toBe(1)
    await Promise.all([first.destroy(), second.destroy()])
  })

  it('4 sessions on their own node-redis connections, rolling 1 s tokens for 4 s: ≤ one refresh per expiry period + 1, 0 reuse, 0 failed', async () => {
    const clients = await Promise.all(Array.from({ length: 4 }, async () => fromNodeRedis(await connect())))
    const run = await rollingSessions({ clients, key: 'tokenflight:nr:rolling', durationMs: 4_000 })
    console.log(`node-redis rolling: ${JSON.stringify(run)}`)
    expect({ failed: run.failed, errors: run.errors, reuse: run.reuseDetections }).toEqual({ failed: 0, errors: [], reuse: 0 })
    expect(run.refreshCalls).toBeGreaterThan(0)
    expect(run.refreshCalls).toBeLessThanOrEqual(run.expiryPeriods + 1)
  }, 30_000)

  it('a user whose ACL refuses GET inside the scripts: the same typed error naming the ACL, at once, no provider call', async () => {
    const admin = await connect()
    await admin.sendCommand(['ACL', 'SETUSER', 'tfnoget', 'on', '>pw', '~*', '&*', '+@all', '-get'])
    const raw = createClient({ socket: { host: '127.0.0.1', port: server.port, reconnectStrategy: () => 50 }, disableOfflineQueue: true, username: 'tfnoget', password: 'pw' })
    raw.on('error', () => {})
    opened.push(raw)
    const client = fromNodeRedis(await raw.connect())
    const strategy = countingStrategy()
    const key = `tokenflight:test:acl:${process.pid}`
    const tokens = { accessToken: 'token-0', refreshToken: 'refresh-secret-value' }
    await admin.set(key, JSON.stringify(tokens))
    const session = createSession({ strategy, tokens, ...redisCoordination({ client, key, coordinationWaitMs: 3_000 }) })
    const began = performance.now()
    const error = (await session.refresh().catch((caught: unknown) => caught)) as Error
    const tookMs = performance.now() - began
    await session.destroy()
    expect([error.name, /ACL/.test(error.message), String(error).includes('secret-value'), strategy.calls]).toEqual(['RefreshError', true, false, 0])
    expect(tookMs).toBeLessThan(1_500)
  })
})
