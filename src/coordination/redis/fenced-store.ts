import { RefreshError } from '../../errors/index.js'
import type { Tokens } from '../../strategy.js'
import { parseStoredTokens } from '../../stores/parse-stored-tokens.js'
import { bounded, type RedisClient } from '../../stores/redis-client.js'
import type { TokenStore } from '../../token-store.js'
import { misconfiguration } from './redis-failure.js'

/**
 * The coordinator's own view of the tokens key: a store whose `set` is a fenced write while a
 * refresh holds the lock, and whose writes Redis missed are written back when it answers.
 * Internal: the public `redisStore` is a plain store.
 */
export interface FencedStore<T extends Tokens> extends TokenStore<T> {
  /** The stored tokens; waits up to `waitMs` for a client that is not connected yet. */
  get(): Promise<T | undefined>
  /** One bounded read of the raw value (remembered as what a later write is fenced on). */
  readRaw(): Promise<string | null>
  /** Makes the next `set` write only over `expected` (the value read under the lock); `undefined` lifts it. */
  fence(expected: string | null | undefined): void
  /** Tokens Redis has not taken yet (it was unreachable); written back every `retryMs`. */
  readonly pending: T | undefined
  /** Tries once to write the pending tokens, fenced like the write that failed. */
  flushPending(): Promise<void>
  /** Resolves once nothing is pending. */
  whenWritten(): Promise<void>
}

// Every write goes through GET first, so a key of another type is a WRONGTYPE error, never overwritten.
const writeScript = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == 'any' or (current == false and ARGV[2] == '') or current == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[3])
  return 1
end
return 0`

const idle = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms) as { unref?: () => void }
    timer.unref?.() // a write-back alone does not keep a Node process alive
  })

/** Options of {@link fencedStore}. */
export interface FencedStoreOptions {
  client: RedisClient
  key: string
  timeoutMs: number
  retryMs: number
  waitMs: number
}

/**
 * Creates the coordinator's store at `key`.
 *
 * @example
 * const store = fencedStore<Tokens>({ client, key: 'svc', timeoutMs: 1_000, retryMs: 100, waitMs: 5_000 })
 */
export function fencedStore<T extends Tokens>({ client, key, timeoutMs, retryMs, waitMs }: FencedStoreOptions): FencedStore<T> {
  // The stored value as last read or written here; undefined: never seen, so only an empty key is written.
  let seen: string | null | undefined
  // A write Redis did not take, and the value it was to replace: a late write-back never buries newer tokens.
  let pending: { tokens: T; expected: string | null } | undefined
  let fence: { expected: string | null } | undefined
  let retrying: Promise<void> | undefined

  const write = async (expected: string | null | 'any', tokens: T): Promise<boolean> => {
    const value = JSON.stringify(tokens)
    const args = expected === 'any' ? ['any', '', value] : ['if', expected ?? '', value]
    const written = (await bounded(client.eval(writeScript, 1, key, ...args), timeoutMs)) === 1
    if (written) seen = value
    return written
  }
  const fatal = (error: unknown): Error => misconfiguration(error, key) ?? (error as Error)
  const writingBack = (): Promise<void> => {
    retrying ??= retry()
    return retrying
  }
  async function retry(): Promise<void> {
    while (pending) {
      await idle(retryMs)
      await store.flushPending().catch(() => {})
    }
    retrying = undefined
  }

  const store: FencedStore<T> = {
    get pending() {
      return pending?.tokens
    },
    async readRaw() {
      const raw = await bounded(client.get(key), timeoutMs).catch((error) => Promise.reject(fatal(error)))
      seen = raw
      return raw
    },
    async get() {
      // A client without an offline queue fails commands until connected: wait for it a while.
      const began = Date.now()
      for (;;) {
        try {
          return parseStoredTokens<T>(await store.readRaw())
        } catch (error) {
          if (misconfiguration(error, key) || Date.now() - began + retryMs > waitMs) throw error
          await idle(retryMs)
        }
      }
    },
    fence(expected) {
      fence = expected === undefined ? undefined : { expected }
    },
    async set(tokens) {
      const fenced = fence
      fence = undefined
      const expected = fenced ? fenced.expected : seen === undefined ? null : 'any'
      let written: boolean
      try {
        written = await write(expected, tokens)
      } catch (error) {
        if (misconfiguration(error, key)) throw fatal(error)
        pending = { tokens, expected: expected === 'any' ? (seen ?? null) : expected } // written back when Redis answers
        void writingBack()
        return
      }
      pending = undefined
      if (!written) throw new RefreshError('The tokens in Redis changed while this process refreshed (its lock had expired)', { transient: true })
    },
    async delete() {
      pending = undefined
      await bounded(client.del(key), timeoutMs).catch(() => {})
    },
    async flushPending() {
      const held = pending
      if (!held) return
      await write(held.expected, held.tokens) // finding other tokens, it yields: they were written since
      if (pending === held) pending = undefined
    },
    whenWritten: () => (pending ? writingBack() : Promise.resolve()),
  }
  return store
}
