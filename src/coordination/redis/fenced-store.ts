import { RefreshError } from '../../errors/index.js'
import type { Tokens } from '../../strategy.js'
import { parseStoredTokens } from '../../stores/parse-stored-tokens.js'
import { bounded, type RedisClient } from '../../stores/redis-client.js'
import type { TokenStore } from '../../token-store.js'
import { type Expected, idle, pendingWrite } from './pending-write.js'
import { misconfiguration, rethrowFor } from './redis-failure.js'
import { monotonicNow } from '../../monotonic.js'

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
  /**
   * Makes the next `set` write only over `expected` (the value read under the lock held by
   * `owner`); `undefined` lifts it.
   */
  fence(expected: string | null | undefined, owner?: string): void
  /** Writes `tokens` only into an empty key: found taken (another process seeded or refreshed), theirs stand. */
  seed(tokens: T): Promise<void>
  /** Tokens Redis has not taken yet (it was unreachable); written back every `retryMs`. */
  readonly pending: T | undefined
  /** Tries once to write the pending tokens, fenced like the write that failed. */
  flushPending(): Promise<void>
  /** Resolves once nothing is pending. */
  whenWritten(): Promise<void>
  /** Counts the writes begun here: a read that began before one may hold older tokens than this process. */
  readonly writesBegun: number
}

// Every write goes through GET first, so a key of another type is a WRONGTYPE error, never overwritten.
// A refresh's write (ARGV[4]: its lock owner) finding the key empty fills it unless its lock is
// intact: then the key was emptied by a sign-out; else Redis lost both (restart, FLUSHALL).
const writeScript = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == 'any' or (current == false and ARGV[2] == '') or current == ARGV[2]
  or (current == false and ARGV[4] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[4]) then
  redis.call('SET', KEYS[1], ARGV[3])
  return 1
