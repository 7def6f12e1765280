import { describe, expect, it } from 'vitest'
import { type RedisClient, redisStore } from '../../src/redis.js'
import { missing } from '../_helpers/requires.js'
import { useRedisServer } from '../_helpers/redis-server.js'

describe('redisStore: options', () => {
  const client = { get: async () => null, set: async () => 'OK', del: async () => 1 } as unknown as RedisClient
  it.each([
    [{ client, key: '' }, /`key`/],
    [{ client, key: 'k', commandTimeoutMs: 0 }, /`commandTimeoutMs`/],
    [{ client, key: 'k', commandTimeoutMs: 2 ** 31 }, /`commandTimeoutMs`/],
    [{ client, key: 'k', retryIntervalMs: 100 }, /Unknown option `retryIntervalMs`/],
    [{ client: { get: async () => null }, key: 'k' }, /`client.set`/],
  ])('%o is refused at creation, naming the option', (options, message) => {
    expect(() => redisStore(options as never)).toThrow(message)
  })
})

describe.skipIf(missing('redis-server'))('redisStore against redis-server', () => {
  const redis = useRedisServer()

  it('stores tokens as JSON under one key and reads them back; a corrupt value reads as absent', async () => {
    const client = await redis.connect()
    const key = redis.nextKey()
    const store = redisStore({ client, key })
    await store.set({ accessToken: 'a', refreshToken: 'r' })
    expect(JSON.parse((await client.get(key)) ?? '')).toEqual({ accessToken: 'a', refreshToken: 'r' })
    await expect(store.get()).resolves.toEqual({ accessToken: 'a', refreshToken: 'r' })
    await client.set(key, '{not json')
    await expect(store.get()).resolves.toBeUndefined()
    await store.delete()
    await expect(client.get(key)).resolves.toBeNull()
  })

  it('a process frozen past commandTimeoutMs (starved CPU, long GC) takes the answer that arrived meanwhile, not a timeout', async () => {
    const client = await redis.connect()
    const key = redis.nextKey()
    await client.set(key, JSON.stringify({ accessToken: 'a' }))
    const store = redisStore({ client, key, commandTimeoutMs: 50 })
    const reading = store.get()
    const frozenUntil = Date.now() + 200
    while (Date.now() < frozenUntil) {} // the answer arrives while the event loop is blocked
    await expect(reading).resolves.toEqual({ accessToken: 'a' })
  })

  it('is only a store: no coordinator hooks on it, and a write Redis does not take rejects instead of being kept', async () => {
    const client = await redis.connect()
    const store = redisStore({ client, key: redis.nextKey(), commandTimeoutMs: 50 })
    expect(Object.keys(store).sort()).toEqual(['delete', 'get', 'set'])
    const never = redisStore({ client: { get: () => new Promise(() => {}), set: () => new Promise(() => {}), del: () => new Promise(() => {}) } as unknown as RedisClient, key: 'k', commandTimeoutMs: 50 })
    await expect(never.set({ accessToken: 'a' })).rejects.toThrow(/did not answer within 50 ms/)
    await expect(never.get()).rejects.toThrow(/did not answer within 50 ms/)
  })

  // ioredis's ReplyError keeps the refused command with its arguments (the tokens JSON) in an enumerable field.
  it('a write Redis refuses (out of memory) rejects with an error saying so that holds no token, however it is printed', async () => {
    const client = await redis.connect()
    const admin = await redis.connect()
    const key = redis.nextKey()
    const store = redisStore({ client, key })
    await admin.config('SET', 'maxmemory', '1')
    try {
      const error = (await store.set({ accessToken: 'AT-SECRET-1', refreshToken: 'RT-SECRET-2' }).catch((caught: unknown) => caught)) as Error
      expect(error.message).toBe(`redisStore set() on \`${key}\` failed (ReplyError, OOM)`)
      const { inspect } = await import('node:util')
      expect(JSON.stringify(error) + inspect(error, { depth: 9, showHidden: true }) + String(error.stack)).not.toMatch(/SECRET/)
    } finally {
      await admin.config('SET', 'maxmemory', '0')
    }
  })
})
