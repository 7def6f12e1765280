import { describe, expect, it, vi } from 'vitest'
import {
  createSession,
  InvalidRefreshResponseError,
  RefreshError,
  RefreshTimeoutError,
  SessionExpiredError,
  type SessionEvents,
  type Tokens,
} from '../src/index.js'
import { countingStrategy } from './_helpers/counting-strategy.js'
import { deferred, flush } from './_helpers/deferred.js'
import { port } from './_helpers/session-port.js'

const start: Tokens = { accessToken: 'token-0', refreshToken: 'refresh-0' }

function recordEvents(session: ReturnType<typeof createSession>): Array<[keyof SessionEvents, unknown]> {
  const seen: Array<[keyof SessionEvents, unknown]> = []
  for (const type of ['refreshing', 'refreshed', 'refreshFailed', 'expired', 'replayed'] as const) {
    session.on(type, (event) => seen.push([type, event]))
  }
  return seen
}

describe('single flight', () => {
  it('shares one refresh between every concurrent failure of the same token', async () => {
    const gate = deferred()
    const strategy = countingStrategy(async (call, current) => {
      await gate.promise
      return { ...current, accessToken: `token-${call}` }
    })
    const session = createSession({ strategy, tokens: start })
    const waiting = Array.from({ length: 50 }, () => port(session).afterRefusal('token-0'))
    await flush()
    expect(strategy.calls).toBe(1)
    gate.resolve()
    const results = await Promise.all(waiting)
    expect(new Set(results.map((t) => t?.accessToken))).toEqual(new Set(['token-1']))
    expect(strategy.calls).toBe(1)
  })

  it('starts no refresh for a 401 on a token that was already replaced (invariant 2)', async () => {
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens: { accessToken: 'token-B' } })
    await expect(port(session).afterRefusal('token-A')).resolves.toMatchObject({ accessToken: 'token-B' })
    expect(strategy.calls).toBe(0)
  })

  it('gives a replay the successor, not tokens that expire sooner than the refused call took', async () => {
    vi.useFakeTimers()
    try {
      const strategy = countingStrategy((call, current) => ({ ...current, accessToken: `token-${call}`, expiresAt: Date.now() + 1_000 }))
      const session = createSession({ strategy, tokens: { accessToken: 'token-B', expiresAt: Date.now() + 50 }, refreshAheadMs: 0, now: () => Date.now() })
      // The refused call took 20 ms: token-B, with 50 ms left, outlives another round trip.
      await expect(port(session).tokensForSend(20)).resolves.toMatchObject({ accessToken: 'token-B' })
      // It took 200 ms: token-B would be dead on arrival, so the replay waits for its expiry and the
      // refresh that expiry calls for anyway (one, however many calls wait).
      let replayWith: string | undefined
      const waiting = Array.from({ length: 3 }, () =>
        port(session).tokensForSend(200).then((t) => {
          replayWith = t?.accessToken
        }),
      )
      await vi.advanceTimersByTimeAsync(49)
      expect({ replayWith, calls: strategy.calls }).toEqual({ replayWith: undefined, calls: 0 })
      await vi.advanceTimersByTimeAsync(1)
      await Promise.all(waiting)
      expect({ replayWith, calls: strategy.calls }).toEqual({ replayWith: 'token-1', calls: 1 })
      // Once: a successor that lives shorter than the round trip too is sent, not waited out again.
      const slower = port(session).tokensForSend(5_000)
      await vi.advanceTimersByTimeAsync(1_000)
      await expect(slower).resolves.toMatchObject({ accessToken: 'token-2' })
      expect(strategy.calls).toBe(2)
    } finally {
      vi.useRealTimers()
    }
  })

  it('a thousand replays waiting out one expiring token add one listener to the session, not one each (no MaxListenersExceededWarning)', async () => {
    const warnings: string[] = []
    const onWarning = (warning: Error): void => void warnings.push(warning.name)
    process.on('warning', onWarning)
    try {
      const strategy = countingStrategy()
      const session = createSession({ strategy, tokens: { accessToken: 'token-B', expiresAt: Date.now() + 30 }, refreshAheadMs: 0 })
      const waiting = Array.from({ length: 1_000 }, () => port(session).tokensForSend(200))
      const tokens = await Promise.all(waiting)
      expect(new Set(tokens.map((t) => t?.accessToken))).toEqual(new Set(['token-1']))
      expect(strategy.calls).toBe(1)
      await new Promise((resolve) => setTimeout(resolve, 10)) // warnings are emitted on a later tick
      expect(warnings).not.toContain('MaxListenersExceededWarning')
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('gives a replay a refresh already running rather than tokens about to expire', async () => {
    const gate = deferred()
    const strategy = countingStrategy(async (call, current) => {
      await gate.promise
      return { ...current, accessToken: `token-${call}`, expiresAt: Date.now() + 60_000 }
    })
    const session = createSession({ strategy, tokens: { accessToken: 'token-0', expiresAt: Date.now() + 10_000 }, refreshAheadMs: 20_000 })
    await port(session).tokensForSend() // inside the window: starts the refresh in the background
    expect(strategy.calls).toBe(1)
    const replay = port(session).tokensForSend(15_000)
    gate.resolve()
    await expect(replay).resolves.toMatchObject({ accessToken: 'token-1' })
    expect(strategy.calls).toBe(1)
  })

  it('answers undefined when signed out: there is nothing to replay with', async () => {
    const strategy = countingStrategy()
    const session = createSession({ strategy })
    expect(session.state).toBe('signed-out')
    await expect(port(session).afterRefusal(undefined)).resolves.toBeUndefined()
    await expect(session.getAccessToken()).rejects.toBeInstanceOf(SessionExpiredError)
    expect(strategy.calls).toBe(0)
  })

  it('gives each refresh attempt its own AbortSignal', async () => {
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens: start })
    await session.refresh()
    await session.refresh()
    expect(strategy.signals).toHaveLength(2)
    expect(strategy.signals[0]).not.toBe(strategy.signals[1])
    expect(strategy.signals.some((signal) => signal.aborted)).toBe(false)
  })
})