end
return current`


// Writes `value` over what is `expected`: `true`, or what the key holds instead (a refusal reads it).
async function writeOver(client: RedisClient, keys: [string, string], timeoutMs: number, expected: Expected, value: string): Promise<true | { found: string | null }> {
  const args = expected.value === 'any' ? ['any', '', value, ''] : ['if', expected.value ?? '', value, expected.owner ?? '']
  const answer = await bounded(client.eval(writeScript, 2, ...keys, ...args), timeoutMs)
  return answer === 1 || { found: typeof answer === 'string' ? answer : null }
}

// A client without an offline queue fails commands until connected: its first read waits for it a while.
async function readWaiting(read: () => Promise<string | null>, key: string, waitMs: number, retryMs: number): Promise<string | null> {
  const began = monotonicNow()
  for (;;) {
    try {
      return await read()
    } catch (error) {
      if (misconfiguration(error, key) || monotonicNow() - began + retryMs > waitMs) throw error
      await idle(retryMs)
    }
  }
}

/** Options of {@link fencedStore}. */
export interface FencedStoreOptions {
  client: RedisClient
  key: string
  /** The refresh lock's key: a fenced write looks at it when it finds the tokens key empty. */
  lockKey: string
  timeoutMs: number
  retryMs: number
  waitMs: number
  /** Called when tokens Redis missed were written back: the other processes are told then. */
  writtenBack(): void
  /** Called whenever Redis answers a write: after an outage, it is back and holds these tokens or newer ones. */
  answered(): void
  /** Called when a refresh's write finds the key emptied under its lock: a sign-out, which every process must hear. */
  emptiedUnderLock(): void
}

/**
 * Creates the coordinator's store at `key`.
 *
 * @example
 * const store = fencedStore<Tokens>({ client, key: 'svc', lockKey: '{svc}:lock', timeoutMs: 1_000, retryMs: 100, waitMs: 5_000, writtenBack: () => {}, answered: () => {}, emptiedUnderLock: () => {} })
 */
export function fencedStore<T extends Tokens>(options: FencedStoreOptions): FencedStore<T> {
  const { client, key, timeoutMs, retryMs, waitMs } = options
  const writes = fencedWrites<T>(options)
  const { later, put } = writes
  let fence: Expected | undefined
  const store: FencedStore<T> = {
    get pending() {
      return later.tokens
    },
    get writesBegun() {
      return writes.begun
    },
    async readRaw() {
      const raw = await bounded(client.get(key), timeoutMs).catch(rethrowFor(key))
      writes.seen = raw
      return raw
    },
    get: async () => parseStoredTokens<T>(await readWaiting(store.readRaw, key, waitMs, retryMs)),
    fence(expected, owner) {
      fence = expected === undefined ? undefined : { value: expected, owner }
    },
    async set(tokens) {
      const fenced = fence
      fence = undefined
      // Unfenced, a sign-in or a refresh alone: it overwrites. A seed comes through `seed()`.
      await put(tokens, fenced ?? { value: 'any' }, fenced ? 'fenced' : 'set')
    },
    seed: (tokens) => put(tokens, { value: null }, 'seed'),
    // A sign-out Redis did not take rejects (`clear()` with it): the others still hold the login.
    async delete() {
      writes.begun++
      later.clear()
      await bounded(client.del(key), timeoutMs).catch(rethrowFor(key))
    },
    flushPending: () => later.flush(),
    whenWritten: () => (later.tokens ? later.written() : Promise.resolve()),
  }
  return store
}

// The store's writes: `seen` is the stored value as last read or written here, what a write Redis
// missed is written back over.
function fencedWrites<T extends Tokens>({ client, key, lockKey, timeoutMs, retryMs, writtenBack, answered, emptiedUnderLock }: FencedStoreOptions) {
  const writes = { seen: undefined as string | null | undefined, begun: 0, later: pendingWrite<T>(writeOverGarbage, retryMs, writtenBack), put }
  async function write(expected: Expected, tokens: T): Promise<boolean> {
    const value = JSON.stringify(tokens)
    const answer = await writeOver(client, [key, lockKey], timeoutMs, expected, value)
    answered()
    // A write refused (a seed that lost, a fence that failed) learns what is there: a later
    // write-back is fenced on that, not on a value the key no longer holds. Finding this very
    // value there (a copy of the write a client queued while Redis was away ran first), it is done.
    writes.seen = answer === true ? value : answer.found
    return answer === true || answer.found === value
  }
  // A refresh's write, or its write-back: finding what reads as no tokens (a foreign writer's garbage), it goes over it.
  async function writeOverGarbage(expected: Expected, tokens: T): Promise<boolean> {
    if (await write(expected, tokens)) return true
    const { seen } = writes
    return seen != null && parseStoredTokens(seen) === undefined && write({ value: seen, owner: expected.owner }, tokens)
  }
  // Writes over `expected`; Redis unreachable, or refusing writes (OOM, READONLY, an ACL), kept and
  // written back: the provider has rotated, and only this write keeps the next process off the
  // spent refresh token. A fenced write finding other tokens rejects (a seed finding the key taken
  // resolves: theirs stand).
  async function put(tokens: T, expected: Expected, kind: 'seed' | 'set' | 'fenced'): Promise<void> {
    writes.begun++
    let written: boolean
    try {
      written = await (kind === 'fenced' ? writeOverGarbage : write)(expected, tokens)
    } catch (error) {
      const fatal = misconfiguration(error, key)
      if (kind !== 'seed' || !fatal) writes.later.keep(tokens, expected.value === 'any' ? { value: writes.seen ?? null } : expected) // written back when Redis takes it
      if (fatal) throw fatal // said at once (storeFailed), though kept
      return
    }
    writes.later.clear()
    if (written || kind !== 'fenced') return
    // The key deleted under this refresh's own lock (a sign-out, an operator's DEL): no process may
    // go on with the tokens it holds, whose refresh token this refresh has just spent.
    if (writes.seen === null) {
      emptiedUnderLock()
      throw new RefreshError('The tokens in Redis were deleted while this process refreshed them (a sign-out): the new ones are not stored', { transient: true })
    }
    throw new RefreshError('The tokens in Redis changed since this process read them (another process wrote newer ones): not overwritten', { transient: true })
  }
  return writes
}
