/**
 * createSessionPool: one session per user, created on first use, evicted when idle (timer-driven,
 * fake clock) and past `maxSessions` (least recently used first), destroyed on eviction without
 * cutting a refresh shared with other processes; usable as the interceptors' session resolver.
 */
import axios, { type InternalAxiosRequestConfig } from 'axios'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type Coordinator, createSession, createSessionPool, type Session, SessionExpiredError, type Tokens } from '../src/index.js'
import { attachAxios } from '../src/interceptors/axios.js'
import { wrapFetch } from '../src/interceptors/fetch.js'
import { memoryStore } from '../src/index.js'
import { countingStrategy } from './_helpers/counting-strategy.js'
import { deferred, flush } from './_helpers/deferred.js'
import { type ResourceServer, startResourceServer } from './_helpers/resource-server.js'

const userSession = (user: string): Session => createSession({ strategy: countingStrategy(), tokens: { accessToken: `${user}-token` } })
const destroyed = async (session: Session): Promise<boolean> =>
  session.getAccessToken().then(
    () => false,
    (error) => error instanceof SessionExpiredError && /destroyed/.test(error.message),
  )

describe('createSessionPool', () => {
  describe('with a fake clock', () => {
    beforeEach(() => {
      vi.useFakeTimers()
    })
    afterEach(() => {
      vi.useRealTimers()
    })

    it('creates a session on first use and returns the same one afterwards', () => {
      const create = vi.fn(userSession)
      const pool = createSessionPool({ create })
      const alice = pool.get('alice')
      expect(pool.get('alice')).toBe(alice)
      expect(pool.get('bob')).not.toBe(alice)
      expect(create.mock.calls).toEqual([['alice'], ['bob']])
      expect(pool.size).toBe(2)
    })

    it.each([
      { unusedFor: 999, evicted: false },
      { unusedFor: 1_000, evicted: true },
    ])('idleMs 1000, unused for $unusedFor ms: evicted $evicted, by the timer alone', async ({ unusedFor, evicted }) => {
      const pool = createSessionPool({ create: userSession, idleMs: 1_000 })
      const alice = pool.get('alice')
      await vi.advanceTimersByTimeAsync(unusedFor)
      expect(pool.size).toBe(evicted ? 0 : 1)
      expect(pool.peek('alice')).toBe(evicted ? undefined : alice)
      expect(await destroyed(alice)).toBe(evicted)
    })

    it('a use restarts the idle time; an evicted user gets a new session on the next use', async () => {
      const pool = createSessionPool({ create: userSession, idleMs: 1_000 })
      const alice = pool.get('alice')
      pool.get('bob')
      await vi.advanceTimersByTimeAsync(600)
      expect(pool.get('alice')).toBe(alice)
      await vi.advanceTimersByTimeAsync(600) // bob idle 1,200 ms, alice 600 ms
      expect([pool.peek('alice'), pool.peek('bob')]).toEqual([alice, undefined])
      await vi.advanceTimersByTimeAsync(400)
      expect(pool.size).toBe(0)
      const again = pool.get('alice')
      expect(again).not.toBe(alice)
      expect(await destroyed(again)).toBe(false)
    })

    it('past maxSessions the least recently used session is destroyed first', async () => {
      const pool = createSessionPool({ create: userSession, maxSessions: 2 })
      const a = pool.get('a')
      const b = pool.get('b')
      vi.advanceTimersByTime(1)
      pool.get('a') // b is now the least recently used
      const c = pool.get('c')
      expect([pool.peek('a'), pool.peek('b'), pool.peek('c')]).toEqual([a, undefined, c])
      expect(await destroyed(b)).toBe(true)
      expect(await destroyed(a)).toBe(false)
      expect(pool.size).toBe(2)
    })

    it('an idle pool holds no timer once it is empty, and destroy() stops it', async () => {
      const pool = createSessionPool({ create: userSession, idleMs: 1_000 })
      pool.get('a')
      expect(vi.getTimerCount()).toBe(1)
      await vi.advanceTimersByTimeAsync(1_000)
      expect(vi.getTimerCount()).toBe(0)
      pool.get('b')
      await pool.destroy()
      expect(vi.getTimerCount()).toBe(0)
      expect(() => pool.get('c')).toThrow(/destroyed/)
    })
  })

  it('eviction lets a refresh shared through a coordinator finish and be stored; destroy() waits for it', async () => {
    const answer = deferred<Tokens>()
    const strategy = countingStrategy(() => answer.promise)
    const store = memoryStore<Tokens>()
    const shared: Coordinator = { refresh: (_stale, work) => work() } // stands in for redisCoordination
    const pool = createSessionPool({
      create: () => createSession({ strategy, tokens: { accessToken: 'old' }, store, coordinator: shared }),
      maxSessions: 1,
    })
    const alice = pool.get('alice')
    alice.refresh().catch(() => {})
    await flush()
    expect(strategy.calls).toBe(1)
    pool.get('bob') // alice evicted mid-refresh
    let done = false
    const closing = pool.destroy().then(() => {
      done = true
    })
    await flush()
    expect(done).toBe(false)
    expect(strategy.signals[0]?.aborted).toBe(false)
    answer.resolve({ accessToken: 'new' })
    await closing
    expect(await store.get()).toEqual({ accessToken: 'new' })
  })

  it("a session mid-refresh is not evicted past maxSessions: the next least recently used goes; destroy() lets the refresh reach the user's own store", async () => {
    const answer = deferred<Tokens>()
    const strategy = countingStrategy((call) => (call === 1 ? answer.promise : { accessToken: `t${call}` }))
    const stores = new Map<string, ReturnType<typeof memoryStore<Tokens>>>()
    const pool = createSessionPool({
      create: (user: string) => {
        const store = memoryStore<Tokens>()
        stores.set(user, store)
        return createSession({ strategy, tokens: { accessToken: `${user}-old`, refreshToken: 'r0' }, store })
      },
      maxSessions: 2,
    })
    const alice = pool.get('alice')
    alice.refresh().catch(() => {})
    await flush()
    const bob = pool.get('bob')
    await flush() // bob's store read: done, bob is idle
    pool.get('carol') // alice is the least recently used, but refreshing: bob goes
    expect([pool.peek('alice'), pool.peek('bob')]).toEqual([alice, undefined])
    expect(await destroyed(bob)).toBe(true)
    const closing = pool.destroy()
    expect(strategy.signals[0]?.aborted).toBe(false)
    answer.resolve({ accessToken: 'new', refreshToken: 'r1' })
    await closing
    expect(await stores.get('alice')?.get()).toEqual({ accessToken: 'new', refreshToken: 'r1' })
  })

  it('past maxSessions with every other session in use, get() hands out a live session: the new one is never the one evicted', async () => {
    const answer = deferred<Tokens>()
    const strategy = countingStrategy(() => answer.promise)
    const pool = createSessionPool({ create: (user: string) => createSession({ strategy, tokens: { accessToken: `${user}-old` } }), maxSessions: 1 })
    const alice = pool.get('alice')
    alice.refresh().catch(() => {})
    await flush()
    const bob = pool.get('bob') // alice is refreshing: the pool holds both for now
    expect([pool.peek('alice'), pool.peek('bob')]).toEqual([alice, bob])
    expect(await bob.getAccessToken()).toBe('bob-old')
    answer.resolve({ accessToken: 'alice-new' })
    await flush()
    pool.get('carol') // both idle now: room is made for carol
    expect(pool.size).toBe(1)
    await pool.destroy()
  })

  it('a session whose store missed its rotated tokens (a write failed) is not evicted until a retry lands: the next session reads them', async () => {
    let down = true
    const saved = new Map<string, Tokens>()
    const storeOf = (user: string) => ({
      get: () => saved.get(user),
      set: (tokens: Tokens) => {
        if (down) throw new Error('store down')
        saved.set(user, tokens)
      },
      delete: () => void saved.delete(user),
    })
    const strategy = countingStrategy((call, current) => ({ accessToken: `${current.accessToken}-${call}`, refreshToken: `r${call}` }))
    const pool = createSessionPool({ create: (user: string) => createSession({ strategy, tokens: { accessToken: user, refreshToken: 'r0' }, store: storeOf(user) }), maxSessions: 1 })
    const alice = pool.get('alice')
    await alice.refresh() // rotated to r1; its write failed
    pool.get('bob') // alice's store is behind: she stays
    expect(pool.peek('alice')).toBe(alice)
    down = false
    await new Promise((resolve) => setTimeout(resolve, 1_050)) // a failed store is asked again at most once a second
    pool.get('carol') // looking at alice retries her write
    await flush()
    expect(saved.get('alice')).toMatchObject({ refreshToken: 'r1' })
    pool.get('dave') // written: she goes now
    expect(pool.peek('alice')).toBeUndefined()
    await expect(pool.get('alice').getAccessToken()).resolves.toBe('alice-1')
    await pool.destroy()
  })

  it('a session its user destroyed is not handed out again: the next get() makes a new one, which loads the user’s store', async () => {
    const stores = new Map<string, ReturnType<typeof memoryStore>>()
    const storeOf = (user: string) => stores.get(user) ?? stores.set(user, memoryStore()).get(user)
    const pool = createSessionPool({ create: (user: string) => createSession({ strategy: countingStrategy(), tokens: { accessToken: `${user}-token` }, store: storeOf(user) }) })
    const first = pool.get('ann')
    await first.setTokens({ accessToken: 'ann-signed-in' })
    await first.destroy()
    const second = pool.get('ann')
    expect(second).not.toBe(first)
    expect(await second.getAccessToken()).toBe('ann-signed-in')
    expect(pool.size).toBe(1)
    await pool.destroy()
  })

  it.each(['its user destroyed', 'delete() let go of'])('a session %s mid-refresh is replaced only once the refresh has stored what it got', async (how) => {
    const store = memoryStore()
    const gate = deferred()
    const strategy = countingStrategy(async () => {
      await gate.promise
      return { accessToken: 'ann-rotated', refreshToken: 'r1' }
    })
    const pool = createSessionPool({ create: () => createSession({ strategy, tokens: { accessToken: 'ann-0', refreshToken: 'r0' }, store }) })
    const first = pool.get('ann')
    void first.refresh().catch(() => {})
    await flush()
    const destroyed = how === 'its user destroyed' ? first.destroy() : pool.delete('ann') // resolves once the refresh has ended
    await flush()
    expect(pool.get('ann')).toBe(first) // its refresh still runs: a new session would read r0
    gate.resolve()
    await destroyed
    await vi.waitFor(async () => expect((await store.get())?.refreshToken).toBe('r1'))
    await vi.waitFor(() => expect(pool.get('ann')).not.toBe(first))
    expect(await pool.get('ann').getAccessToken()).toBe('ann-rotated')
    await pool.destroy()
  })

  it('a create() asking the pool for the key it is creating fails, and the pool keeps one session per key', () => {
    const pool: ReturnType<typeof createSessionPool<string>> = createSessionPool<string>({
      create: (user) => {
        pool.get(user)
        return userSession(user)
      },
      maxSessions: 2,
    })
    expect(() => pool.get('alice')).toThrow(/create\(\) asked the session pool for the key it is creating/)
    expect(pool.size).toBe(0)
  })

  it('a create() that destroys the pool: get() throws, and the session it made is destroyed, not held', async () => {
    let made: Session | undefined
    const pool: ReturnType<typeof createSessionPool<string>> = createSessionPool<string>({
      create: (user) => {
        void pool.destroy()
        made = userSession(user)
        return made
      },
    })
    expect(() => pool.get('alice')).toThrow(/destroyed/)
    expect(pool.size).toBe(0)
    expect(await destroyed(made as Session)).toBe(true)
  })

  // Its requests wait on it: evicted, they would fail with "destroyed" though the user is active.
  it('a session whose store’s first read outlasts idleMs is not evicted: the request waiting on it gets its token', async () => {
    const read = deferred<Tokens | undefined>()
    const pool = createSessionPool({
      create: () => createSession({ strategy: countingStrategy(), store: { get: () => read.promise, set: () => {}, delete: () => {} } }),
      idleMs: 20,
    })
    const alice = pool.get('alice')
    const token = alice.getAccessToken()
    await new Promise((resolve) => setTimeout(resolve, 100)) // several idle periods
    expect(pool.peek('alice')).toBe(alice)
    read.resolve({ accessToken: 'alice-token' })
    await expect(token).resolves.toBe('alice-token')
    await new Promise((resolve) => setTimeout(resolve, 100)) // idle now: evicted
    expect(pool.size).toBe(0)
  })

  it('a clock set back by a month: the idle timer waits idleMs at most, it does not spin', async () => {
    let offset = 0
    let reads = 0
    const now = (): number => {
      reads++
      return Date.now() + offset
    }
    const pool = createSessionPool({ create: userSession, idleMs: 100, now })
    const alice = pool.get('alice')
    offset = -30 * 86_400_000 // past setTimeout's 2^31 - 1 ms, which Node fires after 1 ms
    reads = 0
    await new Promise((resolve) => setTimeout(resolve, 450))
    expect(reads).toBeLessThan(20) // a sweep per idleMs; spinning, several hundred
    expect(pool.peek('alice')).toBe(alice) // used "in the future": not idle by this clock
    await pool.destroy()
  })

  it('a clock that reads NaN: get() fails with a TypeError naming now(), and no timer spins', () => {
    const pool = createSessionPool({ create: userSession, now: () => Number.NaN })
    expect(() => pool.get('alice')).toThrow(/now\(\)/)
    expect(pool.size).toBe(0)
  })

  describe('as the session resolver of attachAxios and wrapFetch', () => {
    let api: ResourceServer | undefined
    afterEach(() => api?.stop())

    it('each user’s requests carry their own token; a request without a user goes without one', async () => {
      api = await startResourceServer(() => true)
      const pool = createSessionPool({ create: userSession })
      const authedFetch = wrapFetch(fetch, pool.resolver((request: Request) => request.headers.get('x-user') ?? undefined), { origins: [api.url] })
      await authedFetch(`${api.url}/a`, { headers: { 'x-user': 'alice' } })
      await authedFetch(`${api.url}/b`, { headers: { 'x-user': 'bob' } })
      await authedFetch(`${api.url}/anonymous`)
      expect(api.requests.map((r) => `${r.path} ${r.authorization}`)).toEqual(['/a Bearer alice-token', '/b Bearer bob-token', '/anonymous undefined'])
      expect(pool.size).toBe(2)
      await pool.destroy()
    })

    it('axios: each user’s requests carry their own token', async () => {
      api = await startResourceServer(() => true)
      const pool = createSessionPool({ create: userSession })
      const client = axios.create({ baseURL: api.url })
      attachAxios(client, pool.resolver((config: InternalAxiosRequestConfig) => config.headers.get('x-user')?.toString()))
      await client.get('/a', { headers: { 'x-user': 'alice' } })
      await client.get('/b', { headers: { 'x-user': 'bob' } })
      expect(api.requests.map((r) => `${r.path} ${r.authorization}`)).toEqual(['/a Bearer alice-token', '/b Bearer bob-token'])
      await pool.destroy()
    })
  })

  describe('validation', () => {
    it.each([
      [undefined, /`options` to be an object/],
      [{}, /`create` to be a function/],
      [{ create: userSession, idleMs: 0 }, /`idleMs` to be a whole number of milliseconds/],
      [{ create: userSession, idleMs: 1.5 }, /`idleMs`/],
      [{ create: userSession, maxSessions: 0 }, /`maxSessions` to be a whole number ≥ 1, got `0`/],
      [{ create: userSession, now: 5 }, /`now` to be a function/],
      [{ create: userSession, maxSesions: 5 }, /Unknown option `maxSesions`/],
    ])('%o is refused with a TypeError naming the option', (options, message) => {
      expect(() => createSessionPool(options as never)).toThrow(TypeError)
      expect(() => createSessionPool(options as never)).toThrow(message)
    })
  })
})
