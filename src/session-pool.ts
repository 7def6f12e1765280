import { idleTimer } from './pool-idle-timer.js'
import { assertOptionalCount, assertOptionalDuration, assertOptionalFunction, invalidArgument, knownOptions } from './invalid-argument.js'
import { LruList, type LruNode } from './lru-list.js'
import type { Session } from './session.js'
import { checkedClock } from './session/checked-clock.js'
import { internalsOf } from './session/internals.js'
import type { Tokens } from './strategy.js'

/** Options of {@link createSessionPool}. */
export interface SessionPoolOptions<K, T extends Tokens = Tokens> {
  /** Creates the session of `key` on its first use (with Redis: `redisCoordination` keyed by it). */
  create: (key: K) => Session<T>
  /**
   * A session unused this long is destroyed; used again later, it is created anew. A refusal of a
   * request it sent comes back to the key's next session. @default 600000
   */
  idleMs?: number | undefined
  /** Most sessions held at once; past it the least recently used one is destroyed. @default 10000 */
  maxSessions?: number | undefined
  /** The clock, for tests. @default Date.now */
  now?: (() => number) | undefined
}

/** One session per user or tenant, created on first use, evicted when idle or past a maximum count. */
export interface SessionPool<K, T extends Tokens = Tokens> {
  /** The session of `key`, created now if the pool holds none; counts as a use. */
  get(key: K): Session<T>
  /** The session of `key` if the pool holds one, without creating it or counting a use. */
  peek(key: K): Session<T> | undefined
  /**
   * Destroys the session of `key` here; resolves once its refresh has stored what it got. Until
   * then `get(key)` hands out the destroyed session: a new one would read the refresh token being
   * spent. Its store keeps the tokens (the next `get` loads them): a sign-out calls `clear()` first.
   */
  delete(key: K): Promise<void>
  /** A resolver for `attachAxios` / `wrapFetch`: the session of the request's key, none when `keyOf` gives none. */
  resolver<Req>(keyOf: (request: Req) => K | undefined): (request: Req) => Session<T> | undefined
  /** How many sessions the pool holds. */
  readonly size: number
  /** Destroys every session and stops the idle timer; resolves once every evicted session has finished its shared refresh. */
  destroy(): Promise<void>
}

// `now` reads Date.now at each call, so a clock swapped after import (fake timers) is the one used.
const defaults = { idleMs: 600_000, maxSessions: 10_000, now: (): number => Date.now() }
const known = { create: true, idleMs: true, maxSessions: true, now: true } satisfies Record<keyof SessionPoolOptions<unknown>, true>

interface Entry<K, T extends Tokens> {
  key: K
  session: Session<T>
}

// Validates once at creation and fills in the defaults.
function resolve<K, T extends Tokens>(given: SessionPoolOptions<K, T>) {
  if (typeof given !== 'object' || given === null) throw invalidArgument('options', 'an object', given)
  const options = knownOptions('createSessionPool', given, known)
  const { create, idleMs, maxSessions, now } = options as unknown as Record<string, unknown>
  if (typeof create !== 'function') throw invalidArgument('create', 'a function', create)
  assertOptionalDuration('idleMs', idleMs)
  assertOptionalCount('maxSessions', maxSessions, 1)
  assertOptionalFunction('now', now)
  return {
    create: options.create,
    idleMs: options.idleMs ?? defaults.idleMs,
    maxSessions: options.maxSessions ?? defaults.maxSessions,
    now: options.now ? checkedClock(options.now) : defaults.now,
  }
}

/**
 * Holds one session per user (or tenant) for a service acting for many: created on first use,
 * destroyed after `idleMs` unused or, past `maxSessions`, least recently used first. Destroying
 * one lets a refresh it shares with other processes finish and be stored (`Session.destroy`).
 *
 * @example
 * const sessions = createSessionPool({
 *   create: (user: string) => createSession({ strategy, ...redisCoordination({ client, key: `tokenflight:{user:${user}}` }) }),
 * })
 * attachAxios(api, sessions.resolver((config) => config.headers.get('x-user')?.toString()))
 */
