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

const jwt = (claims: Record<string, unknown>): string => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`
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

// A session whose strategy answers a JWT with `claims(the provider's now, in s)`, its clock `offsetMs`
// from this one: refreshed once, read every 5 s `reads` times, then just past a 60 s life. The
// refresh calls made by then, and after.
async function refreshCallsOverLife(claims: (providerNowS: number) => Record<string, unknown>, reads: number, offsetMs = 0): Promise<[number, number]> {
  let time = signIn
  const strategy = countingStrategy((call) => ({ accessToken: jwt({ ...claims((time + offsetMs) / 1000), call }) }))
  const session = createSession({ strategy, tokens: { accessToken: 'opaque-0' }, now: () => time })
  await session.refresh()
  for (let i = 0; i < reads; i++) {
    time += 5_000
    await session.getAccessToken()
    await flush()
  }
  const during = strategy.calls
  time = signIn + 61_000
  await session.getAccessToken()
  return [during, strategy.calls]
}

describe('a provider whose clock is off by more than a token’s life', () => {
  it.each([
    ['an hour behind', -3_600_000],
    ['an hour ahead', 3_600_000],
  ])('%s: a refreshed 60 s JWT lives 60 s by this clock, not one refresh per request', async (_, offsetMs) => {
    // The provider stamps iat/exp by its own clock.
    const [during, after] = await refreshCallsOverLife((issued) => ({ iat: issued, exp: issued + 60 }), 10, offsetMs)
    expect(during).toBe(1) // 50 s into a 60 s life: still inside the default window's quiet part
    expect(after).toBe(2)
  })
})

describe('a refresh answer read late (a busy process), the provider clock right', () => {
  it.each([0, 4_000, 6_000, 30_000])('read %i ms after it was issued: the token is taken for expired at its exp, not later', async (lateMs) => {
    let time = signIn
    const strategy = countingStrategy(async (call) => {
      const issued = Math.floor(time / 1000)
      time += lateMs // the answer sat unread in a busy process
      return { accessToken: jwt({ iat: issued, exp: issued + 60, call }) }
    })
    const session = createSession({ strategy, tokens: { accessToken: 'opaque-0' }, now: () => time })
    await session.refresh()
    time = signIn + 61_500 // 1.5 s past exp
    await session.getAccessToken()
    expect(strategy.calls).toBe(2)
  })
})

describe('implausible JWT claims in a refresh’s answer', () => {
  it.each([
    ['iat in milliseconds', (issued: number) => ({ iat: issued * 1000, exp: issued + 60 })],
    ['iat 0', (issued: number) => ({ iat: 0, exp: issued + 60 })],
    ['iat after exp', (issued: number) => ({ iat: issued + 120, exp: issued + 60 })],
    ['iat negative', (issued: number) => ({ iat: -5, exp: issued + 60 })],
    ['iat a string', (issued: number) => ({ iat: String(issued), exp: issued + 60 })],
  ])('%s: the exp is read as it is, no refresh storm and no token kept past it', async (_, claims) => {
    const [during, after] = await refreshCallsOverLife(claims, 5)
    expect(during).toBe(1)
    expect(after).toBe(2)
  })
})

describe('JWT times written in milliseconds (both iat and exp)', () => {
  it('read as unknown: the token is used until refused, and the next token’s times are read without a skew', async () => {
    let time = signIn
    const strategy = countingStrategy((call) => ({ accessToken: jwt({ iat: time, exp: time + 3_600_000, call }) }))
    const session = createSession({ strategy, tokens: { accessToken: 'opaque-0' }, now: () => time })
    await session.refresh()
    time += 7_200_000 // past what either reading of the claims would make of the token
    await session.getAccessToken()
    await flush()
    expect(strategy.calls).toBe(1)
    // A sign-in's ordinary 60 s JWT, by this clock.
    const issued = time / 1000
    await session.setTokens({ accessToken: jwt({ iat: issued, exp: issued + 60 }) })
    time += 30_000
    await session.getAccessToken()
    await flush()
    expect(strategy.calls).toBe(1)
    time += 31_000
    await session.getAccessToken()
    expect(strategy.calls).toBe(2)
  })
})

describe('a skewed provider’s JWT adopted from another copy of the session', () => {
  it('once each copy has refreshed, tokens adopted back and forth are not taken for expired', async () => {
    let time = signIn
    const strategy = countingStrategy((call) => {
      const issued = (time - 3_600_000) / 1000 // the provider is an hour behind
      return { accessToken: jwt({ iat: issued, exp: issued + 600, call }) }
    })
    // Two copies of one session, as tabs or processes are: what one refreshes, the other adopts.
    type Link = { adopt(tokens: { accessToken: string } | undefined): void }
    const copies: Link[] = []
    const coordinator = () => {
      let own: Link | undefined
      return {
        attach(link: Link) {
          own = link
          copies.push(link)
          return () => {}
        },
        refresh: async (_: unknown, work: () => Promise<{ accessToken: string }>) => {
          const next = await work()
          for (const copy of copies) if (copy !== own) copy.adopt(next)
          return next
        },
      }
    }
    const [a, b] = [createSession({ strategy, tokens: { accessToken: 'opaque-0' }, now: () => time, coordinator: coordinator() }), createSession({ strategy, tokens: { accessToken: 'opaque-0' }, now: () => time, coordinator: coordinator() })]
    await a.refresh()
    await b.refresh() // each copy has now seen a JWT of the provider's own
    const calls = strategy.calls
    for (let i = 0; i < 10; i++) {
      time += 10_000
      await (i % 2 ? a : b).getAccessToken()
      await flush()
    }
    expect(strategy.calls).toBe(calls)
  })
})