describe('retries and failures', () => {
  const flaky = (failures: number) =>
    countingStrategy((call, current) => {
      if (call <= failures) throw new RefreshError('busy', { transient: true, status: 500 })
      return { ...current, accessToken: `token-${call}` }
    })

  it.each([
    { retries: 2, succeeds: false },
    { retries: 3, succeeds: true },
  ])('500 three times then 200 with retries: $retries → succeeds: $succeeds', async ({ retries, succeeds }) => {
    const strategy = flaky(3)
    const session = createSession({ strategy, tokens: start, retry: { retries, minDelayMs: 1, maxDelayMs: 4 } })
    const events = recordEvents(session)
    const result = session.refresh()
    if (succeeds) {
      await expect(result).resolves.toBe('token-4')
      expect(strategy.calls).toBe(4)
    } else {
      await expect(result).rejects.toMatchObject({ code: 'ERR_REFRESH_FAILED', transient: true, status: 500 })
      expect(strategy.calls).toBe(3)
      expect(events.filter(([type]) => type === 'refreshFailed')).toHaveLength(1)
      expect(session.state).toBe('active') // transient: the session lives on
    }
  })

  it('a terminal failure rejects every waiter with SessionExpiredError and emits expired once', async () => {
    const gate = deferred()
    const strategy = countingStrategy(async () => {
      await gate.promise
      throw new RefreshError('invalid session', { transient: false, status: 401, providerCode: 'ESB-IDP-E0003' })
    })
    const session = createSession({ strategy, tokens: start })
    const events = recordEvents(session)
    const waiting = Array.from({ length: 20 }, () => port(session).afterRefusal('token-0'))
    gate.resolve()
    const results = await Promise.allSettled(waiting)
    for (const result of results) {
      expect(result.status).toBe('rejected')
      const reason = (result as PromiseRejectedResult).reason
      expect(reason).toBeInstanceOf(SessionExpiredError)
      expect(reason.cause).toMatchObject({ providerCode: 'ESB-IDP-E0003' })
    }
    expect(events.filter(([type]) => type === 'expired')).toHaveLength(1)
    expect(strategy.calls).toBe(1)
    expect(session.state).toBe('expired')
    // No new refresh and no token while expired…
    await expect(port(session).tokensForSend()).rejects.toBeInstanceOf(SessionExpiredError)
    await expect(port(session).afterRefusal('token-0')).rejects.toBeInstanceOf(SessionExpiredError)
    await expect(session.refresh()).rejects.toBeInstanceOf(SessionExpiredError)
    expect(strategy.calls).toBe(1)
    expect(events.filter(([type]) => type === 'expired')).toHaveLength(1)
    // …until setTokens.
    await session.setTokens({ accessToken: 'signed-in-again', refreshToken: 'r' })
    expect(session.state).toBe('active')
    await expect(session.getAccessToken()).resolves.toBe('signed-in-again')
  })

  it('a hung refresh settles every waiter at refreshTimeoutMs, retries included (one deadline)', async () => {
    const strategy = countingStrategy(() => new Promise<Tokens>(() => {})) // ignores its signal entirely
    const session = createSession({ strategy, tokens: start, refreshTimeoutMs: 60, retry: { retries: 3, minDelayMs: 1, maxDelayMs: 2 } })
    const began = performance.now()
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => port(session).afterRefusal('token-0')))
    const elapsed = performance.now() - began
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof RefreshTimeoutError)).toBe(true)
    expect(strategy.calls).toBe(1) // the deadline is the whole budget: no attempt starts past it
    expect(strategy.signals.every((signal) => signal.aborted)).toBe(true)
    expect(elapsed).toBeGreaterThanOrEqual(59)
    expect(session.state).toBe('active')
  })

  it('honours Retry-After up to maxDelayMs and gives up at once beyond it', async () => {
    const answers = [new RefreshError('slow down', { transient: true, status: 429, retryAfterMs: 60_000 })]
    const strategy = countingStrategy((_call, current) => {
      const next = answers.shift()
      if (next) throw next
      return { ...current, accessToken: 'fresh' }
    })
    const session = createSession({ strategy, tokens: start, retry: { retries: 3, minDelayMs: 1, maxDelayMs: 1000 } })
    await expect(session.refresh()).rejects.toMatchObject({ status: 429 })
    expect(strategy.calls).toBe(1)
  })

  it('a malformed refresh result is an InvalidRefreshResponseError, not a stored undefined token', async () => {
    const strategy = countingStrategy(() => ({}) as Tokens)
    const session = createSession({ strategy, tokens: start })
    await expect(session.refresh()).rejects.toBeInstanceOf(InvalidRefreshResponseError)
    await expect(session.getAccessToken()).resolves.toBe('token-0')
  })

  it('destroy aborts the refresh in flight and rejects what waits on it', async () => {
    const strategy = countingStrategy(() => new Promise<Tokens>(() => {}))
    const session = createSession({ strategy, tokens: start })
    const waiting = port(session).afterRefusal('token-0')
    await flush()
    session.destroy()
    await expect(waiting).rejects.toBeInstanceOf(SessionExpiredError)
    expect(strategy.signals[0]?.aborted).toBe(true)
    await expect(session.getAccessToken()).rejects.toThrow(/destroyed/)
  })
})

