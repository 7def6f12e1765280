import { describe, expect, it } from 'vitest'
import { type RedisClient, redisCoordination } from '../../../src/redis.js'

const client = {
  get: async () => null,
  set: async () => 'OK',
  del: async () => 1,
  eval: async () => 1,
  publish: async () => 1,
  duplicate: () => ({ subscribe: async () => 1, on: () => {}, disconnect: () => {} }),
} as unknown as RedisClient

describe('redisCoordination options: checked at creation, like createSession', () => {
  it.each([
    ['no options', undefined, /`options`/],
    ['an unknown option', { client, key: 'k', lockTTL: 5_000 }, /Unknown option `lockTTL` in redisCoordination/],
    ['no client', { key: 'k' }, /`client`/],
    ['a client without eval', { client: { ...client, eval: undefined }, key: 'k' }, /`client.eval`/],
    ['an empty key', { client, key: '' }, /`key`/],
    ['a key with a brace but no hash tag', { client, key: 'svc{' }, /`key`/],
    ['a fractional lockTtlMs', { client, key: 'k', lockTtlMs: 1.5 }, /`lockTtlMs`/],
    ['a lockTtlMs past what a timer can wait', { client, key: 'k', lockTtlMs: 2 ** 31 }, /`lockTtlMs`/],
    ['a negative coordinationWaitMs', { client, key: 'k', coordinationWaitMs: -1 }, /`coordinationWaitMs`/],
    ['a zero pollIntervalMs', { client, key: 'k', pollIntervalMs: 0 }, /`pollIntervalMs`/],
    ['a NaN commandTimeoutMs', { client, key: 'k', commandTimeoutMs: Number.NaN }, /`commandTimeoutMs`/],
    ['a fractional replicasToWait', { client, key: 'k', replicasToWait: 0.5 }, /`replicasToWait`/],
    ['replicasToWait with a client that cannot WAIT', { client, key: 'k', replicasToWait: 1 }, /`client.wait`/],
    // ioredis Cluster: a keyPrefix splits an untagged key's tokens and lock over two slots; WAIT reaches a random master.
    ['an ioredis Cluster with a keyPrefix and a key without a hash tag', { client: { ...client, isCluster: true, options: { keyPrefix: 'tenantA:' } }, key: 'tokenflight:billing' }, /`key`.*hash tag/],
    ['replicasToWait with an ioredis Cluster', { client: { ...client, isCluster: true, options: {}, wait: async () => 1 }, key: 'svc:{k}', replicasToWait: 1 }, /`replicasToWait`/],
  ])('%s is a TypeError naming the option', (_, options, message) => {
    const call = () => redisCoordination(options as never)
    expect(call).toThrow(TypeError)
    expect(call).toThrow(message)
  })

  it('the documented defaults and explicit undefined values are accepted', () => {
    expect(() => redisCoordination({ client, key: 'k', lockTtlMs: undefined, coordinationWaitMs: 0, replicasToWait: 0 })).not.toThrow()
    expect(() => redisCoordination({ client: { ...client, wait: async () => 1 }, key: 'svc:{k}', replicasToWait: 1 })).not.toThrow()
    const prefixed = { ...client, isCluster: true, options: { keyPrefix: 'tenantA:' } } as unknown as RedisClient
    expect(() => redisCoordination({ client: prefixed, key: 'tokenflight:{billing}' })).not.toThrow()
    expect(() => redisCoordination({ client: { ...client, options: { keyPrefix: 'tenantA:' } } as unknown as RedisClient, key: 'k' })).not.toThrow() // one node: one slot
  })
})
