import type { Coordinator, CoordinatorLink } from '../../coordinator.js'
import type { Tokens } from '../../strategy.js'
import { parseStoredTokens } from '../../stores/parse-stored-tokens.js'
import { bounded, type RedisSubscriber } from '../../stores/redis-client.js'
import type { TokenStore } from '../../token-store.js'
import { createNoticeWaiter } from '../wake-on-notice.js'
import { fencedStore } from './fenced-store.js'
import { followKey } from './key-follower.js'
import { createLinks } from './links.js'
import { redisLock } from './lock.js'
import { lockWatch } from './lock-watch.js'
import { type RedisCoordinationOptions, resolveRedisCoordination } from './options.js'
import { refusedMarker } from './refused-marker.js'
import type { Shared } from './shared.js'
import { sharedRefresh } from './shared-refresh.js'
import { trackUnwritten } from './unwritten.js'
import { ownResubscribing } from './own-resubscribing.js'

/**
 * One refresh per expiry for every process sharing a refresh token: tokens live in Redis; a
 * process refreshes only under a short lock its watchdog renews (so a dead holder is known within
 * `lockTtlMs`), re-reads the tokens once it holds it and writes the new ones fenced on what it
 * read; the others wait for a pub/sub notice (or poll), adopt the new tokens, and give up with a
 * `RefreshTimeoutError` past the session's refresh deadline. A sign-in (`setTokens`) or sign-out
 * (`clear`) in one process reaches the others the same way. If Redis is unreachable for
 * `coordinationWaitMs`, a process refreshes alone and the session emits `coordinationDegraded`;
 * its tokens (a sign-in's too) are written back and announced when Redis answers again. A
 * sign-out Redis does not take rejects: the others still hold the login. An error reply (a
 * WRONGTYPE value, a server without EVAL or taking no writes, an ACL refusal), but one of a server
 * on its way back, is a `RefreshError` saying so, never taken for an outage.
 *
 * @example
 * const session = createSession({ strategy, tokens, ...redisCoordination({ client: new Redis({ enableOfflineQueue: false }), key: 'tokenflight:svc-billing' }) })
 */
export function redisCoordination<T extends Tokens = Tokens>(options: RedisCoordinationOptions): { store: TokenStore<T>; coordinator: Coordinator<T> } {
  const resolved = resolveRedisCoordination(options)
  const { client, keys, lockTtlMs, coordinationWaitMs: waitMs, pollIntervalMs: retryMs, commandTimeoutMs: timeoutMs } = resolved
  // A write-back is news like a refresh: a sign-in made during an outage reaches the others then.
  // Redis answering a write ends an outage for this process (`coordinationRestored`).
  const store = fencedStore<T>({ client, key: keys.tokens, lockKey: keys.lock, timeoutMs, retryMs, waitMs, writtenBack: () => void shared.notify(), answered: () => shared.links.restored(), emptiedUnderLock: () => void shared.notify('cleared') })
  const unwritten = trackUnwritten(store)
  const read = async (): Promise<T | undefined> => parseStoredTokens<T>(await store.readRaw())
  const shared: Shared<T> = {
    options: resolved,
    store,
    lock: redisLock(client, keys, lockTtlMs, timeoutMs),
    refused: refusedMarker(client, keys.refused, timeoutMs),
    notices: createNoticeWaiter(),
    links: createLinks<T>(),
    unwritten,
    held: new Set(),
    watch: lockWatch(lockTtlMs),
    async newer(stale) {
      const stored = await read().catch(() => undefined)
      if (!unwritten.replaces(stored, stale)) return undefined
      shared.watch.settled()
      return stored
    },
    notify: (what = 'refreshed') => bounded(client.publish(keys.channel, what), timeoutMs).catch(() => {}),
  }

  const coordinator: Coordinator<T> = {
    attach: (link) => attachLink(shared, link, read),
    refresh: (stale, work) => sharedRefresh(shared, stale, work),
    async announce(tokens) {
      await shared.notify(tokens ? 'refreshed' : 'cleared')
    },
    seed: (tokens) => store.seed(tokens),
    async drained() {
      await store.whenWritten()
      await Promise.all(shared.held)
    },
  }
  return { store, coordinator }
}

// Follows the key for one session: notices on a connection of its own, a read after each; returns the detach.
function attachLink<T extends Tokens>(shared: Shared<T>, link: CoordinatorLink<T>, read: () => Promise<T | undefined>): () => void {
  const { client, keys, pollIntervalMs: retryMs } = shared.options
  shared.links.add(link)
  let subscriber: RedisSubscriber | undefined = ownResubscribing(client.duplicate())
  subscriber.on('error', () => {}) // outages surface through commands; the client reconnects by itself
  const adopt = (tokens: T | undefined): void => {
    // Tokens replacing this process's: the holder's reached Redis, its lock is no longer in doubt.
    // A re-read of the same ones (a notice, a re-subscription) proves nothing.
    const current = link.current?.()
    if (tokens && current && shared.unwritten.replaces(tokens, current)) shared.watch.settled()
    link.adopt(tokens)
  }
  const follower = followKey({ store: shared.store, key: keys.tokens, read, retryMs, adopt })
  subscriber.on('message', (from, what) => {
    if (from !== keys.channel) return
    shared.notices.wake()
    follower.news(what === 'cleared')
  })
  // Notices sent while the connection was away are lost: subscribed again, it reads the key once.
  subscribeAlways(subscriber, keys.channel, () => follower.news(false))
  return () => {
    shared.links.delete(link)
    if (shared.links.abandoned) shared.notices.wake() // a refresh waiting for Redis or a holder gives up now
    follower.stop()
    subscriber?.disconnect()
    subscriber = undefined
  }
}

// Subscribes on every (re)connection (with the offline queue off, a command sent before the
// connection is ready fails); `resubscribed` runs after each subscription but the first.
function subscribeAlways(subscriber: RedisSubscriber, channel: string, resubscribed: () => void): void {
  let subscriptions = 0
  const listen = (): void => {
    const again = subscriptions++ > 0
    void subscriber
      .subscribe(channel)
      .then(() => (again ? resubscribed() : undefined))
      .catch(() => {})
  }
  subscriber.on('ready', listen)
  listen()
}