describe('expiry and proactive refresh', () => {
  const expiresAt = 1_000_000
  const ahead = 10_000

  it.each([
    { label: 'before the window', time: expiresAt - ahead - 1, refreshes: 0, blocking: false },
    { label: 'exactly refreshAheadMs before expiry', time: expiresAt - ahead, refreshes: 1, blocking: false },
    { label: '1 ms before expiry', time: expiresAt - 1, refreshes: 1, blocking: false },
    { label: 'at expiry', time: expiresAt, refreshes: 1, blocking: true },
    { label: 'long after expiry (laptop woke up)', time: expiresAt + 3_600_000, refreshes: 1, blocking: true },
  ])('$label', async ({ time, refreshes, blocking }) => {
    const strategy = countingStrategy((call, current) => ({ ...current, accessToken: `token-${call}`, expiresAt: time + 3_600_000 }))
    const session = createSession({ strategy, tokens: { ...start, expiresAt }, refreshAheadMs: ahead, now: () => time })
    const token = await session.getAccessToken()
    expect(token).toBe(blocking ? 'token-1' : 'token-0')
    await flush()
    expect(strategy.calls).toBe(refreshes)
  })

  it('reads the expiry from the JWT exp when the strategy gives none', async () => {
    const exp = 2_000_000_000
    const jwt = `e30.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.sig`
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens: { accessToken: jwt }, refreshAheadMs: 0, now: () => exp * 1000 })
    await expect(session.getAccessToken()).resolves.toBe('token-1')
    expect(strategy.calls).toBe(1)
  })

  it('never refreshes a token with no known expiry before it fails', async () => {
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens: { accessToken: 'opaque' }, now: () => Number.MAX_SAFE_INTEGER })
    await session.getAccessToken()
    await flush()
    expect(strategy.calls).toBe(0)
  })

  it('keeps serving a still-valid token when a background refresh fails transiently', async () => {
    let time = 0
    const strategy = countingStrategy(() => {
      throw new RefreshError('down', { transient: true, status: 503 })
    })
    const session = createSession({ strategy, tokens: { ...start, expiresAt: 10_000 }, refreshAheadMs: 5_000, retry: false, now: () => time })
    time = 6_000
    await expect(session.getAccessToken()).resolves.toBe('token-0')
    await flush()
    expect(strategy.calls).toBe(1)
    // No hammering: the next read inside the backoff ceiling does not retry at once.
    await expect(session.getAccessToken()).resolves.toBe('token-0')
    await flush()
    expect(strategy.calls).toBe(1)
  })

  it('caps the window at half the life of tokens it obtained, so a long window cannot loop', async () => {
    let time = 0
    const strategy = countingStrategy((call, current) => ({ ...current, accessToken: `token-${call}`, expiresAt: time + 2_000 }))
    const session = createSession({ strategy, tokens: { ...start, expiresAt: 500 }, refreshAheadMs: 30_000, now: () => time })
    await session.getAccessToken() // inside the window: background refresh → token-1, valid until 2000
    await flush()
    expect(strategy.calls).toBe(1)
    for (const t of [100, 500, 999]) {
      time = t
      await expect(session.getAccessToken()).resolves.toBe('token-1')
      await flush()
    }
    expect(strategy.calls).toBe(1)
    time = 1_000 // half its life: the window opens
    await session.getAccessToken()
    await flush()
    expect(strategy.calls).toBe(2)
  })
  it('left at its default, the window takes at most a twentieth of the life of tokens it obtained: one refresh per life', async () => {
    let time = 0
    const strategy = countingStrategy((call, current) => ({ ...current, accessToken: `token-${call}`, expiresAt: time + 2_000 }))
    const session = createSession({ strategy, tokens: { ...start, expiresAt: 0 }, now: () => time })
    await expect(session.getAccessToken()).resolves.toBe('token-1') // expired: token-1 lives until 2000
    time = 1_899
    await session.getAccessToken()
    await flush()
    expect(strategy.calls).toBe(1)
    time = 1_900 // 100 ms (a twentieth) before its expiry
    await session.getAccessToken()
    await flush()
    expect(strategy.calls).toBe(2)
  })
})

