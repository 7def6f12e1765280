import type { Coordinator, CoordinatorLink } from '../coordinator.js'
import { RefreshError } from '../errors/index.js'
import { randomUuid } from '../random-uuid.js'
import type { Tokens } from '../strategy.js'
import { bounded, type RedisClient, type RedisSubscriber } from '../stores/redis-client.js'
import { parseStoredTokens } from '../stores/parse-stored-tokens.js'
import { type RedisTokenStore, redisStore } from '../stores/redis.js'

/** Options of {@link redisCoordination}. */
export interface RedisCoordinationOptions {
  /** An ioredis client (or one of the same shape). */
  client: RedisClient
  /** Names this shared session in Redis: tokens at `key`, the lock at `key:lock`, news on `key:refreshed`. */
  key: string
  /** The lock's expiry; longer than a whole refresh with its retries. @default 30000 */
  lockTtlMs?: number | undefined
  /** How long a process that needs a refresh waits for an unreachable Redis before refreshing alone. @default 5000 */
  coordinationWaitMs?: number | undefined
  /** How often a waiting process looks for the new tokens if no notification comes. @default 100 */
  pollIntervalMs?: number | undefined
  /** Longest wait for one Redis command. @default 1000 */
  commandTimeoutMs?: number | undefined
}

// Deletes the lock only if this process still owns it (a lock that expired and was retaken by
// another process must not be released by the first one).
const releaseScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * One refresh per expiry for every process sharing a refresh token: tokens live in Redis; a
 * process refreshes only under a lock (SET NX PX, owner-checked release) and re-reads the tokens
 * once it holds it; the others wait for a pub/sub notice (or poll) and adopt the new tokens.
 * If Redis is unreachable for `coordinationWaitMs`, a process refreshes alone and the session
 * emits `coordinationDegraded`; its tokens are written back when Redis answers again.
 *
 * @example
 * const session = createSession({ strategy, tokens, ...redisCoordination({ client: new Redis(), key: 'tokenflight:svc-billing' }) })
 */
