/**
 * A refresh that a sign-in overtook (`setTokens` while it runs) refreshes tokens that are no
 * longer the session's: nothing that asks about the new tokens may take its outcome for theirs.
 * Their own refresh starts when it ends: one refresh at a time.
 */
import { describe, expect, it } from 'vitest'
import type { CoordinatedWork } from '../../src/coordinator.js'
import axios from 'axios'
import { createSession, RefreshError, SessionExpiredError, type Tokens } from '../../src/index.js'
import { attachAxios } from '../../src/interceptors/axios.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { custom } from '../../src/strategies/index.js'
import { deferred } from '../_helpers/deferred.js'
import { serverPool } from '../_helpers/resource-server.js'

// A strategy whose first refresh hangs until released; each call is listed by the refresh token it spent.
function heldStrategy() {
  const spent: string[] = []
  const first = deferred<void>()
  const strategy = custom(async (current: Tokens) => {
    spent.push(String(current.refreshToken))
    if (spent.length === 1) await first.promise
    return { accessToken: `at-from-${current.refreshToken}`, refreshToken: `rt-from-${current.refreshToken}` }
  })
  return { strategy, spent, release: () => first.resolve() }
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 10))

describe('a refresh overtaken by setTokens', () => {
  it('refresh() afterwards refreshes the new tokens, once the old refresh has ended', async () => {
    const { strategy, spent, release } = heldStrategy()
    const session = createSession({ strategy, tokens: { accessToken: 'at-1', refreshToken: 'rt-1' } })
    const old = session.refresh()
    await flush()
    await session.setTokens({ accessToken: 'at-2', refreshToken: 'rt-2' })
    const next = session.refresh()
    await flush()
    expect(spent).toEqual(['rt-1']) // never two refreshes in flight
    release()
    expect(await next).toBe('at-from-rt-2')
    expect(spent).toEqual(['rt-1', 'rt-2'])
    // The old refresh ended with the sign-in's tokens (what was set wins), never its own.
    expect(await old).toBe('at-2')
    expect(await session.getAccessToken()).toBe('at-from-rt-2')
    await session.destroy()
  })

  it('new tokens already expired: getAccessToken refreshes them', async () => {
    const { strategy, spent, release } = heldStrategy()
    const session = createSession({ strategy, tokens: { accessToken: 'at-1', refreshToken: 'rt-1' } })
    const old = session.refresh().catch(() => {})
    await flush()
    await session.setTokens({ accessToken: 'at-2', refreshToken: 'rt-2', expiresAt: Date.now() - 1_000 })
    const token = session.getAccessToken()
    await flush()
    release()
    expect(await token).toBe('at-from-rt-2')
    expect(spent).toEqual(['rt-1', 'rt-2'])
    await old
    await session.destroy()
  })

  it('a 401 on the new token starts its own refresh, and the call is replayed with its result', async () => {
    const servers = serverPool()
    const api = await servers.start((token) => token === 'at-from-rt-2')
    const { strategy, spent, release } = heldStrategy()
    const session = createSession({ strategy, tokens: { accessToken: 'at-1', refreshToken: 'rt-1' } })
    const old = session.refresh().catch(() => {})
    await flush()
    await session.setTokens({ accessToken: 'at-2', refreshToken: 'rt-2' })
    const call = wrapFetch(fetch, session, { origins: [api.url] })(`${api.url}/me`)
    await new Promise((resolve) => setTimeout(resolve, 100))
    release()
    expect((await call).status).toBe(200)
    expect(api.requests.map((r) => r.authorization)).toEqual(['Bearer at-2', 'Bearer at-from-rt-2'])
    expect(spent).toEqual(['rt-1', 'rt-2'])
    await old
    await session.destroy()
    await servers.stopAll()
  })
})

describe('the callers of a refresh a sign-in or sign-out overtakes', () => {
  // The refresh hangs well past the test: only the reset can answer its callers.
  const still = (call: Promise<unknown>) => Promise.race([call.catch((error: unknown) => error), new Promise((resolve) => setTimeout(resolve, 1_000, 'still waiting'))])
  it.each(['setTokens', 'clear'] as const)('%s: refresh(), axios and fetch calls waiting on it are answered at once', async (method) => {
    const servers = serverPool()
    const api = await servers.start((token) => token === 'at-2')
    const { strategy, release } = heldStrategy()
    const session = createSession({ strategy, tokens: { accessToken: 'at-1', refreshToken: 'rt-1' }, refreshTimeoutMs: 60_000 })
    const client = axios.create({ baseURL: api.url })
    attachAxios(client, session)
    const calls = [session.refresh(), client.get('/a').then((r) => r.status), wrapFetch(fetch, session, { origins: [api.url] })(`${api.url}/b`).then((r) => r.status)]
    await new Promise((resolve) => setTimeout(resolve, 100)) // both refused, waiting on the hung refresh
    await (method === 'setTokens' ? session.setTokens({ accessToken: 'at-2', refreshToken: 'rt-2' }) : session.clear())
    const outcomes = await Promise.all(calls.map(still))
    if (method === 'setTokens') expect(outcomes).toEqual(['at-2', 200, 200])
    else for (const outcome of outcomes) expect(outcome).toBeInstanceOf(SessionExpiredError)
    release()
    await session.destroy()
    await servers.stopAll()
  })
})

