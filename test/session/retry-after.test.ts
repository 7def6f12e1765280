/**
 * A provider asking for more than maxDelayMs (Retry-After: 120) made the session give up that
 * refresh and call again at the next 401 (3 calls in 100 ms). Until the time it asked for, no
 * refresh call is made: waiting requests and new 401s fail fast with the same transient error.
 */
import { describe, expect, it } from 'vitest'
import { createSession, RefreshError, type Tokens } from '../../src/index.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'
import { port } from '../_helpers/session-port.js'

const start: Tokens = { accessToken: 'token-0', refreshToken: 'refresh-0' }

function throttled(retryAfterMs: number) {
  let limited = true
  const strategy = countingStrategy((call, current) => {
    if (limited) throw new RefreshError('slow down', { transient: true, status: 429, retryAfterMs })
    return { ...current, accessToken: `token-${call}` }
  })
  const lift = (): void => {
    limited = false
  }
  return { strategy, lift }
}

describe('Retry-After beyond maxDelayMs', () => {
  it('no refresh call until the time asked for; every caller meanwhile fails fast with the same error', async () => {
    let time = 1_000_000
    const { strategy, lift } = throttled(120_000)
    const session = createSession({ strategy, tokens: start, retry: { retries: 3, minDelayMs: 1, maxDelayMs: 1_000 }, now: () => time })
    const failures: unknown[] = []
    session.on('refreshFailed', (event) => failures.push(event))
    const first = await port(session).afterRefusal('token-0').catch((e: unknown) => e)
    expect(first).toMatchObject({ status: 429, retryAfterMs: 120_000, transient: true })
    expect(strategy.calls).toBe(1)
    for (const after of [1, 60_000, 119_999]) {
      time = 1_000_000 + after
      const began = performance.now()
      const results = await Promise.allSettled([port(session).afterRefusal('token-0'), session.refresh(), port(session).afterRefusal('token-0')])
      expect(performance.now() - began).toBeLessThan(500) // no backoff of up to maxDelayMs (1,000 ms) is waited
      for (const result of results) expect(result).toMatchObject({ status: 'rejected', reason: first })
    }
    expect(strategy.calls).toBe(1)
    expect(failures).toHaveLength(1)
    expect(session.state).toBe('active') // transient: not signed out
    lift()
    time = 1_000_000 + 120_000
    await expect(port(session).afterRefusal('token-0')).resolves.toMatchObject({ accessToken: 'token-2' })
    expect(strategy.calls).toBe(2)
  })

  it('an expired token is not refreshed ahead of time while blocked either', async () => {
    let time = 0
    const { strategy } = throttled(60_000)
    const session = createSession({ strategy, tokens: { ...start, expiresAt: 10 }, retry: false, now: () => time })
    time = 10
    await expect(session.getAccessToken()).rejects.toMatchObject({ retryAfterMs: 60_000 })
    time = 30_000
    await expect(session.getAccessToken()).rejects.toMatchObject({ retryAfterMs: 60_000 })
    expect(strategy.calls).toBe(1)
  })

  it('setTokens (a new sign-in) lifts the block', async () => {
    const { strategy, lift } = throttled(600_000)
    const session = createSession({ strategy, tokens: start, retry: false })
    await expect(session.refresh()).rejects.toMatchObject({ status: 429 })
    lift()
    await session.setTokens({ accessToken: 'signed-in', refreshToken: 'r' })
    await expect(session.refresh()).resolves.toBe('token-2')
  })

  it('a Retry-After within maxDelayMs is waited for, then retried in the same refresh', async () => {
    let limited = 1
    const strategy = countingStrategy((call, current) => {
      if (limited-- > 0) throw new RefreshError('slow down', { transient: true, status: 429, retryAfterMs: 30 })
      return { ...current, accessToken: `token-${call}` }
    })
    const session = createSession({ strategy, tokens: start, retry: { retries: 2, minDelayMs: 1, maxDelayMs: 100 } })
    const began = performance.now()
    await expect(session.refresh()).resolves.toBe('token-2')
    expect(performance.now() - began).toBeGreaterThanOrEqual(29)
  })
})
