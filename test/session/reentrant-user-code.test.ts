/**
 * User code the session calls (a `refreshing` listener, a store's `set`) may call back into it at
 * once: a request through an authed client, a sign-out. It must find the session's bookkeeping
 * done: a refresh it joins rather than a second one of the same refresh token, a typed error
 * rather than a half-updated state, and one store write at a time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSession, SessionExpiredError, type Tokens } from '../../src/index.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'
import { type ResourceServer, startResourceServer } from '../_helpers/resource-server.js'
import { clientOf, type Outcome, TRANSPORTS } from '../_helpers/transports.js'

let api: ResourceServer
beforeAll(async () => {
  api = await startResourceServer((token) => token !== undefined)
})
afterAll(() => api.stop())

// Valid for 10 s more, inside a 60 s refresh-ahead window: the next request starts a refresh.
const dueTokens = (): Tokens => ({ accessToken: 'token-0', refreshToken: 'refresh-0', expiresAt: Date.now() + 10_000 })
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.each(TRANSPORTS)('through %s', (transport) => {
  it('a refreshing listener sending through the same client joins the refresh: one strategy call', async () => {
    const strategy = countingStrategy(async (call, current) => {
      await sleep(20)
      return { ...current, accessToken: `token-${call}`, expiresAt: Date.now() + 3_600_000 }
    })
    const session = createSession({ strategy, tokens: dueTokens(), refreshAheadMs: 60_000 })
    const { call, detach } = clientOf(transport, session, api.url)
    const inner: Promise<Outcome>[] = []
    session.on('refreshing', () => {
      if (inner.length < 3) inner.push(call('/inner'))
    })
    const outer = await call('/outer')
    await sleep(60)
    expect(outer).toEqual(expect.objectContaining({ status: 200 }))
    await expect(Promise.all(inner)).resolves.toEqual([expect.objectContaining({ status: 200 })])
    expect(strategy.calls).toBe(1)
    await session.destroy()
    detach()
  })

  it('a refreshing listener signing out leaves the request a typed outcome, never a TypeError', async () => {
    const session = createSession({ strategy: countingStrategy(), tokens: dueTokens(), refreshAheadMs: 60_000 })
    session.on('refreshing', () => void session.clear())
    const { call, detach } = clientOf(transport, session, api.url)
    // Sent with the token still valid as it left; the refresh it started found the session signed out.
    expect(await call('/me')).toEqual(expect.objectContaining({ status: 200 }))
    expect(session.state).toBe('signed-out')
    detach()
  })
})

it('refresh() under a refreshing listener that signs out rejects with SessionExpiredError', async () => {
  const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0', refreshToken: 'refresh-0' } })
  session.on('refreshing', () => void session.clear())
  await expect(session.refresh()).rejects.toBeInstanceOf(SessionExpiredError)
})

describe.each(TRANSPORTS)('a store whose set() sends through the %s client', (transport) => {
  it('is called one write at a time after a failure: no write starts inside another', async () => {
    let sets = 0
    let inside = 0
    let deepest = 0
    let send: (path: string) => Promise<Outcome> = async () => ({ error: 'not yet' })
    const store = {
      get: () => undefined,
      set: async () => {
        sets++
        if (sets === 1) throw new Error('backend down')
        inside++
        deepest = Math.max(deepest, inside)
        try {
          await send('/save')
        } finally {
          inside--
        }
      },
      delete: () => {},
    }
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0', refreshToken: 'refresh-0' }, store })
    const client = clientOf(transport, session, api.url)
    send = client.call
    await session.getAccessToken() // the first write (the given tokens, the store being empty) fails: the store is behind
    await sleep(1_050) // a later use brings it up, at most once a second
    expect(await client.call('/next')).toEqual(expect.objectContaining({ status: 200 }))
    await sleep(100)
    expect(deepest).toBe(1)
    expect(sets).toBeLessThanOrEqual(3)
    await session.destroy()
    client.detach()
  })
})
