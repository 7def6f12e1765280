/**
 * Values no option check can see until they are used: a clock returning NaN (was accepted and
 * silently broke every expiry decision) fails the call with a clear error; a provider lifetime of
 * 1e308 s (expiresAt Infinity) made the session reject tokens the provider had already rotated,
 * losing the rotated refresh token: such expiries are clamped to a year, never dropped.
 */
import { describe, expect, it } from 'vitest'
import { type Coordinator, type CoordinatorLink, createSession, type Tokens } from '../../src/index.js'
import { MAX_LIFETIME_MS } from '../../src/session/refresh-window.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'
import { port } from '../_helpers/session-port.js'

const start: Tokens = { accessToken: 'token-0', refreshToken: 'refresh-0', expiresAt: 0 }

describe('a clock that returns something other than a finite number', () => {
  it.each([Number.NaN, Number.POSITIVE_INFINITY, '1700000000000', undefined])('now() → %s: calls fail with a TypeError naming now()', async (value) => {
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens: { accessToken: 'token-0' }, now: () => value as number })
    await expect(session.getAccessToken()).rejects.toMatchObject({ name: 'TypeError', message: expect.stringContaining('`now()`') })
    expect(strategy.calls).toBe(0)
  })

  it('a clock that breaks later: the call fails clearly, nothing hangs', async () => {
    let time = 0
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0', expiresAt: 1_000 }, now: () => time })
    await expect(session.getAccessToken()).resolves.toBe('token-0')
    time = Number.NaN
    await expect(session.getAccessToken()).rejects.toThrow(/`now\(\)`/)
  })
})

describe('a clock that breaks while a refresh answer arrives', () => {
  it('the rotated tokens are kept all the same: the next refresh presents the new refresh token, and refreshing ends in refreshed', async () => {
    let broken = false
    const presented: Array<string | undefined> = []
    const strategy = countingStrategy((call, current) => {
      presented.push(current.refreshToken)
      broken = true // the provider has rotated; the clock fails as its answer is taken
      return { accessToken: `token-${call}`, refreshToken: `refresh-${call}` }
    })
    const session = createSession({ strategy, tokens: { accessToken: 'token-0', refreshToken: 'refresh-0' }, now: () => (broken ? Number.NaN : Date.now()) })
    const heard: string[] = []
    for (const type of ['refreshing', 'refreshed', 'refreshFailed'] as const) session.on(type, () => heard.push(type))
    await session.refresh().catch(() => {})
    broken = false
    await session.refresh()
    expect(presented).toEqual(['refresh-0', 'refresh-1'])
    expect(heard).toEqual(['refreshing', 'refreshed', 'refreshing', 'refreshed'])
  })
})

// A token expired as it came (`expires_in: 0`, an `exp` behind this clock) is used until refused:
// refreshed ahead, it was refreshed before every request.
describe('tokens expired on arrival', () => {
  it.each([
    ['expiresAt before the answer', (now: number) => ({ expiresAt: now - 1_000 })],
    ['expiresAt at the answer (expires_in: 0)', (now: number) => ({ expiresAt: now })],
  ])('%s: 20 requests after the refresh cost no further refresh', async (_label, expiry) => {
    let time = 1_700_000_000_000
    const strategy = countingStrategy((call) => ({ accessToken: `token-${call}`, refreshToken: `refresh-${call}`, ...expiry(time) }))
    const session = createSession({ strategy, tokens: { accessToken: 'token-0', refreshToken: 'refresh-0' }, now: () => time })
    await session.refresh()
    for (let i = 0; i < 20; i++) {
      time += 100
      await expect(port(session).tokensForSend()).resolves.toMatchObject({ accessToken: 'token-1' })
    }
    expect(strategy.calls).toBe(1)
  })

  it('tokens another copy hands over, expired there since: refreshed before use, not taken for expired on arrival', async () => {
    let link: CoordinatorLink<Tokens> | undefined
    const coordinator: Coordinator<Tokens> = {
      attach: (attached) => {
        link = attached
        return () => {}
      },
      refresh: (_stale, work) => work(),
    }
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens: { accessToken: 'token-0', refreshToken: 'refresh-0' }, coordinator })
    await session.getAccessToken()
    link?.adopt({ accessToken: 'token-elsewhere', refreshToken: 'refresh-elsewhere', expiresAt: Date.now() - 60_000 })
    await expect(session.getAccessToken()).resolves.toBe('token-1')
    expect(strategy.calls).toBe(1)
  })
})

describe('absurd lifetimes from a provider are clamped, the tokens kept', () => {
  it.each([
    ['Infinity', Number.POSITIVE_INFINITY],
    ['1e308 s', 1e308 * 1000],
    ['Number.MAX_VALUE', Number.MAX_VALUE],
  ])('expiresAt %s: the rotated tokens are adopted and refreshed again within a year', async (_label, expiresAt) => {
    let time = 1_000
    const presented: Array<string | undefined> = []
    const strategy = countingStrategy((call, current) => {
      presented.push(current.refreshToken)
      return { accessToken: `token-${call}`, refreshToken: `refresh-${call}`, expiresAt }
    })
    const session = createSession({ strategy, tokens: start, refreshAheadMs: 0, now: () => time })
    await expect(session.getAccessToken()).resolves.toBe('token-1')
    time += MAX_LIFETIME_MS - 1
    await expect(session.getAccessToken()).resolves.toBe('token-1')
    time += 2
    await expect(session.getAccessToken()).resolves.toBe('token-2')
    expect(presented).toEqual(['refresh-0', 'refresh-1']) // the rotated one, never the spent one
  })

  it('initial tokens with an Infinity expiresAt are accepted and clamped the same way', async () => {
    let time = 0
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens: { accessToken: 'token-0', expiresAt: Number.POSITIVE_INFINITY }, refreshAheadMs: 0, now: () => time })
    await expect(session.getAccessToken()).resolves.toBe('token-0')
    time = MAX_LIFETIME_MS
    await expect(session.getAccessToken()).resolves.toBe('token-1')
  })
})

describe('a coordinator whose refresh throws synchronously (odd user code)', () => {
  it('a valid token still goes out while the background refresh fails; refreshFailed reports it; a 401 gets the error as a rejection', async () => {
    const coordinator: Coordinator = {
      refresh: () => {
        throw new Error('coordinator broke')
      },
    }
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0', expiresAt: Date.now() + 1_000 }, refreshAheadMs: 5_000, coordinator })
    const failures: unknown[] = []
    session.on('refreshFailed', ({ error }) => failures.push(error.message))
    // Inside the refresh-ahead window: the send takes the still valid token, the refresh fails aside.
    await expect(port(session).tokensForSend()).resolves.toMatchObject({ accessToken: 'token-0' })
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(failures).toEqual(['The coordinated refresh failed']) // a coordinator's own text may quote anything
    await expect(port(session).afterRefusal('token-0')).rejects.toThrow('The coordinated refresh failed')
    await session.destroy()
  })
})
