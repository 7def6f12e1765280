import type { Coordinator, CoordinatorLink } from '../../coordinator.js'
import { RefreshError, RefreshTimeoutError } from '../../errors/index.js'
import { randomUuid } from '../../random-uuid.js'
import type { Tokens } from '../../strategy.js'
import { parseStoredTokens } from '../../stores/parse-stored-tokens.js'
import { bounded, type RedisSubscriber } from '../../stores/redis-client.js'
import type { TokenStore } from '../../token-store.js'
import { createNoticeWaiter } from '../wake-on-notice.js'
import { fencedStore } from './fenced-store.js'
import { redisLock } from './lock.js'
import { type RedisCoordinationOptions, resolveRedisCoordination } from './options.js'
import { misconfiguration, redisOutage } from './redis-failure.js'
import { refusedMarker } from './refused-marker.js'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
// Used until a session attaches and says its own deadline.
const DEFAULT_DEADLINE_MS = 10_000

/**
 * One refresh per expiry for every process sharing a refresh token: tokens live in Redis; a
 * process refreshes only under a short lock its watchdog renews (so a dead holder is known within
 * `lockTtlMs`), re-reads the tokens once it holds it and writes the new ones fenced on what it
 * read; the others wait for a pub/sub notice (or poll), adopt the new tokens, and give up with a
 * `RefreshTimeoutError` past the session's refresh deadline. If Redis is unreachable for
 * `coordinationWaitMs`, a process refreshes alone and the session emits `coordinationDegraded`;
 * its tokens are written back when Redis answers again. A WRONGTYPE value at the key, a server
 * without EVAL or an ACL refusal is a `RefreshError` saying so, never taken for an outage.
 *
 * @example
 * const session = createSession({ strategy, tokens, ...redisCoordination({ client: new Redis({ enableOfflineQueue: false }), key: 'tokenflight:svc-billing' }) })
 */
