/**
 * One deadline: a waiting request is held by a refresh for at most refreshTimeoutMs in total,
 * every attempt and backoff included (before, 3 attempts × 10 s plus backoff: over 30 s). With a
 * coordinator the callers are released at the deadline with RefreshTimeoutError while the
 * coordinated work runs on to completion and is adopted: other copies depend on it.
 */
import { describe, expect, it, vi } from 'vitest'
import { type Coordinator, type CoordinatorLink, createSession, RefreshError, RefreshTimeoutError, type Tokens } from '../../src/index.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'
import { deferred } from '../_helpers/deferred.js'
import { port } from '../_helpers/session-port.js'

const start: Tokens = { accessToken: 'token-0', refreshToken: 'refresh-0' }

describe('one deadline for a refresh, retries included', () => {
  it('slow transient failures: the waiter is released at refreshTimeoutMs, not after every attempt', async () => {
    const strategy = countingStrategy(async () => {
      await new Promise((resolve) => setTimeout(resolve, 40))
      throw new RefreshError('busy', { transient: true, status: 503 })
    })
    const session = createSession({ strategy, tokens: start, refreshTimeoutMs: 100, retry: { retries: 10, minDelayMs: 1, maxDelayMs: 5 } })
    const began = performance.now()
    const error = await port(session).afterRefusal('token-0').catch((e: unknown) => e)
    const elapsed = performance.now() - began
    expect(elapsed).toBeLessThan(400)
    expect(elapsed).toBeGreaterThanOrEqual(99)
    expect(strategy.calls).toBeLessThanOrEqual(3) // 11 attempts of 40 ms would take 440 ms
    expect(error).toMatchObject({ transient: true })
  })

  it('the timeout error names the total, and one refreshFailed is emitted', async () => {
    const strategy = countingStrategy(() => new Promise<Tokens>(() => {}))
    const session = createSession({ strategy, tokens: start, refreshTimeoutMs: 50 })
    const failures: unknown[] = []
    session.on('refreshFailed', (event) => failures.push(event))
    await expect(session.refresh()).rejects.toThrow('Token refresh timed out after 50 ms')
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(failures).toHaveLength(1)
  })

  it('a backoff that would pass the deadline is not waited: the last error at once', async () => {
    const strategy = countingStrategy(() => {
      throw new RefreshError('busy', { transient: true, status: 503 })
    })
    const session = createSession({ strategy, tokens: start, refreshTimeoutMs: 100, retry: { retries: 2, minDelayMs: 1_000, maxDelayMs: 5_000 } })
    const began = performance.now()
    await expect(session.refresh()).rejects.toMatchObject({ status: 503 })
    expect(performance.now() - began).toBeLessThan(500) // the backoff alone is 1,000 ms
    expect(strategy.calls).toBe(1)
  })

  it('the default total is 10 s, and the coordinator is told so', () => {
    let link: CoordinatorLink | undefined
    const coordinator: Coordinator = {
      attach: (l) => {
        link = l
        return () => {}
      },
      refresh: (_stale, work) => work(),
    }
    createSession({ strategy: countingStrategy(), tokens: start, coordinator })
    expect(link?.refreshDeadlineMs).toBe(10_000)
    createSession({ strategy: countingStrategy(), tokens: start, coordinator, refreshTimeoutMs: 2_500 })
    expect(link?.refreshDeadlineMs).toBe(2_500)
  })
})

// Deadlines are measured on a monotonic clock: the system's time set back an hour mid-refresh
// (Date.now() jumps; timers and performance.now() do not) used to stretch the deadline by the hour.
describe('the system clock set back or forward during a refresh', () => {
  it.each([
    ['back an hour', -3_600_000],
    ['forward an hour', 3_600_000],
  ])('%s between attempts: the refresh still ends at refreshTimeoutMs, retried as planned', async (_label, jumpMs) => {
    const realNow = Date.now
    let offset = 0
    Date.now = () => realNow() + offset
    try {
      const hang = deferred<Tokens>()
      const strategy = countingStrategy((call) => {
        if (call > 1) return hang.promise // the retry hangs
        offset = jumpMs
        throw new RefreshError('busy', { transient: true, status: 503 })
      })
      const session = createSession({ strategy, tokens: start, refreshTimeoutMs: 300, retry: { retries: 2, minDelayMs: 10, maxDelayMs: 20 } })
      const began = performance.now()
      const error = await Promise.race([port(session).afterRefusal('token-0').catch((e: unknown) => e), new Promise((resolve) => setTimeout(() => resolve('still pending'), 2_000))])
      expect(error).toBeInstanceOf(RefreshTimeoutError)
      expect(performance.now() - began).toBeLessThan(1_000)
      expect(strategy.calls).toBe(2) // the retry was made, not skipped for a deadline that seemed past
    } finally {
      Date.now = realNow
    }
  })

  it('back an hour while a Retry-After blocks refreshes: the block still ends when the time asked for has passed', async () => {
    const realNow = Date.now
    let offset = 0
    Date.now = () => realNow() + offset
    try {
      let limited = true
      const strategy = countingStrategy((call, current) => {
        if (!limited) return { ...current, accessToken: `token-${call}` }
        limited = false
        throw new RefreshError('slow down', { transient: true, status: 429, retryAfterMs: 200 })
      })
      const session = createSession({ strategy, tokens: start, retry: { retries: 0, minDelayMs: 1, maxDelayMs: 50 } })
      await expect(session.refresh()).rejects.toMatchObject({ status: 429 })
      offset = -3_600_000
      await new Promise((resolve) => setTimeout(resolve, 250))
      await expect(session.refresh()).resolves.toBe('token-2')
    } finally {
      Date.now = realNow
    }
  })
})

