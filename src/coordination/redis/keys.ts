import { invalidArgument } from '../../invalid-argument.js'

/** The Redis names one shared session uses; all three hash to the same Redis Cluster slot. */
export interface RedisKeys {
  /** The tokens (JSON). */
  readonly tokens: string
  /** The refresh lock. */
  readonly lock: string
  /** The pub/sub channel announcing new tokens. */
  readonly channel: string
  /** The stored tokens the provider refused for good, so no other process presents them again. */
  readonly refused: string
}

/** The part of `key` Redis Cluster hashes when there is one: between the first `{` and the next `}`, non-empty. */
export function hashTag(key: string): string | undefined {
  const open = key.indexOf('{')
  const close = open < 0 ? -1 : key.indexOf('}', open + 1)
  return close > open + 1 ? key.slice(open + 1, close) : undefined
}

/**
 * Maps a user's `key` to the session's Redis names. A key with a hash tag (`svc:{billing}`) keeps
 * it for every name; a key without one stays where its tokens always were, and the lock and
 * channel take the whole key as their tag (`{key}:lock`), which hashes to the same slot as `key`.
 *
 * @example
 * redisKeys('tokenflight:billing') // { tokens: 'tokenflight:billing', lock: '{tokenflight:billing}:lock', channel: '{tokenflight:billing}:refreshed', … }
 */
export function redisKeys(key: string): RedisKeys {
  if (hashTag(key) !== undefined) return { tokens: key, lock: `${key}:lock`, channel: `${key}:refreshed`, refused: `${key}:refused` }
  // Without a tag, a brace would make `{key}` hash differently from `key`.
  if (/[{}]/.test(key)) throw invalidArgument('key', 'a key with a non-empty hash tag (`a:{b}`) or no braces at all', key, { wrongType: false })
  return { tokens: key, lock: `{${key}}:lock`, channel: `{${key}}:refreshed`, refused: `{${key}}:refused` }
}
