import Redis from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { missing } from '../_helpers/requires.js'
import { createSession, RefreshError, SessionExpiredError, type Strategy, type Tokens } from '../../src/index.js'
import { type RedisClient, redisCoordination, redisStore } from '../../src/redis.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'
import { deferred, flush } from '../_helpers/deferred.js'
import { type RedisServer, startRedisServer } from '../_helpers/redis-server.js'

describe.skipIf(missing('redis-server'))('needs redis-server', () => {
  let server: RedisServer
  const clients: Redis[] = []
  let keyIndex = 0
  beforeAll(async () => {
    server = await startRedisServer()
  })
  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect()
  })
  afterAll(async () => {
    await server?.dispose()
  })

  async function connect(): Promise<Redis> {
    const client = new Redis({ port: server.port, host: '127.0.0.1', enableOfflineQueue: false, maxRetriesPerRequest: 1 })
    clients.push(client)
    await new Promise((resolve) => client.once('ready', resolve))
    return client
  }
  const nextKey = () => `tokenflight:test:${++keyIndex}`
  // Polls until `check` holds (or 2 s pass), for effects that travel through pub/sub.
  const until = async (check: () => boolean | Promise<boolean>) => {
    for (let i = 0; i < 200 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 10))
  }

  // A provider that rotates refresh tokens and detects reuse, as FIB does; `hold` delays a call.
  function rotatingProvider(hold?: (call: number, signal: AbortSignal) => Promise<void> | undefined) {
    const state = { live: 'r0', reuse: 0 }
    const strategy = countingStrategy(async (call, current, { signal }) => {
      await hold?.(call, signal)
      if (current.refreshToken !== state.live) {
        state.reuse++
        throw new RefreshError('refresh token reused', { transient: false, status: 401 })
      }
      state.live = `r${call}`
      return { accessToken: `token-${call}`, refreshToken: state.live }
    })
    return { strategy, reuses: () => state.reuse }
  }
  // `real`, with some commands replaced to fail on cue.
  const faulty = (real: Redis, overrides: Partial<RedisClient>): RedisClient => ({
    get: (k) => real.get(k),
    set: (...args: [string, string]) => real.set(...args),
    del: (k) => real.del(k),
    publish: (c, m) => real.publish(c, m),
    duplicate: () => real.duplicate(),
    eval: (script, count, ...rest) => real.eval(script, count, ...rest),
    ...overrides,
  })

  // A session sharing `key` through its own client, which reconnects every 50 ms across a restart.
  async function outageSession(strategy: Strategy<Tokens>, key: string, options: { lockTtlMs?: number; coordinationWaitMs: number }) {
    const client = new Redis({ port: server.port, host: '127.0.0.1', enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 50 })
    client.on('error', () => {})
    clients.push(client)
    await new Promise((resolve) => client.once('ready', resolve))
    const shared = redisCoordination<Tokens>({ client, key, pollIntervalMs: 20, ...options })
    return createSession({ strategy, tokens: { accessToken: 'token-0', refreshToken: 'r0' }, ...shared })
  }

  describe('redisStore', () => {
    it('stores tokens as JSON under one key and reads them back; a corrupt value reads as absent', async () => {
      const client = await connect()
      const key = nextKey()
      const store = redisStore({ client, key })
      await store.set({ accessToken: 'a', refreshToken: 'r' })
      expect(JSON.parse((await client.get(key)) ?? '')).toEqual({ accessToken: 'a', refreshToken: 'r' })
      await expect(store.get()).resolves.toEqual({ accessToken: 'a', refreshToken: 'r' })
      await client.set(key, '{not json')
      await expect(store.get()).resolves.toBeUndefined()
      await store.delete()
      await expect(client.get(key)).resolves.toBeNull()
    })

    it('a fenced write fails when another process changed the tokens since they were read', async () => {
      const client = await connect()
      const key = nextKey()
      const store = redisStore({ client, key })
      await store.set({ accessToken: 'a' })
      const seen = await store.readRaw()
      await client.set(key, JSON.stringify({ accessToken: 'written-by-another-process' }))
      store.guardNextWrite(seen)
      await expect(store.set({ accessToken: 'late' })).rejects.toBeInstanceOf(RefreshError)
      await expect(store.get()).resolves.toEqual({ accessToken: 'written-by-another-process' })
    })
  })

  describe('redisCoordination', () => {
    async function pair(strategy = countingStrategy()) {
      const key = nextKey()
      const make = async () => {
        const client = await connect()
        return createSession({ strategy, tokens: { accessToken: 'token-0', refreshToken: 'r0' }, ...redisCoordination<Tokens>({ client, key }) })
      }
      const sessions = { key, strategy, a: await make(), b: await make() }
      await new Promise((resolve) => setTimeout(resolve, 100)) // both subscriptions are live
      return sessions
    }

    it('two processes failing on the same token refresh once; the other adopts the result', async () => {
      const gate = deferred()
      const { strategy, a, b } = await pair(
        countingStrategy(async (call, current) => {
          await gate.promise
          return { ...current, accessToken: `token-${call}` }
        }),
      )
      await a.getTokens()
      await b.getTokens()
      const first = a.handleAuthFailure('token-0')
      const second = b.handleAuthFailure('token-0')
      await new Promise((resolve) => setTimeout(resolve, 50))
      gate.resolve()
      const [ta, tb] = await Promise.all([first, second])
      expect(strategy.calls).toBe(1)
      expect(ta?.accessToken).toBe('token-1')
      expect(tb?.accessToken).toBe('token-1')
    })

    it('a process that is not refreshing adopts the new tokens from the notification', async () => {
      const { a, b } = await pair()
      await b.getTokens()
      await a.refresh()
      await until(async () => (await b.getAccessToken()) === 'token-1')
      await expect(b.getAccessToken()).resolves.toBe('token-1')
    })

    it('a terminal answer is checked against Redis first: tokens rotated elsewhere are adopted, not an expiry', async () => {
      const key = nextKey()
      const client = await connect()
      const strategy = countingStrategy(async () => {
        // Another process rotated the refresh token just before this call was answered.
        await client.set(key, JSON.stringify({ accessToken: 'rotated-elsewhere', refreshToken: 'r9' }))
        throw new RefreshError('refresh token reused', { transient: false, status: 401 })
      })
      const session = createSession({ strategy, tokens: { accessToken: 'token-0' }, ...redisCoordination<Tokens>({ client, key }) })
      let expired = 0
      session.on('expired', () => expired++)
      await expect(session.handleAuthFailure('token-0')).resolves.toMatchObject({ accessToken: 'rotated-elsewhere' })
      expect(expired).toBe(0)
    })

    it('setTokens is announced: other processes adopt a new sign-in', async () => {
      const { a, b } = await pair()
      await a.getTokens()
      await b.getTokens()
      await a.setTokens({ accessToken: 'signed-in-again', refreshToken: 'r-new' })
      await until(async () => (await b.getAccessToken()) === 'signed-in-again')
      await expect(b.getAccessToken()).resolves.toBe('signed-in-again')
    })

    it('Redis goes down while a process refreshes under the lock: its tokens reach Redis before the lock goes, and no one reuses the old refresh token', async () => {
      const gate = deferred()
      const { strategy, reuses } = rotatingProvider((call) => (call === 1 ? gate.promise : undefined))
      const key = nextKey()
      const a = await outageSession(strategy, key, { lockTtlMs: 5_000, coordinationWaitMs: 10_000 })
      const b = await outageSession(strategy, key, { lockTtlMs: 5_000, coordinationWaitMs: 10_000 })
      await a.getTokens()
      await b.getTokens()
      const refreshing = a.handleAuthFailure('token-0')
      await until(() => strategy.calls === 1)
      await server.stop()
      gate.resolve()
      await expect(refreshing).resolves.toMatchObject({ accessToken: 'token-1' }) // written nowhere yet
      const waiting = b.handleAuthFailure('token-0')
      await new Promise((resolve) => setTimeout(resolve, 1_200)) // b keeps asking Redis for the lock
      await server.start()
      await expect(waiting).resolves.toMatchObject({ accessToken: 'token-1' })
      // a's next refresh uses its own newer tokens, never the older ones Redis held during the outage.
      await expect(a.refresh()).resolves.toBe('token-2')
      await until(async () => (await b.getAccessToken()) === 'token-2')
      expect({ calls: strategy.calls, reuse: reuses(), b: await b.getAccessToken() }).toEqual({ calls: 2, reuse: 0, b: 'token-2' })
      a.destroy()
      b.destroy()
    }, 15_000)

    it('a write of rotated tokens that fails keeps the lock until it is written back; meanwhile Redis\'s older tokens are not adopted', async () => {
      const { strategy, reuses } = rotatingProvider()
      const key = nextKey()
      const real = await connect()
      // a's token write (a fenced script) times out three times although Redis is up: when made,
      // when a's next refresh reaches Redis, and on the first retry 300 ms on. The next retry goes in.
      let failWrites = 3
      const flaky = faulty(real, {
        eval: (script, count, ...rest) => (script.includes("'SET'") && failWrites-- > 0 ? Promise.reject(new Error('timed out')) : real.eval(script, count, ...rest)),
      })
      const options = { key, pollIntervalMs: 300 }
      const a = createSession({ strategy, tokens: { accessToken: 'token-0', refreshToken: 'r0' }, ...redisCoordination<Tokens>({ client: flaky, ...options }) })
      const b = createSession({ strategy, tokens: { accessToken: 'token-0', refreshToken: 'r0' }, ...redisCoordination<Tokens>({ client: await connect(), ...options }) })
      await a.getTokens()
      await b.getTokens()
      await expect(a.handleAuthFailure('token-0')).resolves.toMatchObject({ accessToken: 'token-1' })
      expect(await real.get(key)).toContain('token-0') // not written yet
      // Both need the next refresh at once: b must wait for a's tokens, a must not take Redis's older ones.
      const [fromA, fromB] = await Promise.all([a.refresh(), b.handleAuthFailure('token-0')])
      expect({ fromA, fromB: fromB?.accessToken, calls: strategy.calls, reuse: reuses() }).toEqual({ fromA: 'token-2', fromB: 'token-1', calls: 2, reuse: 0 })
      a.destroy()
      b.destroy()
    })

    it('a process that could not reach Redis at start adopts the tokens others rotated, not refresh with its spent initial ones', async () => {
      const { strategy, reuses } = rotatingProvider()
      const key = nextKey()
      const real = await connect()
      const initial = { accessToken: 'token-0', refreshToken: 'r0' }
      const a = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: real, key }) })
      await expect(a.refresh()).resolves.toBe('token-1')
      // c's first read and its seed write fail (not connected yet), and its write-backs keep failing.
      let down = 2
      const late = faulty(real, {
        get: (k) => (down-- > 0 ? Promise.reject(new Error('not connected')) : real.get(k)),
        set: (...args: [string, string]) => (args.length === 2 && down-- > 0 ? Promise.reject(new Error('not connected')) : real.set(...args)),
        eval: (script, count, ...rest) => (script.includes("'SET'") ? Promise.reject(new Error('timed out')) : real.eval(script, count, ...rest)),
      })
      const c = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: late, key, pollIntervalMs: 20 }) })
      await expect(c.getTokens()).resolves.toMatchObject({ accessToken: 'token-0' })
      await expect(c.handleAuthFailure('token-0')).resolves.toMatchObject({ accessToken: 'token-1' })
      expect({ calls: strategy.calls, reuse: reuses() }).toEqual({ calls: 1, reuse: 0 })
      a.destroy()
      c.destroy()
    })

    it('destroying a session mid-refresh releases its callers but lets the shared refresh finish: the others adopt it, no reuse', async () => {
      // Aborting it instead could leave the provider rotated and Redis holding the spent token.
      const gate = deferred()
      const { strategy, reuses } = rotatingProvider(async (call, signal) => {
        if (call === 1) await gate.promise
        if (signal.aborted) throw signal.reason
      })
      const key = nextKey()
      const client = await connect()
      const initial = { accessToken: 'token-0', refreshToken: 'r0' }
      const options = { key, pollIntervalMs: 20 }
      const a = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client, ...options }) })
      const b = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: await connect(), ...options }) })
      await a.getTokens()
      await b.getTokens()
      const leaving = a.handleAuthFailure('token-0')
      await until(() => strategy.calls === 1)
      let destroyed = false
      const closing = a.destroy().then(() => {
        destroyed = true
      })
      await expect(leaving).rejects.toBeInstanceOf(SessionExpiredError) // its callers are not kept waiting
      const waiting = b.handleAuthFailure('token-0')
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(destroyed).toBe(false) // destroy() resolves once the shared refresh is stored
      gate.resolve()
      await closing
      await client.quit()
      await expect(waiting).resolves.toMatchObject({ accessToken: 'token-1' })
      expect({ calls: strategy.calls, reuse: reuses() }).toEqual({ calls: 1, reuse: 0 })
      await b.destroy()
    })

    it('Redis failing right after the lock was taken is waited out like an outage, not handed to the callers', async () => {
      const real = await connect()
      let failGets = 0
      let failReleases = 0
      const client = faulty(real, {
        get: (k) => (failGets-- > 0 ? Promise.reject(new Error('Reached the max retries per request limit')) : real.get(k)),
        eval: (script, count, ...rest) => (script.includes("'DEL'") && failReleases-- > 0 ? Promise.reject(new Error('Connection is closed')) : real.eval(script, count, ...rest)),
      })
      const key = nextKey()
      const strategy = countingStrategy()
      const session = createSession({ strategy, tokens: { accessToken: 'token-0' }, ...redisCoordination<Tokens>({ client, key, pollIntervalMs: 20, lockTtlMs: 5_000 }) })
      await session.getTokens()
      failGets = 1
      failReleases = 1 // and the release fails too: the lock it finds back is its own, not a stranger's to wait out
      const began = performance.now()
      await expect(session.handleAuthFailure('token-0')).resolves.toMatchObject({ accessToken: 'token-1' })
      expect(performance.now() - began).toBeLessThan(2_000)
      expect(strategy.calls).toBe(1)
      expect(await real.get(`${key}:lock`)).toBeNull()
      await session.destroy()
    })

    it('Redis down past coordinationWaitMs: tokens refreshed alone reach Redis when it is back, coordinationRestored fires, the others adopt them', async () => {
      const { strategy, reuses } = rotatingProvider()
      const key = nextKey()
      const a = await outageSession(strategy, key, { coordinationWaitMs: 150 })
      const b = await outageSession(strategy, key, { coordinationWaitMs: 150 })
      const events: string[] = []
      a.on('coordinationDegraded', () => events.push('degraded'))
      a.on('coordinationRestored', () => events.push('restored'))
      await a.getTokens()
      await b.getTokens()
      await server.stop()
      await expect(a.refresh()).resolves.toBe('token-1') // alone, after coordinationWaitMs
      expect(events).toEqual(['degraded'])
      await server.start()
      await until(() => events.length === 2)
      expect(events).toEqual(['degraded', 'restored'])
      const stored = JSON.parse((await (await connect()).get(key)) ?? 'null')
      expect(stored).toMatchObject({ accessToken: 'token-1', refreshToken: 'r1' })
      // b never refreshed: its next refresh finds a's tokens in Redis and makes no call.
      await expect(b.handleAuthFailure('token-0')).resolves.toMatchObject({ accessToken: 'token-1' })
      expect({ calls: strategy.calls, reuse: reuses() }).toEqual({ calls: 1, reuse: 0 })
      await a.destroy()
      await b.destroy()
    }, 15_000)

    it('an unreachable Redis: requests keep the last tokens; a refresh waits coordinationWaitMs, then goes alone and says so', async () => {
      const client = new Redis({ port: 1, host: '127.0.0.1', enableOfflineQueue: false, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
      client.on('error', () => {})
      const strategy = countingStrategy()
      const session = createSession({
        strategy,
        tokens: { accessToken: 'token-0' },
        ...redisCoordination<Tokens>({ client, key: nextKey(), coordinationWaitMs: 150, pollIntervalMs: 20 }),
      })
      const degraded: Error[] = []
      session.on('coordinationDegraded', ({ error }) => degraded.push(error))
      await expect(session.getAccessToken()).resolves.toBe('token-0')
      const began = performance.now()
      await expect(session.refresh()).resolves.toBe('token-1')
      expect(performance.now() - began).toBeGreaterThanOrEqual(140)
      expect(degraded).toHaveLength(1)
      expect(strategy.calls).toBe(1)
      await flush()
      client.disconnect()
    })
  })
})
