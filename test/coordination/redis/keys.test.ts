import { describe, expect, it } from 'vitest'
import { redisCoordination, type RedisClient } from '../../../src/redis.js'

// Redis Cluster's slot of a key (CRC16/XMODEM of its hash tag, or of the whole key), as the server computes it.
function slot(key: string): number {
  const open = key.indexOf('{')
  const close = open < 0 ? -1 : key.indexOf('}', open + 1)
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key
  let crc = 0
  for (const byte of Buffer.from(hashed)) {
    crc ^= byte << 8
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  }
  return crc % 16384
}

// A client that records the keys and channels it is asked about, answering as an empty Redis would.
function recordingClient() {
  const seen = new Set<string>()
  const record = <R>(name: string, answer: R): R => {
    seen.add(name)
    return answer
  }
  const client = {
    get: async (key: string) => record(key, null),
    set: async (key: string) => record(key, 'OK'),
    del: async (key: string) => record(key, 1),
    eval: async (_script: string, _count: number, key: string) => record(key, 1),
    publish: async (channel: string) => record(channel, 1),
    duplicate: () => ({ subscribe: async (channel: string) => record(channel, 1), on: () => {}, disconnect: () => {} }),
  }
  return { client: client as unknown as RedisClient, seen }
}

describe('redisCoordination keys: one Redis Cluster slot per session', () => {
  it('checks the slot function against values Redis documents', () => {
    expect(slot('123456789')).toBe(0x31c3 % 16384) // CRC16/XMODEM check value
    expect(slot('{user1000}.following')).toBe(slot('{user1000}.followers'))
  })

  it.each(['tokenflight:billing', 'svc:{tenant-7}:tokens', 'a{b}c{d}'])('every name used for `%s` hashes to the slot of its tokens key', async (key) => {
    const { client, seen } = recordingClient()
    const { coordinator } = redisCoordination({ client, key })
    const detach = coordinator.attach?.({ adopt: () => {}, emit: () => {}, refreshDeadlineMs: 1_000 })
    await coordinator.refresh({ accessToken: 'a' }, async () => ({ accessToken: 'b' }))
    detach?.()
    expect(seen.has(key)).toBe(true) // the tokens stay at the key the user gave: nothing moves on upgrade
    expect(seen.size).toBeGreaterThanOrEqual(3) // tokens, lock, channel (and the refusal marker)
    for (const name of seen) expect({ name, slot: slot(name) }).toEqual({ name, slot: slot(key) })
  })

  it('a key whose braces would not form a hash tag is refused at creation, naming `key`', () => {
    const { client } = recordingClient()
    for (const key of ['a{}b', 'a{b', 'a}b']) expect(() => redisCoordination({ client, key })).toThrow(/`key`/)
  })
})