export function redisCoordination<T extends Tokens = Tokens>(options: RedisCoordinationOptions): { store: RedisTokenStore<T>; coordinator: Coordinator<T> } {
  const { client, key } = options
  const lockKey = `${key}:lock`
  const channel = `${key}:refreshed`
  const lockTtlMs = options.lockTtlMs ?? 30_000
  const waitMs = options.coordinationWaitMs ?? 5_000
  const pollMs = options.pollIntervalMs ?? 100
  const timeout = options.commandTimeoutMs ?? 1_000
  const store = redisStore<T>({ client, key, commandTimeoutMs: timeout, retryIntervalMs: pollMs })
  const links = new Set<CoordinatorLink<T>>()
  const wakers = new Set<() => void>()
  let degraded = false

  const wakeAll = (): void => {
    for (const wake of wakers) wake()
    wakers.clear()
  }
  const nextNotice = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      wakers.add(resolve)
      setTimeout(() => {
        wakers.delete(resolve)
        resolve()
      }, ms)
    })
  // Tokens this process refreshed that Redis has not got yet (it went away meanwhile).
  let unwritten: T | undefined
  // Tokens in Redis replace `stale` when they differ from it, unless `stale` is still unwritten:
  // then Redis holds older ones.
  const replaces = (stored: T | undefined, stale: T): stored is T => !!stored && stored.accessToken !== stale.accessToken && unwritten !== stale
  // Undefined when `next` reached Redis; else resolves once the store has written it back.
  const writeBack = (next: T): Promise<void> | undefined => {
    if (store.pending !== next) return undefined
    unwritten = next
    return store.whenWritten().then(() => {
      if (unwritten === next) unwritten = undefined
    })
  }
  const newer = async (stale: T): Promise<T | undefined> => {
    const stored = await store.get().catch(() => undefined)
    return replaces(stored, stale) ? stored : undefined
  }
  const release = (owner: string): Promise<unknown> => bounded(client.eval(releaseScript, 1, lockKey, owner), timeout).catch(() => {})
  const notify = (): Promise<unknown> => bounded(client.publish(channel, 'refreshed'), timeout).catch(() => {})

  function restored(): void {
    if (!degraded) return
    degraded = false
    for (const link of links) link.emit('coordinationRestored', {})
  }
  async function reachable(): Promise<void> {
    await store.flushPending().catch(() => {})
    restored()
  }

  // `raw`: the tokens as read once the lock was taken. That one read decides both: adopt what
  // another process stored, or fence our write on it.
  async function underLock(stale: T, work: () => Promise<T>, owner: string, raw: string | null): Promise<T> {
    let keepLock = false
    try {
      const stored = parseStoredTokens<T>(raw)
      if (replaces(stored, stale)) return stored // refreshed while we waited
      store.guardNextWrite(raw)
      let next: T
      try {
        next = await work()
      } catch (error) {
        // "Invalid refresh token" may mean another process already rotated it: look before giving up.
        const adopted = error instanceof RefreshError && !error.transient ? await newer(stale) : undefined
        if (adopted) return adopted
        throw error
      } finally {
        store.guardNextWrite(undefined)
      }
      const written = writeBack(next)
      if (written) {
        // Redis went away before the rotated tokens were written. Until they are, the lock stays:
        // released now (or on reconnection), it would let a waiting process refresh with the
        // refresh token this one just spent. Its TTL bounds how long an outage this covers.
        keepLock = true
        void written.then(notify).then(() => release(owner))
      } else await notify()
      return next
    } finally {
      if (!keepLock) await release(owner)
    }
  }

  const coordinator: Coordinator<T> = {
    attach(link) {
      links.add(link)
      let subscriber: RedisSubscriber | undefined = client.duplicate()
      subscriber.on('error', () => {}) // outages surface through commands; the client reconnects by itself
      subscriber.on('message', (from) => {
        if (from !== channel) return
        wakeAll()
        if (!unwritten) void store.get().then((tokens) => tokens && link.adopt(tokens), () => {})
      })
      // Subscribe on every (re)connection: with the offline queue off, a command sent before the
      // connection is ready fails. Without notices, waiting processes still poll.
      const listen = (): void => void subscriber?.subscribe(channel).catch(() => {})
      subscriber.on('ready', listen)
      listen()
      return () => {
        links.delete(link)
        subscriber?.disconnect()
        subscriber = undefined
      }
    },
    async refresh(stale, work) {
      const started = Date.now()
      const owner = randomUuid()
      // Set when this call took the lock but Redis went away before it could use or release it:
      // once Redis is back, the lock found in place may still be this call's own.
      let mayHold = false
      for (;;) {
        let acquired: boolean
        let raw: string | null = null
        try {
          acquired = (await bounded(client.set(lockKey, owner, 'PX', lockTtlMs, 'NX'), timeout)) === 'OK'
          if (!acquired && mayHold) acquired = (await bounded(client.get(lockKey), timeout)) === owner
          await reachable()
          // Redis going away right after the lock was taken is an outage like any other.
          if (acquired) {
            mayHold = true
            raw = await store.readRaw()
          }
        } catch (error) {
          if (mayHold) await release(owner)
          if (Date.now() - started < waitMs) {
            await sleep(pollMs)
            continue
          }
          // Redis stayed unreachable: refresh alone rather than hold every request (docs/scaling.md).
          if (!degraded) for (const link of links) link.emit('coordinationDegraded', { error: error as Error })
          degraded = true
          const next = await work()
          // Redis taking the write-back (at once, or on a retry) is the end of the outage.
          void (writeBack(next) ?? Promise.resolve()).then(() => store.pending === undefined && restored())
          return next
        }
        if (acquired) return underLock(stale, work, owner, raw)
        await nextNotice(pollMs) // another process holds the lock: wait for its notice
        const adopted = await newer(stale)
        if (adopted) return adopted
        if (Date.now() - started > lockTtlMs + waitMs) {
          throw new RefreshError('Timed out waiting for another process to refresh the shared tokens', { transient: true })
        }
      }
    },
    async announce(tokens) {
      if (tokens) await notify()
    },
  }
  return { store, coordinator }
}
