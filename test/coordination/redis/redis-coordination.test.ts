import { describe, expect, it } from 'vitest'
import Redis from 'ioredis'
import { createSession, InvalidRefreshResponseError, RefreshError, RefreshTimeoutError, type Session, SessionExpiredError, type Strategy, type Tokens } from '../../../src/index.js'
import { redisCoordination, sharedSubscriber } from '../../../src/redis.js'
import { countingStrategy } from '../../_helpers/counting-strategy.js'
import { rotationBesideAccess } from '../../_helpers/rotation-beside-access.js'
import { deferred, flush } from '../../_helpers/deferred.js'
import { useRedisServer } from '../../_helpers/redis-server.js'
import { afterRefusal, faulty, rotatingProvider, tokensForSend, until } from '../../_helpers/redis-sessions.js'
import { missing } from '../../_helpers/requires.js'

const initial = { accessToken: 'token-0', refreshToken: 'r0' }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.skipIf(missing('redis-server'))('redisCoordination against redis-server', () => {
  const redis = useRedisServer()

  // A session sharing `key` through its own client, which reconnects every 50 ms across a restart.
  async function outageSession(strategy: Strategy<Tokens>, key: string, options: { lockTtlMs?: number; coordinationWaitMs: number }) {
    const client = await redis.connect({ retryStrategy: () => 50 })
    return createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client, key, pollIntervalMs: 20, ...options }) })
  }

  // Two sessions on `key` whose own commands fail with `failure` while `down[name]` (an outage or a
  // refusal as each client meets it, the server up meanwhile). `readsPass`: a refusal of writes lets GET through.
  async function cutPair(strategy: Strategy<Tokens>, options: { key: string; lockTtlMs: number }, failure: string, { readsPass = false, deafB = false } = {}) {
    const down = { a: false, b: false }
    const deaf = { subscribe: async () => {}, on() {}, disconnect() {} } as unknown as ReturnType<Redis['duplicate']>
    const cut = async (name: 'a' | 'b') => {
      const real = await redis.connect()
      const failing = <R>(run: () => Promise<R>): Promise<R> => (down[name] ? Promise.reject(new Error(failure)) : run())
      const client = faulty(real, {
        get: (k) => (readsPass ? real.get(k) : failing(() => real.get(k))),
        set: (...args: [string, string]) => failing(() => real.set(...args)),
        eval: (script, count, ...rest) => failing(() => real.eval(script, count, ...rest)),
        publish: (c, m) => failing(() => real.publish(c, m)),
        ...(deafB && name === 'b' ? { duplicate: () => deaf } : {}),
      })
      return createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client, coordinationWaitMs: 10_000, pollIntervalMs: 20, ...options }) })
    }
    const sessions = { down, a: await cut('a'), b: await cut('b') }
    await Promise.all([tokensForSend(sessions.a), tokensForSend(sessions.b)])
    return sessions
  }

  // After a restart: waits (up to 10 s, a loaded machine reconnects slowly) until `count` sessions of `key` listen to its notices again.
  async function resubscribed(key: string, count: number): Promise<void> {
    const admin = await redis.connect({ retryStrategy: () => 50 })
    const listening = async () => Number(((await admin.pubsub('NUMSUB', `{${key}}:refreshed`)) as [string, number])[1])
    for (const deadline = Date.now() + 10_000; Date.now() < deadline && (await listening().catch(() => 0)) < count; ) await sleep(50)
  }

  // Refreshes token-0 under the lock held by the gate, stops Redis, then lets the provider answer: token-1, written nowhere yet.
  async function refreshCutOff(session: Session<Tokens>, strategy: { calls: number }, gate: { resolve(): void }): Promise<void> {
    const refreshing = afterRefusal(session, 'token-0')
    await until(() => strategy.calls === 1)
    await redis.server.stop()
    gate.resolve()
    await expect(refreshing).resolves.toMatchObject({ accessToken: 'token-1' })
  }

  // b never refreshed: its next refresh finds a's token-1 in Redis and makes no call, and nothing was reused.
  async function adoptsWithoutCall(b: Session<Tokens>, strategy: { calls: number }, reuses: () => number): Promise<void> {
    await expect(afterRefusal(b, 'token-0')).resolves.toMatchObject({ accessToken: 'token-1' })
    expect({ calls: strategy.calls, reuse: reuses() }).toEqual({ calls: 1, reuse: 0 })
  }

  async function pair(strategy: Strategy<Tokens> = countingStrategy(), options: { lockTtlMs?: number; pollIntervalMs?: number } = {}) {
    const key = redis.nextKey()
    const make = async () => createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: await redis.connect(), key, ...options }) })
    const sessions = { key, a: await make(), b: await make() }
    await sleep(100) // both subscriptions are live
    return sessions
  }

  describe('one refresh for all processes', () => {
    it('two processes failing on the same token refresh once; the other adopts the result', async () => {
      const gate = deferred()
      const strategy = countingStrategy(async (call, current) => {
        await gate.promise
        return { ...current, accessToken: `token-${call}` }
      })
      const { a, b } = await pair(strategy)
      await tokensForSend(a)
      await tokensForSend(b)
      const first = afterRefusal(a, 'token-0')
      const second = afterRefusal(b, 'token-0')
      await sleep(50)
      gate.resolve()
      const [ta, tb] = await Promise.all([first, second])
      expect({ calls: strategy.calls, a: ta?.accessToken, b: tb?.accessToken }).toEqual({ calls: 1, a: 'token-1', b: 'token-1' })
    })

    // Its own notice (or the one another process sent) often lands before the refresh returns.
    it('every process that started a refresh hears it end: refreshing, then refreshed, on the refresher and on the waiter', async () => {
      const gate = deferred()
      const strategy = countingStrategy(async (call, current) => {
        await gate.promise
        return { ...current, accessToken: `token-${call}` }
      })
      const { a, b } = await pair(strategy)
      const heard = { a: [] as string[], b: [] as string[] }
      for (const [name, session] of [['a', a], ['b', b]] as const) {
        for (const type of ['refreshing', 'refreshed', 'refreshFailed'] as const) session.on(type, () => heard[name].push(type))
      }
      await tokensForSend(a)
      await tokensForSend(b)
      const first = afterRefusal(a, 'token-0')
      await sleep(20)
      const second = afterRefusal(b, 'token-0')
      await sleep(50)
      gate.resolve()
      await Promise.all([first, second])
      await sleep(50)
      expect(heard).toEqual({ a: ['refreshing', 'refreshed'], b: ['refreshing', 'refreshed'] })
    })

    it('a process that is not refreshing adopts the new tokens from the notification', async () => {
      const { a, b } = await pair()
      await tokensForSend(b)
      await a.refresh()
      await until(async () => (await b.getAccessToken()) === 'token-1')
      await expect(b.getAccessToken()).resolves.toBe('token-1')
    })

    it('a terminal answer is checked against Redis first: tokens rotated elsewhere are adopted, not an expiry', async () => {
      const key = redis.nextKey()
      const client = await redis.connect()
      const strategy = countingStrategy(async () => {
        // Another process rotated the refresh token just before this call was answered.
        await client.set(key, JSON.stringify({ accessToken: 'rotated-elsewhere', refreshToken: 'r9' }))
        throw new RefreshError('refresh token reused', { transient: false, status: 401 })
      })
      const session = createSession({ strategy, tokens: { accessToken: 'token-0' }, ...redisCoordination<Tokens>({ client, key }) })
      let expired = 0
      session.on('expired', () => expired++)
      await expect(afterRefusal(session, 'token-0')).resolves.toMatchObject({ accessToken: 'rotated-elsewhere' })
      expect(expired).toBe(0)
    })

    // In a fleet every process but one loses the seed: that is the fence working, not a store failure.
    it('a process whose seed finds the key taken yields without a storeFailed, never writes its initial tokens later, and its sign-in still overwrites', async () => {
      const key = redis.nextKey()
      const real = await redis.connect()
      const seeded = deferred()
      // b read the key while it was empty; its answer arrives after a's seed landed.
      const late = faulty(real, {
        get: async (k) => {
          const value = await real.get(k)
          await seeded.promise
          return value
        },
      })
      const a = createSession({ strategy: countingStrategy(), tokens: initial, ...redisCoordination<Tokens>({ client: await redis.connect(), key }) })
      const b = createSession({ strategy: countingStrategy(), tokens: initial, ...redisCoordination<Tokens>({ client: late, key }) })
      const failures: string[] = []
      for (const session of [a, b]) session.on('storeFailed', (event) => failures.push(event.error.message))
      const bReady = tokensForSend(b)
      await tokensForSend(a)
      await until(async () => (await real.get(key)) !== null)
      seeded.resolve()
      await bReady
      await sleep(100) // both subscriptions are live
      // The process whose seed lost signs in again at once: a sign-in overwrites, and the other adopts it.
      await b.setTokens({ accessToken: 'signed-in-again', refreshToken: 'r-new' })
      expect(JSON.parse(String(await real.get(key)))).toMatchObject({ accessToken: 'signed-in-again' })
      await until(async () => (await a.getAccessToken()) === 'signed-in-again')
      expect(await a.getAccessToken()).toBe('signed-in-again')
      await a.refresh()
      await sleep(1_050) // past the wait after a failed write
      await tokensForSend(b)
      await sleep(50)
      expect(JSON.parse(String(await real.get(key)))).toMatchObject({ accessToken: 'token-1' })
      expect(failures).toEqual([])
    })

    // Otherwise the other processes refresh the old login on and fill the key again: the sign-out undone.
    it('clear() is announced: other processes sign out too, and nothing fills the key again', async () => {
      const { key, a, b } = await pair()
      await tokensForSend(a)
      await tokensForSend(b)
      await a.clear()
      await until(() => b.state === 'signed-out')
      expect({ a: a.state, b: b.state }).toEqual({ a: 'signed-out', b: 'signed-out' })
      expect(await tokensForSend(b)).toBeUndefined()
      await expect(b.refresh()).rejects.toBeInstanceOf(SessionExpiredError)
      const reader = await redis.connect()
      expect(await reader.get(key)).toBeNull()
      // A sign-in after it reaches both again.
      await b.setTokens({ accessToken: 'signed-in-again', refreshToken: 'r-new' })
      await until(async () => (await tokensForSend(a))?.accessToken === 'signed-in-again')
      expect((await tokensForSend(a))?.accessToken).toBe('signed-in-again')
    })

    it('setTokens is announced: other processes adopt a new sign-in', async () => {
      const { a, b } = await pair()
      await tokensForSend(a)
      await tokensForSend(b)
      await a.setTokens({ accessToken: 'signed-in-again', refreshToken: 'r-new' })
      await until(async () => (await b.getAccessToken()) === 'signed-in-again')
      await expect(b.getAccessToken()).resolves.toBe('signed-in-again')
    })
  })

  describe('a rotated refresh token beside the same access token reaches every process', () => {
    it.each(['malformed', 'same access token'] as const)('first answer %s: the other process presents r1 next, never the spent r0', async (first) => {
      const { strategy, state } = rotationBesideAccess(first)
      const { a, b } = await pair(strategy)
      const answered = afterRefusal(a, 'token-0')
      if (first === 'malformed') await expect(answered).rejects.toBeInstanceOf(InvalidRefreshResponseError)
      else await expect(answered).resolves.toMatchObject({ accessToken: 'token-0', refreshToken: 'r1' })
      await sleep(100) // the notice reaches b
      const next = await b.refresh()
      expect({ next, presented: state.presented, reuse: state.reuse }).toEqual({ next: 'token-2', presented: ['r0', 'r1'], reuse: 0 })
      await Promise.all([a.destroy(), b.destroy()])
    })

    it('Redis refusing the write of the kept r1: the lock stays until it is written back, the other process never presents r0 again', async () => {
      const { strategy, state } = rotationBesideAccess('malformed')
      const key = redis.nextKey()
      const real = await redis.connect()
      const down = { write: true }
      // Only a's writes of the tokens key fail (its lock and notices go through).
      const client = faulty(real, {
        eval: (script, count, ...rest) =>
          down.write && count === 2 && rest[0] === key ? Promise.reject(new Error('OOM command not allowed')) : real.eval(script, count, ...rest),
      })
      const options = { key, pollIntervalMs: 20, lockTtlMs: 300 }
      const a = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client, ...options }) })
      const b = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: await redis.connect(), ...options }) })
      await sleep(100) // both subscriptions are live
      await expect(afterRefusal(a, 'token-0')).rejects.toBeInstanceOf(InvalidRefreshResponseError)
      const waiting = afterRefusal(b, 'token-0').catch((error: unknown) => error)
      await sleep(900) // three lock lifetimes: renewed by a, not taken by b
      expect(state.presented).toEqual(['r0'])
      down.write = false // a's write-back lands, then the lock is let go
      await waiting
      await b.refresh()
      expect({ reuse: state.reuse, r0: state.presented.filter((token) => token === 'r0').length }).toEqual({ reuse: 0, r0: 1 })
      await Promise.all([a.destroy(), b.destroy()])
    })
  })

  describe('the lock: short, renewed while its refresh runs, bounded for those who wait', () => {
    it('outlives a refresh whose provider never answers: renewed by its holder, no other process calls the provider meanwhile', async () => {
      const key = redis.nextKey()
      const hung = countingStrategy(() => new Promise<never>(() => {}))
      const other = countingStrategy()
      const options = { key, lockTtlMs: 150, pollIntervalMs: 20 }
      const a = createSession({ strategy: hung, tokens: initial, refreshTimeoutMs: 1_200, retry: false, ...redisCoordination<Tokens>({ client: await redis.connect(), ...options }) })
      const b = createSession({ strategy: other, tokens: initial, refreshTimeoutMs: 5_000, retry: false, ...redisCoordination<Tokens>({ client: await redis.connect(), ...options }) })
      await tokensForSend(a)
      await tokensForSend(b)
      const holding = afterRefusal(a, 'token-0').catch((error: unknown) => error)
      await until(() => hung.calls === 1)
      const waiting = afterRefusal(b, 'token-0')
      await sleep(900) // six lock lifetimes
      expect({ holderCalls: hung.calls, otherCalls: other.calls }).toEqual({ holderCalls: 1, otherCalls: 0 })
      expect(await (await redis.connect()).pttl(`{${key}}:lock`)).toBeGreaterThan(0)
      expect(await holding).toBeInstanceOf(RefreshTimeoutError) // the hung call times out; its lock goes with it
      await expect(waiting).resolves.toMatchObject({ accessToken: 'token-1' })
      expect(other.calls).toBe(1)
    })

    it('a holder that stops renewing (dead) loses the lock within lockTtlMs: the next process takes over and refreshes', async () => {
      const key = redis.nextKey()
      const raw = await redis.connect()
      await raw.set(`{${key}}:lock`, 'a-process-that-died', 'PX', 300)
      const strategy = countingStrategy()
      const session = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: await redis.connect(), key, lockTtlMs: 300, pollIntervalMs: 20 }) })
      await tokensForSend(session)
      const began = performance.now()
      await expect(afterRefusal(session, 'token-0')).resolves.toMatchObject({ accessToken: 'token-1' })
      expect(performance.now() - began).toBeLessThan(1_000)
      expect(strategy.calls).toBe(1)
    })

    it('a lock left without an expiry (a manual SET) is stale after lockTtlMs, not a block for ever', async () => {
      const key = redis.nextKey()
      const raw = await redis.connect()
      await raw.set(`{${key}}:lock`, 'no-expiry')
      const strategy = countingStrategy()
      const session = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: await redis.connect(), key, lockTtlMs: 300, pollIntervalMs: 20 }) })
      await tokensForSend(session)
      const began = performance.now()
      await expect(afterRefusal(session, 'token-0')).resolves.toMatchObject({ accessToken: 'token-1' })
      expect(performance.now() - began).toBeLessThan(1_500)
      expect(await raw.get(`{${key}}:lock`)).toBeNull()
    })

    it('waiting on a live holder is bounded by the session refresh deadline, then a transient RefreshTimeoutError', async () => {
      const key = redis.nextKey()
      const raw = await redis.connect()
      // A live holder in another process: it keeps renewing and never finishes.
      await raw.set(`{${key}}:lock`, 'a-live-process', 'PX', 200)
      const renewing = setInterval(() => void raw.pexpire(`{${key}}:lock`, 200), 50)
      try {
        const strategy = countingStrategy()
        const session = createSession({ strategy, tokens: initial, refreshTimeoutMs: 400, retry: false, ...redisCoordination<Tokens>({ client: await redis.connect(), key, pollIntervalMs: 20 }) })
        await tokensForSend(session)
        const began = performance.now()
        const error = await afterRefusal(session, 'token-0').catch((caught: unknown) => caught)
        const took = performance.now() - began
        expect(error).toBeInstanceOf(RefreshTimeoutError)
        expect(took).toBeGreaterThanOrEqual(390)
        expect(took).toBeLessThan(1_500) // not lockTtlMs + coordinationWaitMs
        expect(strategy.calls).toBe(0)
        expect(session.state).toBe('active') // transient: the next request tries again
      } finally {
        clearInterval(renewing)
      }
    })

    it('a provider answering after the refresh deadline (rotating on receipt): the call is let finish, its tokens reach Redis and every process, no reuse', async () => {
      const key = redis.nextKey()
      const aborted: boolean[] = []
      const { strategy, reuses } = rotatingProvider(async (call, signal) => {
        if (call === 1) await sleep(700)
        aborted.push(signal.aborted)
      })
      const make = async () => createSession({ strategy, tokens: initial, refreshTimeoutMs: 400, retry: false, ...redisCoordination<Tokens>({ client: await redis.connect(), key, pollIntervalMs: 20 }) })
      const [a, b] = [await make(), await make()]
      for (const s of [a, b]) await tokensForSend(s)
      const outcomes = await Promise.allSettled([afterRefusal(a, 'token-0'), afterRefusal(b, 'token-0')])
      for (const outcome of outcomes) expect(outcome).toMatchObject({ status: 'rejected', reason: expect.any(RefreshTimeoutError) })
      const raw = await redis.connect()
      await until(async () => (await raw.get(key))?.includes('"r1"') === true)
      for (const s of [a, b]) await until(async () => (await tokensForSend(s))?.accessToken === 'token-1')
      expect(await Promise.all([a, b].map(async (s) => (await tokensForSend(s))?.accessToken))).toEqual(['token-1', 'token-1'])
      await expect(afterRefusal(b, 'token-1')).resolves.toMatchObject({ accessToken: 'token-2' })
      expect({ calls: strategy.calls, aborted, reuse: reuses() }).toEqual({ calls: 2, aborted: [false, false], reuse: 0 })
    })

    it('two sessions on one coordinator with different deadlines: each waits for the shared refresh by its own', async () => {
      const { strategy, reuses } = rotatingProvider(async (call) => {
        if (call === 1) await sleep(500)
      })
      const coordination = redisCoordination<Tokens>({ client: await redis.connect(), key: redis.nextKey(), pollIntervalMs: 20 })
      const short = createSession({ strategy, tokens: initial, refreshTimeoutMs: 300, retry: false, ...coordination })
      const long = createSession({ strategy, tokens: initial, refreshTimeoutMs: 1_500, retry: false, ...coordination })
      await tokensForSend(short)
      await tokensForSend(long)
      const first = afterRefusal(short, 'token-0').catch((error: unknown) => error)
      await until(() => strategy.calls === 1)
      const second = afterRefusal(long, 'token-0')
      await expect(second).resolves.toMatchObject({ accessToken: 'token-1' })
      expect(await first).toBeInstanceOf(RefreshTimeoutError)
      expect({ calls: strategy.calls, reuse: reuses() }).toEqual({ calls: 1, reuse: 0 })
      await Promise.all([short.destroy(), long.destroy()])
    })

    it('a token the provider refused for good (its holder died after the provider rotated) is presented once, not once per process', async () => {
      const key = redis.nextKey()
      const { strategy, reuses } = rotatingProvider()
      const make = async () => createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: await redis.connect(), key, pollIntervalMs: 20 }) })
      const [a, b, c] = [await make(), await make(), await make()]
      for (const s of [a, b, c]) await tokensForSend(s)
      // The dead holder's call went through: the provider rotated, nobody stored the result.
      await strategy.refresh(initial, { signal: new AbortController().signal, fetch, now: Date.now })
      const settled = await Promise.allSettled([afterRefusal(a, 'token-0'), afterRefusal(b, 'token-0'), afterRefusal(c, 'token-0')])
      for (const result of settled) expect(result.status === 'rejected' && result.reason).toBeInstanceOf(SessionExpiredError)
      expect({ reuse: reuses(), calls: strategy.calls }).toEqual({ reuse: 1, calls: 2 })
      await expect(afterRefusal(await make(), 'token-0')).rejects.toBeInstanceOf(SessionExpiredError) // a process started later too
      expect(reuses()).toBe(1)
    })

    // A long pollIntervalMs must not keep a destroyed service's process alive for one more interval.
    it('a refresh waiting out a Redis outage gives up when its last session detaches, not a poll interval later', async () => {
      const real = await redis.connect()
      const down = () => Promise.reject(new Error('Connection is closed.'))
      const client = faulty(real, { get: down, set: down, del: down, eval: down, publish: down })
      const { coordinator } = redisCoordination<Tokens>({ client, key: redis.nextKey(), pollIntervalMs: 60_000, coordinationWaitMs: 120_000 })
      const detach = coordinator.attach?.({ adopt: () => {}, emit: () => {}, refreshDeadlineMs: 200_000 })
      const refreshing = Promise.resolve(coordinator.refresh(initial, async () => ({ accessToken: 'token-1' }))).catch((error: unknown) => error)
      await sleep(100) // the first lock request has failed: the refresh sleeps one poll interval
      detach?.()
      const outcome = await Promise.race([refreshing, sleep(2_000).then(() => 'still waiting 2 s after the detach')])
      expect(outcome).toMatchObject({ name: 'RefreshError', message: 'The session was destroyed while it waited for the shared refresh' })
    })

    // An operator's DEL (or a TTL running out) under a refresh's lock reads as a sign-out: every process hears it.
    it('the tokens key deleted while a refresh holds the lock: a sign-out for every process, and the spent refresh token never presented again', async () => {
      const key = redis.nextKey()
      const gate = deferred()
      const { strategy, reuses } = rotatingProvider((call) => (call === 1 ? gate.promise : undefined))
      const admin = await redis.connect()
      const make = async () => createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: await redis.connect(), key, pollIntervalMs: 20 }) })
      const [a, b] = [await make(), await make()]
      await tokensForSend(a)
      await tokensForSend(b)
      const failures: string[] = []
      a.on('storeFailed', ({ error }) => failures.push(String(error)))
      const refreshing = a.refresh().catch((error: unknown) => error)
      await until(() => strategy.calls === 1)
      await admin.del(key)
      gate.resolve()
      await refreshing
      await until(() => a.state === 'signed-out' && b.state === 'signed-out')
      await expect(b.refresh()).rejects.toThrow()
      expect({ calls: strategy.calls, reuse: reuses(), failures }).toEqual({
        calls: 1,
        reuse: 0,
        failures: ['RefreshError: The tokens in Redis were deleted while this process refreshed them (a sign-out): the new ones are not stored'],
      })
      await Promise.all([a.destroy(), b.destroy()])
    })

    // One process with a wrong client secret (a rollout half done) must not end the others' sessions.
    it('a terminal refusal not of the tokens (this process’s own set-up) is not remembered: the other processes still refresh them', async () => {
      const key = redis.nextKey()
      const { strategy, reuses } = rotatingProvider()
      const misconfigured = countingStrategy(() => {
        throw new RefreshError('OAuth2 refresh failed with HTTP 401 (invalid_client)', { transient: false, status: 401, providerCode: 'invalid_client' })
      })
      const options = () => redis.connect().then((client) => redisCoordination<Tokens>({ client, key, pollIntervalMs: 20 }))
      const bad = createSession({ strategy: misconfigured, tokens: initial, ...(await options()) })
      const good = createSession({ strategy, tokens: initial, ...(await options()) })
      await tokensForSend(bad)
      await tokensForSend(good)
      await expect(afterRefusal(bad, 'token-0')).rejects.toBeInstanceOf(SessionExpiredError)
      await expect(afterRefusal(good, 'token-0')).resolves.toMatchObject({ accessToken: 'token-1' })
      expect({ misconfigured: misconfigured.calls, calls: strategy.calls, reuse: reuses() }).toEqual({ misconfigured: 1, calls: 1, reuse: 0 })
      await Promise.all([bad.destroy(), good.destroy()])
    })

    it('replicasToWait: WAIT for the replicas after taking the lock and before the provider call, bounded, and the refresh goes on without them', async () => {
      const real = await redis.connect()
      const order: string[] = []
      const client = faulty(real, {
        wait: async (replicas, ms) => {
          order.push(`wait ${replicas} ${ms}`)
          return real.wait(replicas, ms) // no replica here: answers 0 after `ms`
        },
      })
      const strategy = countingStrategy(async (call, current) => {
        order.push('provider')
        return { ...current, accessToken: `token-${call}` }
      })
      const session = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client, key: redis.nextKey(), replicasToWait: 1, commandTimeoutMs: 200 }) })
      await expect(session.refresh()).resolves.toBe('token-1')
      expect(order).toEqual(['wait 1 200', 'provider'])
    })

    it('a holder whose Redis client is closed mid-refresh is handled like a crash: the others take over within lockTtlMs, no hang anywhere', async () => {
      const key = redis.nextKey()
      const gate = deferred()
      const { strategy, reuses } = rotatingProvider((call, signal) =>
        call === 1 ? Promise.race([gate.promise, new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))]) : undefined,
      )
      const options = { key, lockTtlMs: 300, pollIntervalMs: 20 }
      const closing = await redis.connect()
      const a = createSession({ strategy, tokens: initial, refreshTimeoutMs: 1_500, retry: false, ...redisCoordination<Tokens>({ client: closing, ...options }) })
      const b = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: await redis.connect(), ...options }) })
      await tokensForSend(a)
      await tokensForSend(b)
      const holding = afterRefusal(a, 'token-0').catch((error: unknown) => error)
      await until(() => strategy.calls === 1) // a holds the lock; its provider call is unanswered
      const waiting = afterRefusal(b, 'token-0')
      closing.disconnect() // a careless shutdown: the client goes before the session
      const began = performance.now()
      await expect(waiting).resolves.toMatchObject({ accessToken: 'token-2' })
      expect(performance.now() - began).toBeLessThan(1_000) // one lock TTL (300 ms) and a poll, not a stall
      expect(await holding).toBeInstanceOf(RefreshTimeoutError) // a's own callers settle too, at its deadline
      expect(reuses()).toBe(0)
      gate.resolve()
    })

    it('a holder whose lock expired (frozen, its renewals lost) cannot overwrite the tokens the next holder stored: its fenced write is refused', async () => {
      const key = redis.nextKey()
      const real = await redis.connect()
      const gate = deferred()
      const strategy = countingStrategy(async (call, current) => {
        if (call === 1) await gate.promise
        return { ...current, accessToken: `token-${call}` }
      })
      // a's renewals never reach Redis, as if the process were frozen.
      const frozen = faulty(real, { eval: (script, count, ...rest) => (script.includes('PEXPIRE') && !script.includes('PTTL') ? Promise.reject(new Error('timed out')) : real.eval(script, count, ...rest)) })
      const options = { key, lockTtlMs: 200, pollIntervalMs: 20 }
      const a = createSession({ strategy, tokens: initial, retry: false, ...redisCoordination<Tokens>({ client: frozen, ...options }) })
      const b = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: await redis.connect(), ...options }) })
      await tokensForSend(a)
      await tokensForSend(b)
      const late = afterRefusal(a, 'token-0').catch((error: unknown) => error)
      await until(() => strategy.calls === 1)
      await expect(afterRefusal(b, 'token-0')).resolves.toMatchObject({ accessToken: 'token-2' }) // b took the expired lock
      gate.resolve()
      // a's write of token-1 is refused; its callers get what Redis holds (adopted from b's notice).
      await expect(late).resolves.toMatchObject({ accessToken: 'token-2' })
      expect(JSON.parse((await real.get(key)) ?? 'null')).toMatchObject({ accessToken: 'token-2' })
      expect(strategy.calls).toBe(2)
    })

    it('a holder frozen past its lock whose call then fails does not retry with the refresh token the next holder spent', async () => {
      const gate = deferred()
      const { strategy, reuses } = rotatingProvider((call) =>
        call === 1 ? gate.promise.then(() => Promise.reject(new RefreshError('connection reset', { transient: true }))) : undefined,
      )
      const key = redis.nextKey()
      const real = await redis.connect()
      let frozen = false
      // Frozen: its watchdog's renewals never reach Redis, so its lock expires.
      const freezable = faulty(real, { eval: (script, ...rest) => (frozen && script.includes('PEXPIRE') ? Promise.reject(new Error('frozen')) : real.eval(script, ...rest)) })
      const options = { key, lockTtlMs: 150, pollIntervalMs: 20 }
      const retry = { retries: 2, minDelayMs: 1, maxDelayMs: 5 }
      const a = createSession({ strategy, tokens: initial, retry, ...redisCoordination<Tokens>({ client: freezable, ...options }) })
      const b = createSession({ strategy, tokens: initial, retry, ...redisCoordination<Tokens>({ client: await redis.connect(), ...options }) })
      await tokensForSend(a)
      await tokensForSend(b)
      const holding = afterRefusal(a, 'token-0').catch((error: unknown) => error)
      await until(() => strategy.calls === 1)
      frozen = true
      await expect(afterRefusal(b, 'token-0')).resolves.toMatchObject({ accessToken: 'token-2' })
      frozen = false
      gate.resolve()
      await holding
      expect({ calls: strategy.calls, reuse: reuses() }).toEqual({ calls: 2, reuse: 0 })
      a.destroy()
      b.destroy()
    })

    it('a destroyed session waiting for the lock stops there: it never refreshes alone later', async () => {
      const key = redis.nextKey()
      const raw = await redis.connect()
      await raw.set(`{${key}}:lock`, 'a-live-process', 'PX', 5_000)
      const strategy = countingStrategy()
      const session = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: await redis.connect(), key, pollIntervalMs: 20, coordinationWaitMs: 100 }) })
      await tokensForSend(session)
      const waiting = afterRefusal(session, 'token-0').catch((error: unknown) => error)
      await sleep(50)
      void session.destroy() // not awaited, as a careless shutdown does
      await expect(waiting).resolves.toBeInstanceOf(SessionExpiredError)
      await raw.del(`{${key}}:lock`)
      await sleep(300)
      expect(strategy.calls).toBe(0)
    })
  })

  describe('Redis misbehaving: clear errors, no stall, nothing overwritten', () => {
    // The provider has rotated: the refresh's tokens must reach Redis, or the next process presents the spent refresh token.
    it.each([
      ['out of memory (OOM)', "OOM command not allowed when used memory > 'maxmemory'.", /out of memory/],
      ['a read-only replica (READONLY)', "READONLY You can't write against a read only replica.", /read-only replica/],
      ['an ACL refusal (NOPERM)', "NOPERM this user has no permissions to run the 'eval' command", /ACL/],
    ])('the refresh’s write refused by %s after the provider rotated: kept, written once Redis takes writes, the other process adopts it with no call', async (_, answer, message) => {
      const gate = deferred()
      const { strategy, reuses } = rotatingProvider(() => gate.promise)
      const key = redis.nextKey()
      const real = await redis.connect()
      let refuseWrites = false
      const isTokensWrite = (script: string): boolean => script.includes("redis.call('SET', KEYS[1], ARGV[3])")
      const client = faulty(real, { eval: (script, count, ...rest) => (refuseWrites && isTokensWrite(script) ? Promise.reject(new Error(answer)) : real.eval(script, count, ...rest)) })
      const a = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client, key, pollIntervalMs: 20 }) })
      const b = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: await redis.connect(), key, pollIntervalMs: 20 }) })
      await Promise.all([tokensForSend(a), tokensForSend(b)])
      const failures: Error[] = []
      a.on('storeFailed', ({ error }) => failures.push(error))
      const refreshing = afterRefusal(a, 'token-0')
      await until(() => strategy.calls === 1)
      refuseWrites = true
      gate.resolve()
      await expect(refreshing).resolves.toMatchObject({ accessToken: 'token-1' })
      expect(failures.map((error) => error.message)).toEqual([expect.stringMatching(message)]) // says why, in our words
      refuseWrites = false
      await until(async () => (await real.get(key))?.includes('token-1') ?? false)
      await adoptsWithoutCall(b, strategy, reuses)
    })

    it('a value no tokens read from (garbage, JSON of another shape) written at the key during a refresh: the refresh’s tokens go over it, the other process adopts them', async () => {
      for (const garbage of ['not json {', JSON.stringify({ accessToken: 42 })]) {
        const gate = deferred()
        const { strategy, reuses } = rotatingProvider(() => gate.promise)
        const { key, a, b } = await pair(strategy, { pollIntervalMs: 20 })
        await Promise.all([tokensForSend(a), tokensForSend(b)])
        const refreshing = afterRefusal(a, 'token-0')
        await until(() => strategy.calls === 1)
        await (await redis.connect()).set(key, garbage) // a foreign writer
        gate.resolve()
        await expect(refreshing).resolves.toMatchObject({ accessToken: 'token-1' })
        await adoptsWithoutCall(b, strategy, reuses)
      }
    })

    it('WRONGTYPE at the tokens key: a RefreshError saying so at once, the value left alone, no degraded mode', async () => {
      const key = redis.nextKey()
      const raw = await redis.connect()
      await raw.hset(key, 'field', 'not tokens')
      const strategy = countingStrategy()
      const session = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: await redis.connect(), key }) })
      const degraded: unknown[] = []
      session.on('coordinationDegraded', (event) => degraded.push(event))
      await expect(session.getAccessToken()).resolves.toBe('token-0') // requests go on with the tokens it has
      const began = performance.now()
      const error = await session.refresh().catch((caught: unknown) => caught)
      expect(performance.now() - began).toBeLessThan(500)
      expect(error).toBeInstanceOf(RefreshError)
      expect(String((error as Error).message)).toMatch(/WRONGTYPE/)
      expect(String((error as Error).message)).toContain(key)
      expect({ type: await raw.type(key), calls: strategy.calls, degraded: degraded.length }).toEqual({ type: 'hash', calls: 0, degraded: 0 })
    })

    // The message says to delete the key it names: it must name the one of another type, never the live tokens.
    it.each(['lock', 'refused'])('WRONGTYPE at the %s key: the same clear error naming that key, not the tokens key, and not an outage', async (suffix) => {
      const key = redis.nextKey()
      const raw = await redis.connect()
      const wrong = `{${key}}:${suffix}`
      await raw.lpush(wrong, 'x')
      const strategy = countingStrategy()
      const session = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: await redis.connect(), key, coordinationWaitMs: 2_000 }) })
      await session.getAccessToken() // the tokens key now holds the tokens
      const began = performance.now()
      const error = await session.refresh().catch((caught: unknown) => caught)
      expect(performance.now() - began).toBeLessThan(500)
      expect(String((error as Error).message)).toMatch(/WRONGTYPE/)
      expect(String((error as Error).message)).toContain(`\`${wrong}\``)
      expect(String((error as Error).message)).not.toContain(`\`${key}\``)
      expect(strategy.calls).toBe(0)
    })

    // Any error reply proves Redis is up: taken for an outage, every process would refresh alone with the same refresh token.
    it.each([
      ['a read-only replica (READONLY)', "READONLY You can't write against a read only replica.", /read-only replica/],
      ['maxmemory with noeviction (OOM)', "OOM command not allowed when used memory > 'maxmemory'.", /out of memory/],
      ['a failed snapshot (MISCONF)', 'MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist on disk.', /cannot save its snapshot/],
      ['too few replicas (NOREPLICAS)', 'NOREPLICAS Not enough good replicas to write. script: 1f2e, on @user_script:3.', /min-replicas-to-write/],
      ['a raw node-redis client’s eval', 'ERR Lua redis lib command arguments must be strings or integers script: 1f2e, on @user_script:3.', /fromNodeRedis/],
      ['fromNodeRedis over ioredis', 'ERR value is not an integer or out of range', /fromNodeRedis/],
      ['a reply code never seen', 'NEWCODE something a later Redis says', /NEWCODE/],
    ])('%s refusing every write: a RefreshError at once, no refresh alone, no degraded mode', async (_, answer, message) => {
      const real = await redis.connect()
      const client = faulty(real, { eval: () => Promise.reject(new Error(answer)), set: () => Promise.reject(new Error(answer)) })
      const strategy = countingStrategy()
      const session = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client, key: redis.nextKey() }) })
      const degraded: unknown[] = []
      session.on('coordinationDegraded', (event) => degraded.push(event))
      const began = performance.now()
      await expect(session.refresh()).rejects.toThrow(message)
      expect(performance.now() - began).toBeLessThan(1_000)
      expect({ calls: strategy.calls, degraded: degraded.length }).toEqual({ calls: 0, degraded: 0 })
    })

    // These replies come from a server on its way back: waited out for coordinationWaitMs like an outage.
    it.each(['LOADING Redis is loading the dataset in memory', 'MASTERDOWN Link with MASTER is down', 'BUSY Redis is busy running a script', 'ETIMEDOUT', 'ECONNRESET'])('%s: waited out like an outage, then the refresh goes alone', async (answer) => {
      const real = await redis.connect()
      const client = faulty(real, { eval: () => Promise.reject(new Error(answer)) })
      const strategy = countingStrategy()
      const session = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client, key: redis.nextKey(), coordinationWaitMs: 100, pollIntervalMs: 20 }) })
      const degraded: unknown[] = []
      session.on('coordinationDegraded', (event) => degraded.push(event))
      await expect(session.refresh()).resolves.toBe('token-1')
      expect({ calls: strategy.calls, degraded: degraded.length }).toEqual({ calls: 1, degraded: 1 })
    })

    it('a reply whose code runs into what it quotes (`CODE:<token>`): the error names no more than the code', async () => {
      const real = await redis.connect()
      const client = faulty(real, { eval: () => Promise.reject(new Error('SECRETCODE:r0-refresh-token-quoted more')) })
      const session = createSession({ strategy: countingStrategy(), tokens: initial, ...redisCoordination<Tokens>({ client, key: redis.nextKey() }) })
      const error = (await session.refresh().catch((caught: unknown) => caught)) as RefreshError
      expect(error).toBeInstanceOf(RefreshError)
      expect(JSON.stringify({ message: error.message, details: error.details })).not.toMatch(/r0-refresh|quoted/)
    })

    it('a real primary refusing writes (min-replicas-to-write with no replica): 3 processes at expiry make no call and none refreshes alone', async () => {
      const admin = await redis.connect()
      const key = redis.nextKey()
      const strategy = countingStrategy()
      const sessions = await Promise.all([0, 1, 2].map(async () => createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: await redis.connect(), key, coordinationWaitMs: 200, pollIntervalMs: 20 }) })))
      await Promise.all(sessions.map((session) => tokensForSend(session)))
      const degraded: unknown[] = []
      for (const session of sessions) session.on('coordinationDegraded', (event) => degraded.push(event))
      await admin.config('SET', 'min-replicas-to-write', '1')
      try {
        const errors = await Promise.all(sessions.map((session) => afterRefusal(session, 'token-0').catch((caught: unknown) => caught)))
        expect(errors.map((error) => (error as Error).message)).toEqual(sessions.map(() => expect.stringMatching(/min-replicas-to-write/)))
        await sleep(400) // past coordinationWaitMs: an outage would have ended in refreshes alone by now
        expect({ calls: strategy.calls, degraded: degraded.length }).toEqual({ calls: 0, degraded: 0 })
      } finally {
        await admin.config('SET', 'min-replicas-to-write', '0')
      }
    })

    it('a client without the password Redis asks for (NOAUTH): a RefreshError saying so at once, not an outage ridden out into a refresh alone', async () => {
      const admin = await redis.connect()
      await admin.config('SET', 'requirepass', 'tf-test-pw')
      try {
        const client = await redis.connect({ enableReadyCheck: false }) // else ioredis never gets ready, and commands fail as in an outage
        const strategy = countingStrategy()
        const session = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client, key: redis.nextKey(), coordinationWaitMs: 200, pollIntervalMs: 20 }) })
        const degraded: unknown[] = []
        session.on('coordinationDegraded', (event) => degraded.push(event))
        await expect(session.refresh()).rejects.toThrow(/\(NOAUTH\)/)
        expect({ calls: strategy.calls, degraded: degraded.length }).toEqual({ calls: 0, degraded: 0 })
      } finally {
        await admin.config('SET', 'requirepass', '')
      }
    })

    it('enableOfflineQueue: false and not connected yet: the first read waits for the connection instead of starting on stale initial tokens', async () => {
      const key = redis.nextKey()
      const raw = await redis.connect()
      await raw.set(key, JSON.stringify({ accessToken: 'rotated-by-another-process', refreshToken: 'r5' }))
      const { strategy, reuses } = rotatingProvider()
      const client = await redis.connect({ ready: false })
      expect(client.status).not.toBe('ready')
      const session = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client, key }) })
      await expect(session.getAccessToken()).resolves.toBe('rotated-by-another-process')
      expect({ calls: strategy.calls, reuse: reuses() }).toEqual({ calls: 0, reuse: 0 })
    })

    it('Redis failing right after the lock was taken is waited out like an outage, not handed to the callers', async () => {
      const real = await redis.connect()
      let failGets = 0
      const client = faulty(real, { get: (k) => (failGets-- > 0 ? Promise.reject(new Error('Reached the max retries per request limit')) : real.get(k)) })
      const key = redis.nextKey()
      const strategy = countingStrategy()
      const session = createSession({ strategy, tokens: { accessToken: 'token-0' }, ...redisCoordination<Tokens>({ client, key, pollIntervalMs: 20 }) })
      await tokensForSend(session)
      failGets = 1
      const began = performance.now()
      await expect(afterRefusal(session, 'token-0')).resolves.toMatchObject({ accessToken: 'token-1' })
      expect(performance.now() - began).toBeLessThan(2_000)
      expect(strategy.calls).toBe(1)
      expect(await real.get(`{${key}}:lock`)).toBeNull()
    })
  })

  describe('Redis outages', () => {
    it('Redis goes down while a process refreshes under the lock: its tokens reach Redis before the lock goes, and no one reuses the old refresh token', async () => {
      const gate = deferred()
      const { strategy, reuses } = rotatingProvider((call) => (call === 1 ? gate.promise : undefined))
      const key = redis.nextKey()
      const a = await outageSession(strategy, key, { coordinationWaitMs: 10_000 })
      const b = await outageSession(strategy, key, { coordinationWaitMs: 10_000 })
      await tokensForSend(a)
      await tokensForSend(b)
      await refreshCutOff(a, strategy, gate)
      const waiting = afterRefusal(b, 'token-0')
      await sleep(1_200) // b keeps asking Redis for the lock
      await redis.server.start()
      await expect(waiting).resolves.toMatchObject({ accessToken: 'token-1' })
      await resubscribed(key, 2)
      // a's next refresh uses its own newer tokens, never the older ones Redis held during the outage.
      await expect(a.refresh()).resolves.toBe('token-2')
      await until(async () => (await b.getAccessToken()) === 'token-2')
      expect({ calls: strategy.calls, reuse: reuses(), b: await b.getAccessToken() }).toEqual({ calls: 2, reuse: 0, b: 'token-2' })
      a.destroy()
      b.destroy()
    }, 15_000)

    // Clients reconnect at their own pace (ioredis backs off up to 2 s): the holder's may come back last.
    // A refusal of writes refuses the holder's renewals too, and its write-back may come a retry after the waiter.
    // A notice passing meanwhile (a re-subscription, another writer) makes the waiter re-read the same old tokens: no news.
    it.each([
      ['an outage', 'Connection is closed.', false],
      ['a refusal of writes (NOREPLICAS)', 'NOREPLICAS Not enough good replicas to write.', false],
      ['a refusal of writes with a notice passing', 'NOREPLICAS Not enough good replicas to write.', true],
    ])('%s that outlasts the holder’s lock: the waiter back first leaves the free lock one TTL to the holder, which writes its rotated tokens; no reuse', async (_, failure, notice) => {
      const gate = deferred()
      const { strategy, reuses } = rotatingProvider((call) => (call === 1 ? gate.promise : undefined))
      const refusal = failure.startsWith('NOREPLICAS')
      const key = redis.nextKey()
      const { down, a, b } = await cutPair(strategy, { key, lockTtlMs: 500 }, failure, { readsPass: refusal })
      const refreshing = afterRefusal(a, 'token-0')
      await until(() => strategy.calls === 1)
      const waiting = afterRefusal(b, 'token-0').catch((error: unknown) => error) // a refusal fails it at once
      await sleep(100) // b has found the lock held
      down.a = down.b = true
      gate.resolve()
      await expect(refreshing).resolves.toMatchObject({ accessToken: 'token-1' }) // rotated: r1 lives in a alone
      await sleep(700) // a cannot renew: its lock runs out
      if (notice) await (await redis.connect()).publish(`{${key}}:refreshed`, 'refreshed')
      await sleep(50)
      down.b = false
      const again = afterRefusal(b, 'token-0').catch((error: unknown) => error)
      await sleep(250)
      down.a = false
      // Waiting through an outage, b's first call adopts; a refusal failed it at once, in our words.
      expect(await waiting).toMatchObject(refusal ? { message: expect.stringMatching(/min-replicas-to-write/) } : { accessToken: 'token-1' })
      expect(await again).toMatchObject({ accessToken: 'token-1' })
      expect({ calls: strategy.calls, reuse: reuses() }).toEqual({ calls: 1, reuse: 0 })
    }, 15_000)

    it('standing aside after an outage, a waiter whose notices are lost (its subscriber not back yet) still adopts the holder’s tokens at its next poll, not at the end of the TTL', async () => {
      const gate = deferred()
      const { strategy, reuses } = rotatingProvider((call) => (call === 1 ? gate.promise : undefined))
      const key = redis.nextKey()
      const { down, a, b } = await cutPair(strategy, { key, lockTtlMs: 2_000 }, 'Connection is closed.', { deafB: true })
      const refreshing = afterRefusal(a, 'token-0')
      await until(() => strategy.calls === 1)
      const waiting = afterRefusal(b, 'token-0')
      await sleep(100)
      down.a = down.b = true
      gate.resolve()
      await refreshing
      await sleep(2_200) // a's lock runs out
      down.b = false
      await sleep(250)
      down.a = false
      const back = performance.now()
      await expect(waiting).resolves.toMatchObject({ accessToken: 'token-1' })
      expect(performance.now() - back).toBeLessThan(1_000) // the aside window had 1.75 s left
      expect({ calls: strategy.calls, reuse: reuses() }).toEqual({ calls: 1, reuse: 0 })
    }, 15_000)

    // The documented shutdown is `await session.destroy()`, then the client closed: tokens only in memory then are lost for good.
    it('destroy() while the refreshed tokens wait for Redis: it resolves once they are written and the lock is let go, not before', async () => {
      const gate = deferred()
      const { strategy } = rotatingProvider((call) => (call === 1 ? gate.promise : undefined))
      const key = redis.nextKey()
      const a = await outageSession(strategy, key, { coordinationWaitMs: 10_000 })
      await tokensForSend(a)
      await refreshCutOff(a, strategy, gate)
      let destroyed = false
      const destroying = a.destroy().then(() => {
        destroyed = true
      })
      await sleep(500)
      expect(destroyed).toBe(false)
      await redis.server.start()
      await destroying
      const admin = await redis.connect()
      expect({ tokens: JSON.parse((await admin.get(key)) ?? 'null'), lock: await admin.get(`{${key}}:lock`) }).toEqual({ tokens: { accessToken: 'token-1', refreshToken: 'r1' }, lock: null })
    }, 15_000)

    // A restart without persistence or a FLUSHALL takes the lock with the tokens: a waiter finds both gone.
    it.each(['while the waiter waits', 'before the waiter asks'])(
      'Redis losing its keys mid-refresh (%s): the holder still stores its rotated tokens, the waiter adopts them, no reuse',
      async (when) => {
        const gate = deferred()
        const { strategy, reuses } = rotatingProvider((call) => (call === 1 ? gate.promise : undefined))
        const { key, a, b } = await pair(strategy, { lockTtlMs: 400, pollIntervalMs: 20 })
        await tokensForSend(a)
        await tokensForSend(b)
        const refreshing = afterRefusal(a, 'token-0')
        await until(() => strategy.calls === 1)
        const early = when === 'while the waiter waits' ? afterRefusal(b, 'token-0') : undefined
        await sleep(50)
        const admin = await redis.connect()
        await admin.del(key, `{${key}}:lock`)
        const waiting = early ?? afterRefusal(b, 'token-0')
        await sleep(150) // b has taken the free lock and found the key empty
        gate.resolve()
        await expect(refreshing).resolves.toMatchObject({ accessToken: 'token-1' })
        await expect(waiting).resolves.toMatchObject({ accessToken: 'token-1' })
        expect(await admin.get(key)).toContain('token-1')
        await expect(b.refresh()).resolves.toBe('token-2')
        await until(async () => (await a.getAccessToken()) === 'token-2')
        expect({ calls: strategy.calls, reuse: reuses(), a: await a.getAccessToken() }).toEqual({ calls: 2, reuse: 0, a: 'token-2' })
        a.destroy()
        b.destroy()
      },
    )

    it('coordinationWaitMs is timed from Redis failing: a blip after a long wait on a live holder is waited out, not a refresh alone', async () => {
      const gate = deferred()
      const { strategy, reuses } = rotatingProvider((call) => (call === 1 ? gate.promise : undefined))
      const key = redis.nextKey()
      const options = { key, coordinationWaitMs: 400, pollIntervalMs: 20 }
      const real = await redis.connect()
      let down = false
      const lost = () => Promise.reject(new Error('Connection is closed.'))
      const blinking = faulty(real, { get: (k) => (down ? lost() : real.get(k)), eval: (...args) => (down ? lost() : real.eval(...args)) })
      const a = createSession({ strategy, tokens: initial, refreshTimeoutMs: 5_000, ...redisCoordination<Tokens>({ client: await redis.connect(), ...options }) })
      const b = createSession({ strategy, tokens: initial, refreshTimeoutMs: 5_000, ...redisCoordination<Tokens>({ client: blinking, ...options }) })
      const degraded: unknown[] = []
      b.on('coordinationDegraded', (event) => degraded.push(event))
      await tokensForSend(a)
      await tokensForSend(b)
      const refreshing = afterRefusal(a, 'token-0')
      await until(() => strategy.calls === 1)
      const waiting = afterRefusal(b, 'token-0')
      await sleep(600) // b has waited on a's lock longer than coordinationWaitMs
      down = true
      await sleep(200)
      down = false
      gate.resolve()
      await expect(refreshing).resolves.toMatchObject({ accessToken: 'token-1' })
      await expect(waiting).resolves.toMatchObject({ accessToken: 'token-1' })
      expect({ calls: strategy.calls, reuse: reuses(), degraded: degraded.length }).toEqual({ calls: 1, reuse: 0, degraded: 0 })
      a.destroy()
      b.destroy()
    })

    it('Redis emptied between refreshes: the next refresh still goes, once; the other process adopts it', async () => {
      const { strategy, reuses } = rotatingProvider()
      const { key, a, b } = await pair(strategy, { lockTtlMs: 500, pollIntervalMs: 20 })
      await tokensForSend(a)
      await tokensForSend(b)
      await (await redis.connect()).del(key)
      await expect(afterRefusal(a, 'token-0')).resolves.toMatchObject({ accessToken: 'token-1' })
      await until(async () => (await b.getAccessToken()) === 'token-1')
      expect({ calls: strategy.calls, reuse: reuses(), b: await b.getAccessToken() }).toEqual({ calls: 1, reuse: 0, b: 'token-1' })
      a.destroy()
      b.destroy()
    })

    it('a sign-out elsewhere during a refresh stays a sign-out: the holder does not write its tokens into the emptied key', async () => {
      const gate = deferred()
      const { strategy } = rotatingProvider((call) => (call === 1 ? gate.promise : undefined))
      const { key, a, b } = await pair(strategy)
      await tokensForSend(a)
      await tokensForSend(b)
      const refreshing = afterRefusal(a, 'token-0').catch((error: unknown) => error)
      await until(() => strategy.calls === 1)
      await b.clear()
      gate.resolve()
      await refreshing
      await until(() => a.state === 'signed-out')
      expect({ a: a.state, b: b.state, stored: await (await redis.connect()).get(key) }).toEqual({ a: 'signed-out', b: 'signed-out', stored: null })
    })

    it("a write of rotated tokens that fails keeps the lock until it is written back; meanwhile Redis's older tokens are not adopted", async () => {
      const { strategy, reuses } = rotatingProvider()
      const key = redis.nextKey()
      const real = await redis.connect()
      // a's token write (a fenced script) times out three times although Redis is up: when made,
      // when a's next refresh reaches Redis, and on the first retry 300 ms on. The next retry goes in.
      let failWrites = 3
      const flaky = faulty(real, {
        eval: (script, count, ...rest) => (script.includes('ARGV[3]') && failWrites-- > 0 ? Promise.reject(new Error('timed out')) : real.eval(script, count, ...rest)),
      })
      const options = { key, pollIntervalMs: 300 }
      const a = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: flaky, ...options }) })
      const b = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: await redis.connect(), ...options }) })
      await tokensForSend(a)
      await tokensForSend(b)
      await expect(afterRefusal(a, 'token-0')).resolves.toMatchObject({ accessToken: 'token-1' })
      expect(await real.get(key)).toContain('token-0') // not written yet
      // Both need the next refresh at once: b must wait for a's tokens, a must not take Redis's older ones.
      const [fromA, fromB] = await Promise.all([a.refresh(), afterRefusal(b, 'token-0')])
      expect({ fromA, fromB: fromB?.accessToken, calls: strategy.calls, reuse: reuses() }).toEqual({ fromA: 'token-2', fromB: 'token-1', calls: 2, reuse: 0 })
      a.destroy()
      b.destroy()
    })

    it('a process that cannot reach Redis for all of coordinationWaitMs at start adopts the tokens others rotated, not refresh with its spent initial ones', async () => {
      const { strategy, reuses } = rotatingProvider()
      const key = redis.nextKey()
      const real = await redis.connect()
      const a = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: real, key }) })
      await expect(a.refresh()).resolves.toBe('token-1')
      // c's reads fail for its whole start-up wait; its writes keep failing after.
      let down = true
      const late = faulty(real, {
        get: (k) => (down ? Promise.reject(new Error('not connected')) : real.get(k)),
        eval: (script, count, ...rest) => (script.includes('ARGV[3]') ? Promise.reject(new Error('timed out')) : real.eval(script, count, ...rest)),
      })
      const c = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: late, key, pollIntervalMs: 20, coordinationWaitMs: 200 }) })
      await expect(tokensForSend(c)).resolves.toMatchObject({ accessToken: 'token-0' })
      down = false
      await expect(afterRefusal(c, 'token-0')).resolves.toMatchObject({ accessToken: 'token-1' })
      expect({ calls: strategy.calls, reuse: reuses() }).toEqual({ calls: 1, reuse: 0 })
      a.destroy()
      c.destroy()
    })

    it('destroy() of a session whose shared call answers after the refresh deadline waits for it: a quit() after loses nothing, no reuse', async () => {
      const { strategy, reuses } = rotatingProvider(async (call) => {
        if (call === 1) await sleep(600)
      })
      const key = redis.nextKey()
      const client = await redis.connect()
      const options = { key, pollIntervalMs: 20 }
      const a = createSession({ strategy, tokens: initial, refreshTimeoutMs: 400, retry: false, ...redisCoordination<Tokens>({ client, ...options }) })
      const b = createSession({ strategy, tokens: initial, refreshTimeoutMs: 400, retry: false, ...redisCoordination<Tokens>({ client: await redis.connect(), ...options }) })
      await tokensForSend(a)
      await tokensForSend(b)
      void afterRefusal(a, 'token-0').catch(() => {})
      await until(() => strategy.calls === 1)
      await a.destroy() // the documented shutdown: destroy(), then quit()
      await client.quit()
      await expect(afterRefusal(b, 'token-0')).resolves.toMatchObject({ accessToken: 'token-1' })
      expect({ calls: strategy.calls, reuse: reuses() }).toEqual({ calls: 1, reuse: 0 })
      await b.destroy()
    })

    it('destroying a session mid-refresh releases its callers but lets the shared refresh finish: the others adopt it, no reuse', async () => {
      // Aborting it instead could leave the provider rotated and Redis holding the spent token.
      const gate = deferred()
      const { strategy, reuses } = rotatingProvider(async (call, signal) => {
        if (call === 1) await gate.promise
        if (signal.aborted) throw signal.reason
      })
      const key = redis.nextKey()
      const client = await redis.connect()
      const options = { key, pollIntervalMs: 20 }
      const a = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client, ...options }) })
      const b = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: await redis.connect(), ...options }) })
      await tokensForSend(a)
      await tokensForSend(b)
      const leaving = afterRefusal(a, 'token-0')
      await until(() => strategy.calls === 1)
      let destroyed = false
      const closing = a.destroy().then(() => {
        destroyed = true
      })
      await expect(leaving).rejects.toBeInstanceOf(SessionExpiredError) // its callers are not kept waiting
      const waiting = afterRefusal(b, 'token-0')
      await sleep(100)
      expect(destroyed).toBe(false) // destroy() resolves once the shared refresh is stored
      gate.resolve()
      await closing
      await client.quit()
      await expect(waiting).resolves.toMatchObject({ accessToken: 'token-1' })
      expect({ calls: strategy.calls, reuse: reuses() }).toEqual({ calls: 1, reuse: 0 })
      await b.destroy()
    })

    it('Redis down past coordinationWaitMs: tokens refreshed alone reach Redis when it is back, coordinationRestored fires, the others adopt them', async () => {
      const { strategy, reuses } = rotatingProvider()
      const key = redis.nextKey()
      const a = await outageSession(strategy, key, { coordinationWaitMs: 150 })
      const b = await outageSession(strategy, key, { coordinationWaitMs: 150 })
      const events: string[] = []
      a.on('coordinationDegraded', () => events.push('degraded'))
      a.on('coordinationRestored', () => events.push('restored'))
      await tokensForSend(a)
      await tokensForSend(b)
      await redis.server.stop()
      await expect(a.refresh()).resolves.toBe('token-1') // alone, after coordinationWaitMs
      expect(events).toEqual(['degraded'])
      await redis.server.start()
      await until(() => events.length === 2)
      expect(events).toEqual(['degraded', 'restored'])
      const stored = JSON.parse((await (await redis.connect()).get(key)) ?? 'null')
      expect(stored).toMatchObject({ accessToken: 'token-1', refreshToken: 'r1' })
      await adoptsWithoutCall(b, strategy, reuses)
      await a.destroy()
      await b.destroy()
    }, 15_000)

    it('a refresh under the lock cut off by an outage, then a refresh alone that fails: coordinationRestored once Redis takes the first one\'s tokens, not before', async () => {
      const gate = deferred()
      const strategy = countingStrategy(async (call) => {
        if (call > 1) throw new RefreshError('refresh token revoked', { transient: false, status: 401 })
        await gate.promise
        return { accessToken: 'token-1', refreshToken: 'r1' }
      })
      const key = redis.nextKey()
      const a = await outageSession(strategy, key, { coordinationWaitMs: 150 })
      const events: string[] = []
      a.on('coordinationDegraded', () => events.push('degraded'))
      a.on('coordinationRestored', () => events.push('restored'))
      await tokensForSend(a)
      await refreshCutOff(a, strategy, gate)
      await expect(a.refresh()).rejects.toThrow() // alone after coordinationWaitMs, refused for good
      await sleep(300) // Redis still down: nothing is restored
      expect(events).toEqual(['degraded'])
      await redis.server.start()
      await until(() => events.length === 2)
      expect(events).toEqual(['degraded', 'restored'])
      expect(JSON.parse((await (await redis.connect()).get(key)) ?? 'null')).toMatchObject({ accessToken: 'token-1', refreshToken: 'r1' })
      await a.destroy()
    }, 15_000)

    it('a refresh alone whose write outlasts the refresh deadline (a command queued while Redis is away): coordinationRestored waits for Redis to answer it', async () => {
      const { strategy } = rotatingProvider()
      const key = redis.nextKey()
      const real = await redis.connect()
      let down = false
      const gone = () => Promise.reject(new Error('Connection is closed.'))
      // While down, the tokens write (2 keys, 4 arguments) hangs as in an offline queue; every other command fails at once.
      const client = faulty(real, {
        get: (k) => (down ? gone() : real.get(k)),
        eval: (script, count, ...rest) => (!down ? real.eval(script, count, ...rest) : rest.length === 6 ? new Promise(() => {}) : gone()),
        publish: (c, m) => (down ? gone() : real.publish(c, m)),
      })
      const coordination = redisCoordination<Tokens>({ client, key, pollIntervalMs: 20, coordinationWaitMs: 100, commandTimeoutMs: 2_000 })
      const a = createSession({ strategy, tokens: initial, refreshTimeoutMs: 400, ...coordination })
      const events: string[] = []
      a.on('coordinationDegraded', () => events.push('degraded'))
      a.on('coordinationRestored', () => events.push('restored'))
      await tokensForSend(a)
      down = true
      await a.refresh().catch(() => {}) // alone after coordinationWaitMs; its write misses the refresh deadline
      await until(() => strategy.calls === 1)
      await sleep(800) // past the session's wait for the write
      expect(events).toEqual(['degraded'])
      down = false
      await until(() => events.length === 2)
      expect(events).toEqual(['degraded', 'restored'])
      expect(JSON.parse((await real.get(key)) ?? 'null')).toMatchObject({ accessToken: 'token-1', refreshToken: 'r1' })
      await a.destroy()
    }, 15_000)

    it('a process whose seed lost to another\'s, refreshing alone in an outage: its tokens reach Redis when it is back, and the other adopts them (no reuse)', async () => {
      const { strategy, reuses } = rotatingProvider()
      const key = redis.nextKey()
      const b = await outageSession(strategy, key, { coordinationWaitMs: 150 })
      await tokensForSend(b) // read empty, seeded
      // a read the key empty just before b's seed landed (processes started together): its own seed loses.
      const real = await redis.connect({ retryStrategy: () => 50 })
      let first = true
      const client = faulty(real, {
        get: (k) => {
          const answer = first && k === key ? Promise.resolve(null) : real.get(k)
          if (k === key) first = false
          return answer
        },
      })
      const a = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client, key, pollIntervalMs: 20, coordinationWaitMs: 150 }) })
      await tokensForSend(a)
      await sleep(100) // its seed has been refused
      await redis.server.stop()
      await expect(a.refresh()).resolves.toBe('token-1') // alone: spends r0
      await redis.server.start()
      const admin = await redis.connect()
      await until(async () => ((await admin.get(key).catch(() => null)) ?? '').includes('token-1'))
      expect(JSON.parse((await admin.get(key)) ?? 'null')).toMatchObject({ accessToken: 'token-1', refreshToken: 'r1' })
      await adoptsWithoutCall(b, strategy, reuses)
      await a.destroy()
      await b.destroy()
    }, 15_000)

    it('a client that queues commands while Redis is away (offline queue): the lock requests it ran late do not block the next refresh', async () => {
      const { strategy } = rotatingProvider()
      const key = redis.nextKey()
      const client = await redis.connect({ retryStrategy: () => 50, enableOfflineQueue: true, maxRetriesPerRequest: null })
      const a = createSession({ strategy, tokens: initial, refreshTimeoutMs: 3_000, ...redisCoordination<Tokens>({ client, key, pollIntervalMs: 20, coordinationWaitMs: 300, commandTimeoutMs: 100 }) })
      await tokensForSend(a)
      await redis.server.stop()
      await expect(a.refresh()).resolves.toBe('token-1') // alone, its lock requests still queued
      await redis.server.start()
      const admin = await redis.connect()
      await until(async () => ((await admin.get(key).catch(() => null)) ?? '').includes('token-1'))
      await sleep(200) // the queue has run
      expect(await admin.get(`{${key}}:lock`)).toBeNull()
      const began = Date.now()
      await expect(a.refresh()).resolves.toBe('token-2')
      expect(Date.now() - began).toBeLessThan(1_000) // not the lock's 5 s TTL
      await a.destroy()
    }, 15_000)

    it('a sign-in made while Redis is down reaches the other processes once it is written back', async () => {
      const key = redis.nextKey()
      const a = await outageSession(countingStrategy(), key, { coordinationWaitMs: 150 })
      const b = await outageSession(countingStrategy(), key, { coordinationWaitMs: 150 })
      await tokensForSend(a)
      await tokensForSend(b)
      await redis.server.stop()
      await a.setTokens({ accessToken: 'signed-in-again', refreshToken: 'r-new' }) // kept, written back later
      await redis.server.start()
      await resubscribed(key, 2)
      // Reconnecting after the restart may take seconds on a loaded machine: the claim is "once written back", not a time.
      for (const deadline = Date.now() + 10_000; Date.now() < deadline && (await tokensForSend(b))?.accessToken !== 'signed-in-again'; ) await sleep(50)
      expect((await tokensForSend(b))?.accessToken).toBe('signed-in-again')
      await a.destroy()
      await b.destroy()
    }, 15_000)

    // What a client that queues commands does across a restart: the write runs, its answer is lost.
    it('a sign-in whose write landed though the client reported it failed: the write-back finds it there, and the others hear of it', async () => {
      const key = redis.nextKey()
      const real = await redis.connect()
      let loseAnswers = 0
      const isTokensWrite = (script: string): boolean => script.includes("redis.call('SET', KEYS[1], ARGV[3])")
      const client = faulty(real, {
        eval: (script, count, ...rest) => {
          const ran = real.eval(script, count, ...rest)
          return isTokensWrite(script) && loseAnswers-- > 0 ? ran.then(() => Promise.reject(new Error('Connection is closed.'))) : ran
        },
        // The sign-in's own notice is lost with Redis away: only the write-back's can tell the others.
        publish: (channel, message) => (loseAnswers >= 0 ? Promise.reject(new Error('Connection is closed.')) : real.publish(channel, message)),
      })
      const a = createSession({ strategy: countingStrategy(), tokens: initial, ...redisCoordination<Tokens>({ client, key, pollIntervalMs: 20 }) })
      const b = createSession({ strategy: countingStrategy(), tokens: initial, ...redisCoordination<Tokens>({ client: await redis.connect(), key, pollIntervalMs: 20 }) })
      await Promise.all([tokensForSend(a), tokensForSend(b)])
      await sleep(100) // both subscriptions are live
      loseAnswers = 1
      await a.setTokens({ accessToken: 'signed-in-again', refreshToken: 'r-new' }) // kept, written back
      await until(async () => (await tokensForSend(b))?.accessToken === 'signed-in-again')
      expect((await tokensForSend(b))?.accessToken).toBe('signed-in-again')
      await Promise.all([a.destroy(), b.destroy()])
    })

    it('a sign-out Redis does not take rejects, so the caller knows the others still hold the login', async () => {
      const key = redis.nextKey()
      const a = await outageSession(countingStrategy(), key, { coordinationWaitMs: 150 })
      await tokensForSend(a)
      const failed: unknown[] = []
      a.on('storeFailed', (event) => failed.push(event))
      await redis.server.stop()
      await expect(a.clear()).rejects.toThrow()
      expect(failed).toHaveLength(1)
      await redis.server.start()
      await a.destroy()
    }, 15_000)

    it.each([
      ["BUSY Redis is busy running a script, with args beginning with: 'refresh-secret-value'", 'Redis did not answer (BUSY)'],
      ['Connection lost while writing SET tokenflight:k {"refreshToken":"refresh-secret-value"}', 'Redis did not answer'],
      ['Connection is closed.', 'Connection is closed.'],
    ])('coordinationDegraded carries the outage without what the client quoted of the command (tokens may be in it): %s', async (said, shown) => {
      const real = await redis.connect()
      const quoting = new Error(said)
      const client = faulty(real, { eval: () => Promise.reject(quoting), get: () => Promise.reject(quoting) })
      const strategy = countingStrategy()
      const session = createSession({ strategy, tokens: { accessToken: 'token-0', refreshToken: 'refresh-secret-value' }, ...redisCoordination<Tokens>({ client, key: redis.nextKey(), coordinationWaitMs: 100, pollIntervalMs: 20 }) })
      const degraded: Error[] = []
      session.on('coordinationDegraded', ({ error }) => degraded.push(error))
      await expect(session.refresh()).resolves.toBe('token-1')
      expect(degraded).toHaveLength(1)
      expect(degraded[0]?.message).toBe(shown)
      expect(JSON.stringify(degraded[0]) + String(degraded[0]?.stack) + String(degraded[0]?.cause)).not.toContain('secret')
    })

    it('an unreachable Redis: requests keep the last tokens; a refresh waits coordinationWaitMs, then goes alone and says so', async () => {
      const client = new Redis({ port: 1, host: '127.0.0.1', enableOfflineQueue: false, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
      client.on('error', () => {})
      const strategy = countingStrategy()
      const session = createSession({
        strategy,
        tokens: { accessToken: 'token-0' },
        ...redisCoordination<Tokens>({ client, key: redis.nextKey(), coordinationWaitMs: 150, pollIntervalMs: 20 }),
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

describe.skipIf(missing('redis-server'))('redisCoordination against a redis-server without EVAL', () => {
  const redis = useRedisServer({ args: ['--rename-command', 'EVAL', '""'] })

  it('fails at once with an error naming the missing EVAL (and no token), and does not retry in a loop', async () => {
    const real = await redis.connect()
    let evals = 0
    const client = faulty(real, {
      eval: (script, count, ...rest) => {
        evals++
        return real.eval(script, count, ...rest)
      },
    })
    const strategy = countingStrategy()
    const secret = { accessToken: 'token-0-secret-value', refreshToken: 'refresh-secret-value' }
    const session = createSession({ strategy, tokens: secret, ...redisCoordination<Tokens>({ client, key: redis.nextKey(), coordinationWaitMs: 2_000 }) })
    await expect(session.getAccessToken()).resolves.toBe(secret.accessToken)
    const began = performance.now()
    const error = (await session.refresh().catch((caught: unknown) => caught)) as Error
    expect(performance.now() - began).toBeLessThan(500)
    expect(error).toBeInstanceOf(RefreshError)
    expect(error.message).toMatch(/does not run EVAL/)
    const text = JSON.stringify(error) + String(error) + String(error.cause ?? '') + JSON.stringify(error.cause ?? null)
    expect(text).not.toContain('secret-value')
    const before = evals
    await sleep(500)
    expect({ calls: strategy.calls, evalsSince: evals - before }).toEqual({ calls: 0, evalsSince: 0 })
  })
})

const unknownCommand = 'This Redis server does not know a command redisCoordination uses (renamed or disabled by rename-command): it needs GET, SET, DEL, EVAL, PUBLISH and SUBSCRIBE'

describe.skipIf(missing('redis-server'))('redisCoordination against a redis-server without DEL', () => {
  const redis = useRedisServer({ args: ['--rename-command', 'DEL', '""'] })

  it('a sign-out fails with an error naming the unknown command, not blaming the client passed', async () => {
    const session = createSession({ strategy: countingStrategy(), tokens: initial, ...redisCoordination<Tokens>({ client: await redis.connect(), key: redis.nextKey() }) })
    await session.getAccessToken()
    const error = (await session.clear().catch((caught: unknown) => caught)) as Error
    expect(error).toBeInstanceOf(RefreshError)
    expect(error.message).toBe(unknownCommand)
  })
})

describe.skipIf(missing('redis-server'))('redisCoordination against a redis-server without SET', () => {
  const redis = useRedisServer({ args: ['--rename-command', 'SET', '""'] })

  it('a refresh (its lock script runs SET) fails with the same error, and calls no provider', async () => {
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: await redis.connect(), key: redis.nextKey() }) })
    const error = (await session.refresh().catch((caught: unknown) => caught)) as Error
    expect(error).toBeInstanceOf(RefreshError)
    expect(error.message).toBe(unknownCommand)
    expect(strategy.calls).toBe(0)
  })
})

describe.skipIf(missing('redis-server'))('redisCoordination for a Redis user whose ACL refuses a command it needs', () => {
  const redis = useRedisServer()

  it.each(['-get', '-set', '-eval'])('%s: fails at once, naming the ACL (no token, no provider call, no wait for an outage)', async (rule) => {
    const admin = await redis.connect()
    const user = `tf${rule.slice(1)}`
    await admin.call('ACL', 'SETUSER', user, 'on', '>pw', '~*', '&*', '+@all', rule)
    const client = await redis.connect({ username: user, password: 'pw' })
    const strategy = countingStrategy()
    const secret = { accessToken: 'token-0-secret-value', refreshToken: 'refresh-secret-value' }
    const key = redis.nextKey()
    await admin.set(key, JSON.stringify(secret))
    const session = createSession({ strategy, tokens: secret, ...redisCoordination<Tokens>({ client, key, coordinationWaitMs: 3_000 }) })
    const began = performance.now()
    const error = (await session.refresh().catch((caught: unknown) => caught)) as Error
    const tookMs = performance.now() - began
    await session.destroy()
    expect(error).toBeInstanceOf(RefreshError)
    expect(error.message).toMatch(/ACL/)
    expect(tookMs).toBeLessThan(1_500)
    expect(JSON.stringify(error) + String(error) + String(error.cause ?? '')).not.toContain('secret-value')
    expect(strategy.calls).toBe(0)
  })

  // docs/scaling.md's ACL for a service's own keys, with and without a hash tag: two processes, one refresh.
  it.each([
    ['svc:billing', ['~svc:*', '~{svc:*', '&svc:*', '&{svc:*']],
    ['svc:{billing}', ['~svc:*', '&svc:*']],
  ])('the ACL the docs give for key %s lets two processes share one refresh', async (key, patterns) => {
    const admin = await redis.connect()
    const user = `tfsvc${patterns.length}`
    await admin.call('ACL', 'SETUSER', user, 'reset', 'on', '>pw', ...patterns, '+get', '+set', '+del', '+eval', '+pttl', '+pexpire', '+exists', '+publish', '+subscribe', '+ping', '+info', '+client', '+wait')
    const { strategy, reuses } = rotatingProvider()
    const make = async () => createSession({ strategy, tokens: initial, ...redisCoordination<Tokens>({ client: await redis.connect({ username: user, password: 'pw' }), key }) })
    const [a, b] = [await make(), await make()]
    await Promise.all([tokensForSend(a), tokensForSend(b)])
    const [ta, tb] = await Promise.all([afterRefusal(a, 'token-0'), afterRefusal(b, 'token-0')])
    expect({ a: ta?.accessToken, b: tb?.accessToken, calls: strategy.calls, reuse: reuses() }).toEqual({ a: 'token-1', b: 'token-1', calls: 1, reuse: 0 })
    await Promise.all([a.destroy(), b.destroy()])
  })

  // ioredis subscribes again by itself after a reconnection, with no handler for the answer: refused,
  // that is an unhandled rejection, and a Node process ends on one.
  it.each(['its own subscriber', 'sharedSubscriber'])('a re-subscription the server refuses after a reconnection (the ACL changed meanwhile), %s: no unhandled rejection, the session goes on', async (subscriber) => {
    const admin = await redis.connect()
    const user = 'tfresubscribe'
    await admin.call('ACL', 'SETUSER', user, 'reset', 'on', '>pw', '~*', '&*', '+@all')
    const unhandled: unknown[] = []
    const hear = (reason: unknown): void => void unhandled.push(reason)
    process.on('unhandledRejection', hear)
    try {
      const connected = await redis.connect({ username: user, password: 'pw', retryStrategy: () => 50 })
      const client = subscriber === 'sharedSubscriber' ? sharedSubscriber(connected) : connected
      const key = redis.nextKey()
      const session = createSession({ strategy: countingStrategy(), tokens: initial, ...redisCoordination<Tokens>({ client, key, pollIntervalMs: 20 }) })
      await tokensForSend(session)
      await until(async () => Number(((await admin.call('PUBSUB', 'NUMSUB', `{${key}}:refreshed`)) as [string, number])[1]) === 1)
      await admin.call('ACL', 'SETUSER', user, '-subscribe')
      await admin.call('CLIENT', 'KILL', 'USER', user)
      await sleep(500) // reconnected, every SUBSCRIBE refused
      expect(unhandled).toEqual([])
      await expect(session.refresh()).resolves.toBe('token-1')
      await session.destroy()
    } finally {
      process.off('unhandledRejection', hear)
      await admin.call('ACL', 'DELUSER', user)
    }
  })
})