describe('a coordinated refresh whose lock was lost', () => {
  // The first attempt fails as a dropped connection does; a retry would present the same refresh token.
  function failingOnce() {
    const spent: string[] = []
    const strategy = custom(async (current: Tokens) => {
      spent.push(String(current.refreshToken))
      if (spent.length === 1) throw new RefreshError('connection reset', { transient: true })
      return { accessToken: 'at-2', refreshToken: 'rt-2' }
    })
    return { strategy, spent }
  }

  const lost = (): boolean => false
  const lostLater = async (): Promise<boolean> => false
  const kept = (): boolean => true
  it.each([
    ['lost', lost, 1],
    ['lost (async)', lostLater, 1],
    ['still held', kept, 2],
  ] as const)('lock %s: the retry is made only while it is held', async (_label, held, calls) => {
    const { strategy, spent } = failingOnce()
    const coordinator = { refresh: (_stale: Tokens, work: CoordinatedWork<Tokens>) => work(held) }
    const session = createSession({ strategy, tokens: { accessToken: 'at-1', refreshToken: 'rt-1' }, coordinator, retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 } })
    const outcome = await session.refresh().catch((error: unknown) => error)
    expect(spent).toEqual(Array(calls).fill('rt-1'))
    if (calls === 1) expect(outcome).toBeInstanceOf(RefreshError)
    else expect(outcome).toBe('at-2')
  })

  it('a lock check that throws counts as lost: no retry, the attempt’s own error', async () => {
    const { strategy, spent } = failingOnce()
    const broken = (): boolean => {
      throw new Error('lock check failed')
    }
    const coordinator = { refresh: (_stale: Tokens, work: CoordinatedWork<Tokens>) => work(broken) }
    const session = createSession({ strategy, tokens: { accessToken: 'at-1', refreshToken: 'rt-1' }, coordinator, retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 } })
    await expect(session.refresh()).rejects.toThrow('connection reset')
    expect(spent).toEqual(['rt-1'])
  })

  it('a coordinator handing work to then() passes no lock check: the resolved value is ignored', async () => {
    const { strategy, spent } = failingOnce()
    const coordinator = { refresh: (_stale: Tokens, work: CoordinatedWork<Tokens>) => Promise.resolve().then(work) }
    const session = createSession({ strategy, tokens: { accessToken: 'at-1', refreshToken: 'rt-1' }, coordinator, retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 } })
    await expect(session.refresh()).resolves.toBe('at-2')
    expect(spent).toHaveLength(2)
  })
})

// Every `refreshing` is heard to end, unless the user's own setTokens() or clear() overtook it.
describe('the events of a refresh overtaken while it runs', () => {
  it.each([
    { by: 'another copy’s tokens', outcome: 'succeeds', events: ['refreshing', 'refreshed'] },
    { by: 'another copy’s tokens', outcome: 'fails', events: ['refreshing', 'refreshed'] },
    { by: 'setTokens()', outcome: 'succeeds', events: ['refreshing'] },
    { by: 'setTokens()', outcome: 'fails', events: ['refreshing'] },
  ])('by $by, the refresh $outcome: $events', async ({ by, outcome, events }) => {
    const answer = deferred<Tokens>()
    let adopt: ((tokens: Tokens | undefined) => void) | undefined
    const coordinator = {
      refresh: (_stale: Tokens, work: CoordinatedWork<Tokens>) => work(),
      attach: (link: { adopt(tokens: Tokens | undefined): void }) => {
        adopt = (tokens) => link.adopt(tokens)
        return () => {}
      },
    }
    const session = createSession({ strategy: custom(() => answer.promise), tokens: { accessToken: 'at-1', refreshToken: 'rt-1' }, coordinator })
    const heard: string[] = []
    for (const type of ['refreshing', 'refreshed', 'refreshFailed'] as const) session.on(type, () => heard.push(type))
    const refreshed = session.refresh()
    await flush()
    if (by === 'setTokens()') await session.setTokens({ accessToken: 'at-mine', refreshToken: 'rt-mine' })
    else adopt?.({ accessToken: 'at-theirs', refreshToken: 'rt-theirs' })
    if (outcome === 'succeeds') answer.resolve({ accessToken: 'at-own', refreshToken: 'rt-own' })
    else answer.reject(new RefreshError('timed out', { transient: true }))
    // Its callers get the tokens that overtook it.
    expect(await refreshed).toBe(by === 'setTokens()' ? 'at-mine' : 'at-theirs')
    await flush()
    expect(heard).toEqual(events)
    await session.destroy()
  })
})
