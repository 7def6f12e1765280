import { RefreshError } from '../errors/index.js'
import type { Tokens } from '../strategy.js'
import type { TokenStore } from '../token-store.js'
import { parseStoredTokens } from './parse-stored-tokens.js'
import { bounded, type RedisClient } from './redis-client.js'

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  client: RedisClient
  /** The key holding this session's tokens (JSON), e.g. `tokenflight:svc-billing`. */
  key: string
  /** Longest wait for one Redis command. @default 1000 */
  commandTimeoutMs?: number | undefined
}

/** A Redis-backed store that also reports whether Redis answered its last command. */
export interface RedisTokenStore<T extends Tokens = Tokens> extends TokenStore<T> {
  get(): Promise<T | undefined>
  /** The raw stored value as last read or written, for compare-and-set. */
  readRaw(): Promise<string | null>
  /** Writes `tokens` unless the stored value changed from `expected` since it was read. */
  compareAndSet(expected: string | null, tokens: T): Promise<boolean>
  /**
   * Makes the next `set` a compare-and-set against `expected` (the value read under the refresh
   * lock): a fenced write. `undefined` lifts the guard.
   */
  guardNextWrite(expected: string | null | undefined): void
  /** Tokens a write could not store while Redis was unreachable; written when it answers again. */
  readonly pending: T | undefined
  flushPending(): Promise<void>
}

// Writes only if the key still holds what was read: a slower process cannot overwrite newer tokens.
const compareAndSetScript = `
local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0`

/**
 * Keeps a session's tokens in Redis (one key, JSON). Every command is bounded in time. A write
 * that fails because Redis is unreachable is kept and written when Redis answers again, so a
 * refresh made during an outage is not lost.
 *
 * @example
 * const store = redisStore({ client: new Redis(), key: 'tokenflight:svc-billing' })
 */
export function redisStore<T extends Tokens = Tokens>(options: RedisStoreOptions): RedisTokenStore<T> {
  const { client, key } = options
  const timeout = options.commandTimeoutMs ?? 1_000
  let pending: T | undefined
  let guard: { expected: string | null } | undefined

  const store: RedisTokenStore<T> = {
    get pending() {
      return pending
    },
    readRaw: () => bounded(client.get(key), timeout),
    async get() {
      return parseStoredTokens<T>(await store.readRaw())
    },
    guardNextWrite(expected) {
      guard = expected === undefined ? undefined : { expected }
    },
    async set(tokens) {
      const fence = guard
      guard = undefined
      let written: boolean
      try {
        if (fence) {
          written = await store.compareAndSet(fence.expected, tokens)
        } else {
          await bounded(client.set(key, JSON.stringify(tokens)), timeout)
          written = true
        }
      } catch {
        pending = tokens // Redis is down: keep the tokens, write them back later (see flushPending)
        return
      }
      pending = undefined
      if (!written) {
        throw new RefreshError('The tokens in Redis changed while this process refreshed (its lock had expired)', { transient: true })
      }
    },
    async delete() {
      pending = undefined
      await bounded(client.del(key), timeout).catch(() => {})
    },
    async compareAndSet(expected, tokens) {
      const result = await bounded(client.eval(compareAndSetScript, 1, key, expected ?? '', JSON.stringify(tokens)), timeout)
      return result === 1
    },
    async flushPending() {
      if (!pending) return
      const tokens = pending
      await bounded(client.set(key, JSON.stringify(tokens)), timeout)
      if (pending === tokens) pending = undefined
    },
  }
  return store
}