describe('tokens and store', () => {
  it('persists rotated tokens before releasing any waiter (invariant 6)', async () => {
    const write = deferred()
    const writes: Tokens[] = []
    const store = {
      get: () => start,
      set: async (tokens: Tokens) => {
        writes.push(tokens)
        await write.promise
      },
      delete: () => {},
    }
    const strategy = countingStrategy((call) => ({ accessToken: `token-${call}`, refreshToken: `refresh-${call}` }))
    const session = createSession({ strategy, store })
    let released = false
    const waiting = port(session).afterRefusal('token-0').then((tokens) => {
      released = true
      return tokens
    })
    await flush()
    await flush()
    expect(writes).toEqual([{ accessToken: 'token-1', refreshToken: 'refresh-1' }])
    expect(released).toBe(false)
    write.resolve()
    await expect(waiting).resolves.toMatchObject({ refreshToken: 'refresh-1' })
  })

  it('prefers tokens already in the store over the initial ones', async () => {
    const strategy = countingStrategy()
    const stored = { accessToken: 'rotated-by-another-process' }
    const session = createSession({ strategy, tokens: start, store: { get: async () => stored, set: () => {}, delete: () => {} } })
    await expect(session.getAccessToken()).resolves.toBe('rotated-by-another-process')
  })

  it('seeds an empty store with the initial tokens', async () => {
    const writes: Tokens[] = []
    const session = createSession({ strategy: countingStrategy(), tokens: start, store: { get: () => undefined, set: (t) => void writes.push(t), delete: () => {} } })
    await session.getAccessToken()
    expect(writes).toEqual([start])
  })

  it('setTokens during a refresh wins over the refresh result', async () => {
    const gate = deferred()
    const strategy = countingStrategy(async () => {
      await gate.promise
      return { accessToken: 'from-old-refresh' }
    })
    const session = createSession({ strategy, tokens: start })
    const waiting = port(session).afterRefusal('token-0')
    await flush()
    await session.setTokens({ accessToken: 'after-login' })
    gate.resolve()
    await expect(waiting).resolves.toMatchObject({ accessToken: 'after-login' })
    await expect(session.getAccessToken()).resolves.toBe('after-login')
  })

  it('clear signs out: no token, no refresh', async () => {
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens: start })
    await session.clear()
    expect(session.state).toBe('signed-out')
    await expect(port(session).tokensForSend()).resolves.toBeUndefined()
    await expect(session.refresh()).rejects.toBeInstanceOf(SessionExpiredError)
    expect(strategy.calls).toBe(0)
  })
})

describe('events', () => {
  it('emits refreshing then refreshed, and no event carries a token', async () => {
    const strategy = countingStrategy((_call, current) => ({ ...current, accessToken: 'secret-access', refreshToken: 'secret-refresh' }))
    const session = createSession({ strategy, tokens: { accessToken: 'secret-old', refreshToken: 'secret-old-refresh' } })
    const events = recordEvents(session)
    await session.refresh()
    expect(events.map(([type]) => type)).toEqual(['refreshing', 'refreshed'])
    expect(JSON.stringify(events)).not.toMatch(/secret/)
  })
})