export function redisCoordination<T extends Tokens = Tokens>(options: RedisCoordinationOptions): { store: TokenStore<T>; coordinator: Coordinator<T> } {
  const { client, key, keys, lockTtlMs, coordinationWaitMs: waitMs, pollIntervalMs: pollMs, commandTimeoutMs: timeout, replicasToWait } = resolveRedisCoordination(options)
  const store = fencedStore<T>({ client, key: keys.tokens, timeoutMs: timeout, retryMs: pollMs, waitMs })
  const lock = redisLock(client, keys.lock, lockTtlMs, timeout)
  const refused = refusedMarker(client, keys.refused, timeout)
  const notices = createNoticeWaiter()
  const links = new Set<CoordinatorLink<T>>()
  let attached = false
  let degraded = false
  // Tokens this process refreshed that Redis has not got yet (it went away meanwhile).
  let unwritten: T | undefined

  const deadlineMs = (): number => (links.size ? Math.min(...[...links].map((link) => link.refreshDeadlineMs)) : DEFAULT_DEADLINE_MS)
  // Tokens in Redis replace `stale` when they differ from it, unless `stale` is still unwritten: then Redis holds older ones.
  const replaces = (stored: T | undefined, stale: T): stored is T => !!stored && stored.accessToken !== stale.accessToken && unwritten !== stale
  const read = async (): Promise<T | undefined> => parseStoredTokens<T>(await store.readRaw())
  const newer = async (stale: T): Promise<T | undefined> => {
    const stored = await read().catch(() => undefined)
    return replaces(stored, stale) ? stored : undefined
  }
  const notify = (): Promise<unknown> => bounded(client.publish(keys.channel, 'refreshed'), timeout).catch(() => {})
  const emit = (type: 'coordinationDegraded' | 'coordinationRestored', error?: unknown): void => {
    for (const link of links) type === 'coordinationRestored' ? link.emit(type, {}) : link.emit(type, { error: redisOutage(error) })
  }
  function restored(): void {
    if (degraded) emit('coordinationRestored')
    degraded = false
  }
  // Undefined when `next` reached Redis; else resolves once the store has written it back.
  const writeBack = (next: T): Promise<void> | undefined => {
    if (store.pending !== next) return undefined
    unwritten = next
    return store.whenWritten().then(() => {
      if (unwritten === next) unwritten = undefined
    })
  }
  // Fewer replicas than asked within the bound is no reason to stall a refresh: WAIT only narrows a failover window.
  const replicate = async (): Promise<unknown> => replicasToWait > 0 && bounded(Promise.resolve(client.wait?.(replicasToWait, timeout)), 2 * timeout).catch(() => {})

  // `raw`: the tokens as read once the lock was taken. That one read decides both: adopt what another process stored, or fence our write on it.
  async function underLock(stale: T, work: () => Promise<T>, owner: string, raw: string | null): Promise<T> {
    // The watchdog's own bound: a refresh is over by the session's deadline; twice that is slack, not a lease for ever.
    const stop = lock.keepAlive(owner, 2 * deadlineMs() + lockTtlMs)
    const unlock = (): Promise<void> => {
      stop()
      return lock.release(owner)
    }
    let keepLock = false
    try {
      const stored = parseStoredTokens<T>(raw)
      if (replaces(stored, stale)) return stored // refreshed while we waited
      await replicate()
      store.fence(raw)
      let next: T
      try {
        next = await work()
      } catch (error) {
        if (!(error instanceof RefreshError) || error.transient) throw error
        // "Invalid refresh token" may mean another process already rotated it: look before giving up.
        const adopted = await newer(stale)
        if (adopted) return adopted
        await refused.mark(raw)
        throw error
      } finally {
        store.fence(undefined)
      }
      const written = writeBack(next)
      // Redis went away before the rotated tokens were written: until they are, the lock stays (renewed),
      // or a waiting process would refresh with the refresh token this one just spent.
      if (written) {
        keepLock = true
        void written.then(notify).then(unlock)
      } else await notify()
      return next
    } finally {
      if (!keepLock) await unlock()
    }
  }

  // Redis stayed unreachable: refresh alone rather than hold every request (docs/scaling.md).
  async function alone(error: unknown, work: () => Promise<T>): Promise<T> {
    if (!degraded) emit('coordinationDegraded', error)
    degraded = true
    const next = await work()
    // Redis taking the write-back (at once, or on a retry) is the end of the outage.
    void (writeBack(next) ?? Promise.resolve()).then(() => store.pending === undefined && restored())
    return next
  }

  // Takes the lock and reads the tokens under it: `undefined` when another process holds it.
  async function take(owner: string): Promise<{ raw: string | null } | undefined> {
    const acquired = await lock.acquire(owner)
    await store.flushPending().catch(() => {})
    restored()
    if (!acquired) return undefined
    const raw = await store.readRaw()
    await refused.check(raw)
    return { raw }
  }

  const coordinator: Coordinator<T> = {
    attach(link) {
      links.add(link)
      attached = true
      let subscriber: RedisSubscriber | undefined = client.duplicate()
      subscriber.on('error', () => {}) // outages surface through commands; the client reconnects by itself
      subscriber.on('message', (from) => {
        if (from !== keys.channel) return
        notices.wake()
        if (!unwritten) void read().then((tokens) => tokens && link.adopt(tokens), () => {})
      })
      // Subscribe on every (re)connection: with the offline queue off, a command sent before the connection is ready fails.
      const listen = (): void => void subscriber?.subscribe(keys.channel).catch(() => {})
      subscriber.on('ready', listen)
      listen()
      return () => {
        links.delete(link)
        subscriber?.disconnect()
        subscriber = undefined
      }
    },
    async refresh(stale, work) {
      const began = Date.now()
      const limitMs = deadlineMs()
      const owner = randomUuid()
      for (;;) {
        // A destroyed session's wait ends here: refreshing for it (alone, after an outage) could only spend the shared token.
        if (attached && links.size === 0) throw new RefreshError('The session was destroyed while it waited for the shared refresh', { transient: true })
        let taken: { raw: string | null } | undefined
        try {
          taken = await take(owner)
        } catch (error) {
          // Ours (a refused token, a misconfigured Redis): no retry changes it.
          const fatal = error instanceof RefreshError ? error : misconfiguration(error, key)
          if (fatal) {
            await lock.release(owner)
            throw fatal
          }
          if (Date.now() - began < waitMs) {
            await sleep(pollMs)
            continue
          }
          return alone(error, work)
        }
        if (taken) return underLock(stale, work, owner, taken.raw)
        await notices.next(pollMs) // another process holds the lock: wait for its notice
        const adopted = await newer(stale)
        if (adopted) return adopted
        if (Date.now() - began >= limitMs) throw new RefreshTimeoutError(limitMs)
      }
    },
    async announce(tokens) {
      if (tokens) await notify()
    },
  }
  return { store, coordinator }
}
