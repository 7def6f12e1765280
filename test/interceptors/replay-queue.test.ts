import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession } from '../../src/index.js'
import axios from 'axios'
import { attachAxios } from '../../src/interceptors/axios.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'

const stops: Array<() => void> = []
afterEach(() => {
  for (const stop of stops.splice(0)) stop()
})

// Counts replays (token-1, or what `accepts` lets through) in flight at once; each is held `holdMs`
// so they overlap. Requests whose path ends in /late get their 401 10 ms after the others.
async function slowApi(holdMs = 15, accepts = (authorization: string | undefined): boolean => authorization === 'Bearer token-1') {
  const state = { inFlight: 0, peak: 0, refused: 0, url: '' }
  const server = createServer((req, res) => {
    if (!accepts(req.headers.authorization)) {
      state.refused++
      return void setTimeout(() => res.writeHead(401).end(), req.url?.endsWith('/late') ? 10 : 0)
    }
    state.inFlight++
    state.peak = Math.max(state.peak, state.inFlight)
    setTimeout(() => {
      state.inFlight--
      res.writeHead(200).end()
    }, holdMs)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  stops.push(() => server.close())
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return state
}

// `count` requests sent together, all refused; the refresh answers once all were refused, so all
// replays queue at once.
async function burst(api: Awaited<ReturnType<typeof slowApi>>, count: number, replayConcurrency: number | undefined, through: 'fetch' | 'axios' = 'fetch') {
  const strategy = countingStrategy(async (call, current) => {
    while (api.refused < count) await new Promise((resolve) => setTimeout(resolve, 2))
    return { ...current, accessToken: `token-${call}` }
  })
  const session = createSession({ strategy, tokens: { accessToken: 'token-0' }, replayConcurrency })
  const depths: number[] = []
  session.on('replayed', ({ queueDepth }) => depths.push(queueDepth))
  const authedFetch = wrapFetch(fetch, session, { origins: [api.url] })
  const instance = axios.create({ baseURL: api.url })
  attachAxios(instance, session)
  const send = through === 'fetch' ? (path: string) => authedFetch(`${api.url}${path}`) : (path: string) => instance.get(path)
  const statuses = await Promise.all(Array.from({ length: count }, (_, i) => send(`/r/${i}`).then((r) => r.status)))
  return { depths, statuses }
}

const stepped = { back: false }

describe('replay queue', () => {
  // [cap, refused requests, hold per request in ms]. Uncapped by the test, all of them must overlap:
  // each is held long enough for the last to arrive on a busy machine.
  it.each([
    [1, 24, 15],
    [3, 24, 15],
    [16, 24, 15],
    [256, 300, 600],
    [undefined, 24, 150],
  ])('replays at most replayConcurrency (%s) at once of %s refused requests, and all of them', async (replayConcurrency, count, holdMs) => {
    const api = await slowApi(holdMs)
    const { depths, statuses } = await burst(api, count, replayConcurrency)
    expect(statuses).toEqual(Array(count).fill(200))
    const cap = Math.min(replayConcurrency ?? count, count)
    expect(api.peak).toBeLessThanOrEqual(cap)
    // Every one at once up to the cap (past 24, most of them: a busy machine staggers the arrivals).
    if (count <= 24) expect(api.peak).toBe(cap)
    else expect(api.peak).toBeGreaterThan(cap / 2)
    expect(depths).toHaveLength(count)
  })

  it.each(['fetch', 'axios'] as const)('by default replays a burst of 300 sent together at once through %s: past the floor of 256', async (through) => {
    const api = await slowApi(600)
    const { statuses } = await burst(api, 300, undefined, through)
    expect(statuses).toEqual(Array(300).fill(200))
    expect(api.peak).toBeGreaterThan(256)
  })

  // 10 sent together; the other 290 only once the first refusal is back (as a slow refresh runs).
  // Back means the client judged it (`heard`: the refresh it called for began), not just that the
  // server answered: on a loaded machine the client reads it later.
  async function trickle(api: Awaited<ReturnType<typeof slowApi>>, send: (i: number) => Promise<number>, heard: () => boolean) {
    const first = Array.from({ length: 10 }, (_, i) => send(i))
    while (api.refused < 1 || !heard()) await new Promise((resolve) => setTimeout(resolve, 1))
    const rest = Array.from({ length: 290 }, (_, i) => send(10 + i))
    return Promise.all([...first, ...rest])
  }

  // The clock may stand still (a test's) or step back (an NTP correction): sends are counted, not timed.
  it.each([
    ['runs', () => Date.now()],
    ['stands still', () => 1_700_000_000_000],
    ['steps back 2 s once the first refusal is back', () => Date.now() - (stepped.back ? 2_000 : 0)],
  ])('by default caps at 256 the replays of refusals sent after the first came back (a trickle during a slow refresh); the clock %s', async (_, now) => {
    const api = await slowApi(600)
    stepped.back = false
    const strategy = countingStrategy(async (call, current) => {
      stepped.back = true
      while (api.refused < 300) await new Promise((resolve) => setTimeout(resolve, 2))
      return { ...current, accessToken: `token-${call}` }
    })
    const session = createSession({ strategy, tokens: { accessToken: 'token-0' }, now })
    const authedFetch = wrapFetch(fetch, session, { origins: [api.url] })
    const statuses = await trickle(api, (i) => authedFetch(`${api.url}/t/${i}`).then((r) => r.status), () => strategy.calls > 0)
    expect(statuses).toEqual(Array(300).fill(200))
    expect(api.peak).toBeLessThanOrEqual(256)
    expect(api.peak).toBeGreaterThan(128)
  })

  it('a refresh that hands back the same access token starts a new round: a later trickle is not let out as the burst before it', async () => {
    const server = { revoked: true }
    const api = await slowApi(600, () => !server.revoked)
    const strategy = countingStrategy(async (_, current) => {
      while (api.refused < 300) await new Promise((resolve) => setTimeout(resolve, 2))
      // Every 401 reaches the client first: with one token string, a refusal read after the
      // refresh could not be told from a refusal of the new token.
      await new Promise((resolve) => setTimeout(resolve, 200))
      server.revoked = false
      return { ...current, accessToken: 'same' }
    })
    const session = createSession({ strategy, tokens: { accessToken: 'same' } })
    const authedFetch = wrapFetch(fetch, session, { origins: [api.url] })
    const send = (i: number) => authedFetch(`${api.url}/s/${i}`).then((r) => r.status)
    // A burst of 300 sent together: all replayed at once.
    expect(await Promise.all(Array.from({ length: 300 }, (_, i) => send(i)))).toEqual(Array(300).fill(200))
    expect(api.peak).toBeGreaterThan(256)
    expect(strategy.calls).toBe(1)
    // Revoked again: a trickle, with the same token string as the burst's.
    Object.assign(api, { peak: 0, refused: 0 })
    server.revoked = true
    expect(await trickle(api, send, () => strategy.calls > 1)).toEqual(Array(300).fill(200))
    expect(strategy.calls).toBe(2)
    expect(api.peak).toBeLessThanOrEqual(256)
  })

  it('drops a queued replay whose caller aborts, without sending it', async () => {
    const api = await slowApi(25)
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' }, replayConcurrency: 1 })
    const authedFetch = wrapFetch(fetch, session, { origins: [api.url] })
    const controller = new AbortController()
    let replays = 0
    // Replays start at ~0, 25, 50, 75 ms; the late caller queues at ~10 ms and leaves at ~25 ms.
    session.on('replayed', () => {
      replays++
      if (replays === 2) controller.abort(new Error('gone'))
    })
    const calls = Array.from({ length: 5 }, (_, i) =>
      i === 4 ? authedFetch(`${api.url}/q/late`, { signal: controller.signal }) : authedFetch(`${api.url}/q/${i}`),
    )
    const results = await Promise.allSettled(calls)
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected'])
    expect(replays).toBe(4)
  })

  it('a replay that fails as it leaves its slot (the clock breaks) rejects clearly and gives the slot back', async () => {
    const accepted = { token: 'token-1' }
    const server = createServer((req, res) => res.writeHead(req.headers.authorization === `Bearer ${accepted.token}` ? 200 : 401).end())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    stops.push(() => server.close())
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const clock = { broken: false }
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' }, replayConcurrency: 1, now: () => (clock.broken ? Number.NaN : Date.now()) })
    const authedFetch = wrapFetch(fetch, session, { origins: [url] })
    // Broken once the refresh is stored: the first thing to read it is the replay leaving its slot.
    const stopBreaking = session.on('refreshed', () => {
      clock.broken = true
    })
    await expect(authedFetch(`${url}/first`)).rejects.toMatchObject({ name: 'TypeError', message: expect.stringContaining('`now()`') })
    stopBreaking()
    clock.broken = false
    // The one slot was given back: the next refusal replays (with a slot held for good, it would hang).
    accepted.token = 'token-2'
    const second = await authedFetch(`${url}/second`)
    expect(second.status).toBe(200)
  })
})