export function createSessionPool<K, T extends Tokens = Tokens>(options: SessionPoolOptions<K, T>): SessionPool<K, T> {
  const { create, idleMs, maxSessions, now } = resolve(options)
  const entries = new Map<K, LruNode<Entry<K, T>>>()
  const order = new LruList<Entry<K, T>>()
  const finishing = new Set<Promise<void>>()
  const creating = new Set<K>()
  let closed = false
  // An evicted session hands a refusal that comes back after its eviction to its key's next one.
  const { evict, evictWhile, finish } = eviction(entries, order, finishing, now, (key) => () => (closed ? undefined : pool.get(key)))

  function sweep(): void {
    const oldest = now() - idleMs
    evictWhile((node) => node.usedAt <= oldest)
  }
  const timer = idleTimer(() => order.oldest?.usedAt, idleMs, now, sweep)

  const pool: SessionPool<K, T> = {
    get(key) {
      if (closed) throw destroyedPool()
      sweep()
      const existing = entries.get(key)
      // A session its user destroyed is let go once its refresh has stored what it got: a new one loads the store.
      const internals = existing && internalsOf(existing.value.session)
      if (existing && internals?.lifetime.aborted && !internals.inUse()) void evict(existing)
      else if (existing) {
        order.touch(existing, now())
        return existing.value.session
      }
      const session = created(create, key, creating)
      // A create() that destroyed the pool: nothing may be held past its destroy().
      if (closed) throw destroyedPool(session)
      // Room is made before the new session joins: with every other one in use, it must not be the one to go.
      evictWhile(() => entries.size >= maxSessions)
      entries.set(key, order.push({ key, session }, now()))
      timer.arm()
      return session
    },
    peek: (key) => entries.get(key)?.value.session,
    delete(key) {
      const node = entries.get(key)
      if (!node) return Promise.resolve()
      // Mid-refresh it stays listed, destroyed, until its refresh is stored (as one its user destroyed).
      return internalsOf(node.value.session)?.inUse() ? finish(node.value.session) : evict(node)
    },
    resolver: (keyOf) => (request) => {
      const key = keyOf(request)
      return key === undefined ? undefined : pool.get(key)
    },
    get size() {
      return entries.size
    },
    async destroy() {
      closed = true
      timer.stop()
      while (order.oldest) void evict(order.oldest)
      await Promise.all(finishing)
    },
  }
  return pool
}

// The error of a get() on a destroyed pool; `made` (a session created meanwhile) is destroyed, not held.
function destroyedPool(made?: Session<Tokens>): TypeError {
  void made?.destroy()
  return new TypeError('This session pool was destroyed')
}

// A new session for `key`, made by the pool's `create`.
function created<K, T extends Tokens>(create: (key: K) => Session<T>, key: K, creating: Set<K>): Session<T> {
  // A create() asking the pool for its own key would make two sessions for one user.
  if (creating.has(key)) throw new TypeError('create() asked the session pool for the key it is creating')
  creating.add(key)
  let session: Session<T>
  try {
    session = create(key)
  } finally {
    creating.delete(key)
  }
  // Whatever else it returned would be taken for a session, and fail a later eviction or destroy().
  if (!internalsOf(session)) throw invalidArgument('what create() returned', 'a session made by createSession', session)
  return session
}

// How a pool lets go of sessions: each destroyed (tracked in `finishing` until it has), least recently used first.
function eviction<K, T extends Tokens>(
  entries: Map<K, LruNode<Entry<K, T>>>,
  order: LruList<Entry<K, T>>,
  finishing: Set<Promise<void>>,
  now: () => number,
  successor: (key: K) => () => unknown,
) {
  function evict(node: LruNode<Entry<K, T>>): Promise<void> {
    entries.delete(node.value.key)
    order.remove(node)
    return finish(node.value.session)
  }
  // Destroys `session`; the pool's destroy() waits for it. One that rejects must not reject that or go unhandled.
  function finish(session: Session<T>): Promise<void> {
    const done = session.destroy().catch(() => {})
    finishing.add(done)
    void done.then(() => finishing.delete(done))
    return done
  }
  // Evicts the least recently used sessions while `more(oldest)`. One mid-refresh is working, not
  // idle: evicted, its refresh would race its user's next session for the user's store (or be cut
  // off); so is one whose requests wait on its store's first read. It counts as used now and the
  // next one goes; each session is looked at once.
  function evictWhile(more: (oldest: LruNode<Entry<K, T>>) => boolean): void {
    for (let left = entries.size, node = order.oldest; left > 0 && node && more(node); left--, node = order.oldest) {
      const internals = internalsOf(node.value.session)
      if (internals?.inUse()) order.touch(node, now())
      else {
        if (internals) internals.successor = successor(node.value.key)
        void evict(node)
      }
    }
  }
  return { evict, evictWhile, finish }
}
