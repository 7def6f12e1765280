/**
 * Initial tokens whose issue time is known from the JWT `iat` are treated like tokens the session
 * obtained: the refresh-ahead window is capped by their life. Before, a 15 s token given at
 * sign-in was refreshed on the first request (the legacy example's "token refreshed" on every
 * first click).
 */
import { describe, expect, it } from 'vitest'
import { createSession, type TokenStore } from '../../src/index.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'
import { flush } from '../_helpers/deferred.js'

const jwt = (claims: Record<string, number>): string => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`
const signIn = 1_700_000_000_000

describe.each([
  ['given as options.tokens', (accessToken: string) => ({ tokens: { accessToken } })],
  ['read from the store', (accessToken: string) => ({ store: { get: () => ({ accessToken }), set: () => {}, delete: () => {} } as TokenStore })],
  ['set with setTokens', () => ({})],
])('a 15 s token %s', (label, source) => {
  it.each([
    { refreshAheadMs: undefined, quietUntil: 14_250 }, // default window: a twentieth of 15 s
    { refreshAheadMs: 30_000, quietUntil: 7_500 }, // explicit window: half of 15 s
  ])('refreshAheadMs $refreshAheadMs: not refreshed on the first request, only from $quietUntil ms', async ({ refreshAheadMs, quietUntil }) => {
    let time = signIn
    const accessToken = jwt({ iat: signIn / 1000, exp: signIn / 1000 + 15 })
    const strategy = countingStrategy()
    const session = createSession({ strategy, now: () => time, ...(refreshAheadMs === undefined ? {} : { refreshAheadMs }), ...source(accessToken) })
    if (label === 'set with setTokens') await session.setTokens({ accessToken })
    await expect(session.getAccessToken()).resolves.toBe(accessToken)
    time = signIn + quietUntil - 1
    await session.getAccessToken()
    await flush()
    expect(strategy.calls).toBe(0)
    time = signIn + quietUntil
    await session.getAccessToken()
    await flush()
    expect(strategy.calls).toBe(1)
  })
})

it('without iat (issue time unknown) the window is not capped, as before', async () => {
  const time = 1_700_000_000_000
  const strategy = countingStrategy()
  const session = createSession({ strategy, tokens: { accessToken: jwt({ exp: time / 1000 + 15 }) }, refreshAheadMs: 30_000, now: () => time })
  await session.getAccessToken()
  await flush()
  expect(strategy.calls).toBe(1)
})

describe('a provider whose clock is off by more than a token’s life', () => {
  it.each([
    ['an hour behind', -3_600_000],
    ['an hour ahead', 3_600_000],
  ])('%s: a refreshed 60 s JWT lives 60 s by this clock, not one refresh per request', async (_, offsetMs) => {
    let time = signIn
    // The provider stamps iat/exp by its own clock.
    const strategy = countingStrategy((call) => {
      const issued = (time + offsetMs) / 1000
      return { accessToken: jwt({ iat: issued, exp: issued + 60, call }) }
    })
    const session = createSession({ strategy, tokens: { accessToken: 'opaque-0' }, now: () => time })
    await session.refresh()
    for (let i = 0; i < 10; i++) {
      time += 5_000
      await session.getAccessToken()
      await flush()
    }
    expect(strategy.calls).toBe(1) // 50 s into a 60 s life: still inside the default window's quiet part
    time = signIn + 61_000
    await session.getAccessToken()
    expect(strategy.calls).toBe(2)
  })
})