describe('with a coordinator', () => {
  it('callers are released at the deadline; the work runs on, is stored and adopted, and no second refresh starts', async () => {
    const gate = deferred()
    const strategy = countingStrategy((call, current) => ({ ...current, accessToken: `token-${call}`, refreshToken: `refresh-${call}` }))
    const stored: Tokens[] = []
    // The coordinated work (its lock taken when the gate opens) outlives this copy's 50 ms deadline.
    const slow: Coordinator = { refresh: (_stale, work) => gate.promise.then(work) }
    const timed = createSession({ strategy, tokens: start, coordinator: slow, refreshTimeoutMs: 50, store: { get: () => start, set: (t) => void stored.push(t), delete: () => {} } })
    const began = performance.now()
    const waiting = Array.from({ length: 5 }, () => port(timed).afterRefusal('token-0'))
    const results = await Promise.allSettled(waiting)
    expect(performance.now() - began).toBeLessThan(500)
    for (const result of results) expect(result).toMatchObject({ status: 'rejected', reason: expect.any(RefreshTimeoutError) })
    // Still settling: a new 401 joins it with a deadline of its own, instead of presenting the same
    // refresh token again or inheriting the earlier callers' timeout.
    const late = port(timed).afterRefusal('token-0')
    const lateOutcome = late.then(
      (tokens) => tokens?.accessToken,
      (error: unknown) => error,
    )
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(strategy.calls).toBe(0) // still waiting for its lock
    gate.resolve()
    await expect(lateOutcome).resolves.toBe('token-1')
    expect(stored.map((t) => t.refreshToken)).toContain('refresh-1')
    await expect(timed.getAccessToken()).resolves.toBe('token-1')
    expect(strategy.calls).toBe(1)
    await timed.destroy()
  })

  // A provider that rotates on receipt and answers late: a call cut off at the deadline would have
  // spent the refresh token all the same, and the next refresh would present it again.
  it('a call answering after its callers were released is let finish: its rotated tokens are stored and adopted, the spent refresh token never presented again', async () => {
    const provider = { live: 'refresh-0', reuse: 0 }
    const aborted: boolean[] = []
    const answer = deferred()
    const strategy = countingStrategy(async (call, current, { signal }) => {
      const presented = current.refreshToken
      provider.live = `refresh-${call}`
      if (call === 1) await answer.promise
      aborted.push(signal.aborted)
      if (presented !== `refresh-${call - 1}`) provider.reuse++
      return { accessToken: `token-${call}`, refreshToken: provider.live }
    })
    const stored: Tokens[] = []
    const direct: Coordinator = { refresh: (_stale, work) => work() }
    const session = createSession({ strategy, tokens: start, coordinator: direct, refreshTimeoutMs: 200, store: { get: () => start, set: (t) => void stored.push(t), delete: () => {} } })
    // Released at its own deadline while the call is still out: the call answers only after that.
    await expect(port(session).afterRefusal('token-0')).rejects.toBeInstanceOf(RefreshTimeoutError)
    answer.resolve()
    await vi.waitFor(() => expect(stored.map((t) => t.refreshToken)).toContain('refresh-1'))
    await expect(session.getAccessToken()).resolves.toBe('token-1')
    await expect(port(session).afterRefusal('token-1')).resolves.toMatchObject({ accessToken: 'token-2' })
    expect({ calls: strategy.calls, aborted, reuse: provider.reuse }).toEqual({ calls: 2, aborted: [false, false], reuse: 0 })
    await session.destroy()
  })

  it.each([
    ['with a coordinator: one deadline after its callers’', true, 2],
    ['without one: at its callers’ deadline', false, 1],
  ] as const)('a call that never answers is aborted %s, and the next request refreshes anew', async (_, coordinated, deadlines) => {
    const abortedAfter: number[] = []
    let began = 0
    const strategy = countingStrategy((call, current, { signal }) => {
      if (call > 1) return { ...current, accessToken: `token-${call}` }
      return new Promise<Tokens>((_resolve, reject) =>
        signal.addEventListener('abort', () => {
          abortedAfter.push(performance.now() - began)
          reject(signal.reason)
        }),
      )
    })
    const direct: Coordinator = { refresh: (_stale, work) => work() }
    const session = createSession({ strategy, tokens: start, refreshTimeoutMs: 200, retry: false, ...(coordinated ? { coordinator: direct } : {}) })
    // Timed from before the call: the first deadline is armed no earlier, whatever the hops before the strategy runs.
    began = performance.now()
    await expect(port(session).afterRefusal('token-0')).rejects.toBeInstanceOf(RefreshTimeoutError)
    await vi.waitFor(() => expect(abortedAfter).toHaveLength(1))
    // Deadlines of 200 ms: a timer late by up to 150 ms on a loaded machine still tells one from two.
    expect(abortedAfter[0]).toBeGreaterThanOrEqual(deadlines * 200 - 2)
    expect(abortedAfter[0]).toBeLessThan(deadlines * 200 + 150)
    await expect(port(session).afterRefusal('token-0')).resolves.toMatchObject({ accessToken: 'token-2' })
    await session.destroy()
  })

  it('a coordinator that never settles does not wedge the session: one more deadline, then a new refresh may start', async () => {
    let calls = 0
    const stuck: Coordinator = {
      refresh: () => {
        calls++
        return new Promise<Tokens>(() => {})
      },
    }
    const session = createSession({ strategy: countingStrategy(), tokens: start, coordinator: stuck, refreshTimeoutMs: 40 })
    await expect(port(session).afterRefusal('token-0')).rejects.toBeInstanceOf(RefreshTimeoutError)
    // Joins the same work and waits its own deadline out: no second call, no inherited timeout.
    const joined = performance.now()
    await expect(port(session).afterRefusal('token-0')).rejects.toBeInstanceOf(RefreshTimeoutError)
    expect(performance.now() - joined).toBeGreaterThanOrEqual(30)
    expect(calls).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 20))
    await expect(port(session).afterRefusal('token-0')).rejects.toBeInstanceOf(RefreshTimeoutError)
    expect(calls).toBe(2)
  })

  it('a timed-out refresh is never an answer to callers who ask after it: they wait on the same work afresh', async () => {
    const gate = deferred()
    const strategy = countingStrategy()
    const slow: Coordinator = { refresh: (_stale, work) => gate.promise.then(work) }
    const failures: unknown[] = []
    const session = createSession({ strategy, tokens: start, coordinator: slow, refreshTimeoutMs: 100 })
    session.on('refreshFailed', (event) => failures.push(event))
    // The coordinated work waits 220 ms (a lock held elsewhere, a Redis restart): callers asking at
    // 0 and 40 ms share the first deadline (100 ms); callers at 150 and 190 ms wait on the same work.
    const ask = (atMs: number) =>
      new Promise((resolve) => setTimeout(resolve, atMs)).then(() =>
        port(session)
          .afterRefusal('token-0')
          .then(
            (tokens) => tokens?.accessToken,
            (error: unknown) => (error instanceof RefreshTimeoutError ? 'timed out' : error),
          ),
      )
    const outcomes = Promise.all([ask(0), ask(40), ask(150), ask(190)])
    setTimeout(() => gate.resolve(), 220)
    expect(await outcomes).toEqual(['timed out', 'timed out', 'token-1', 'token-1'])
    expect(strategy.calls).toBe(1)
    expect(failures).toHaveLength(1) // one refresh, one report, however many callers timed out
    await session.destroy()
  })
})

describe('the longest deadline a session accepts', () => {
  it.each([
    ['without a coordinator', false],
    ['with a coordinator (its work gets one more deadline, past what a timer can wait)', true],
  ])('refreshTimeoutMs 2147483647 %s: a refresh answering in 50 ms succeeds, not timed out at once', async (_, coordinated) => {
    const strategy = countingStrategy(async (call, current) => {
      await new Promise((resolve) => setTimeout(resolve, 50))
      return { ...current, accessToken: `token-${call}` }
    })
    const direct: Coordinator = { refresh: (_stale, work) => work() }
    const session = createSession({ strategy, tokens: start, refreshTimeoutMs: 2_147_483_647, ...(coordinated ? { coordinator: direct } : {}) })
    await expect(session.refresh()).resolves.toBe('token-1')
    await session.destroy()
  })
})
