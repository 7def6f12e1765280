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
  /** How often a write that failed while Redis was unreachable is tried again. @default 100 */
  retryIntervalMs?: number | undefined
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
  /** Tokens a write could not store while Redis was unreachable; written back as soon as it answers. */
  readonly pending: T | undefined
  /** Tries once to write the pending tokens (fenced like the write that failed). */
  flushPending(): Promise<void>
  /** Resolves once nothing is pending: the tokens were written back, or newer ones replaced them. */
  whenWritten(): Promise<void>
}

// Writes only if the key still holds what was read: a slower process cannot overwrite newer tokens.
const compareAndSetScript = `
local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0`

// A timer that does not keep a Node process alive just to retry a write.
const idle = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms) as { unref?: () => void }
    timer.unref?.()
  })

/**
 * Keeps a session's tokens in Redis (one key, JSON). Every command is bounded in time. A write
 * that fails because Redis is unreachable is kept and tried again every `retryIntervalMs` until
 * Redis answers, so a refresh made during an outage is not lost: the refresh token it rotated
 * must reach the other processes before any of them refreshes with the old one.
 *
 * @example
 * const store = redisStore({ client: new Redis(), key: 'tokenflight:svc-billing' })
 */
export function redisStore<T extends Tokens = Tokens>(options: RedisStoreOptions): RedisTokenStore<T> {
  const { client, key } = options
  const timeout = options.commandTimeoutMs ?? 1_000
  const retryMs = options.retryIntervalMs ?? 100
  // The stored value as last read or written here (undefined: never seen, so a write-back
  // goes in only where nothing is stored).
  let seen: string | null | undefined
  // A write Redis did not take, and the value it was to replace: written back only over that value,
  // so a late write-back never buries tokens another process stored in the meantime.
  let pending: { tokens: T; expected: string | null } | undefined
  let guard: { expected: string | null } | undefined
  let retrying: Promise<void> | undefined

  async function retry(): Promise<void> {
    while (pending) {
      await idle(retryMs)
      await store.flushPending().catch(() => {})
    }
    retrying = undefined
  }
  const writeBack = (): Promise<void> => {
    retrying ??= retry()
    return retrying
  }

  const store: RedisTokenStore<T> = {
    get pending() {
      return pending?.tokens
    },
    async readRaw() {
      seen = await bounded(client.get(key), timeout)
      return seen
    },
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
          const value = JSON.stringify(tokens)
          await bounded(client.set(key, value), timeout)
          seen = value
          written = true
        }
      } catch {
        pending = { tokens, expected: fence ? fence.expected : (seen ?? null) } // Redis is down: write them back when it answers
        void writeBack()
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
      const value = JSON.stringify(tokens)
      const written = (await bounded(client.eval(compareAndSetScript, 1, key, expected ?? '', value), timeout)) === 1
      if (written) seen = value
      return written
    },
    async flushPending() {
      const write = pending
      if (!write) return
      // A write-back that finds other tokens in Redis yields to them: they were written since.
      await store.compareAndSet(write.expected, write.tokens)
      if (pending === write) pending = undefined
    },
    whenWritten: () => (pending ? writeBack() : Promise.resolve()),
  }
  return store
}
