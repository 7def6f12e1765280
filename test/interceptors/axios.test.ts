import { setTimeout as sleep } from 'node:timers/promises'
import axios, { type AxiosError, type InternalAxiosRequestConfig } from 'axios'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession, RefreshError, SessionExpiredError, type Tokens } from '../../src/index.js'
import { attachAxios } from '../../src/interceptors/axios.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { fib } from '../../src/strategies/index.js'
import { startEmulator } from '../../src/testing/index.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'
import { deferred, flush } from '../_helpers/deferred.js'
import { serverPool } from '../_helpers/resource-server.js'

const servers = serverPool()
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.()
  await servers.stopAll()
})
const server = servers.start

describe('attachAxios', () => {
  it('1,000 concurrent 401s on an expired token → exactly 1 refresh, all succeed with the new token', async () => {
    const emulator = await startEmulator({ provider: 'fib' })
    cleanups.push(emulator.stop)
    const session = createSession({ strategy: fib({ baseURL: emulator.url }), tokens: emulator.signIn() })
    const api = axios.create({ baseURL: emulator.url })
    attachAxios(api, session)
    emulator.expireAccessTokens()
    const results = await Promise.allSettled(Array.from({ length: 1000 }, (_, i) => api.get(`/api/items/${i}`)))
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(0)
    expect(emulator.stats.refreshCalls).toBe(1)
    expect(emulator.stats.resourceUnauthorized).toBe(1000)
    expect(emulator.stats.reuseDetections).toBe(0)
    const token = await session.getAccessToken()
    for (const result of results) {
      expect((result as PromiseFulfilledResult<{ config: { headers: { Authorization: string } } }>).value.config.headers.Authorization).toBe(`Bearer ${token}`)
    }
  })

  it.each(['axios', 'fetch'] as const)('%s: a slow 401 replays with the successor of a current token that would expire on the way', async (client) => {
    // token-A is refused after 200 ms; by then the session holds token-B, which has 100 ms left:
    // less than the refused call took, so the replay waits for token-B's expiry and its refresh.
    const api = await server(async (token) => {
      if (token === 'token-A') await new Promise((resolve) => setTimeout(resolve, 200))
      return token !== 'token-A'
    })
    const strategy = countingStrategy((call, current) => ({ ...current, accessToken: `token-${call}`, expiresAt: Date.now() + 60_000 }))
    const session = createSession({ strategy, tokens: { accessToken: 'token-A' }, refreshAheadMs: 0 })
    const instance = axios.create({ baseURL: api.url })
    attachAxios(instance, session)
    const authedFetch = wrapFetch(fetch, session, { origins: [api.url] })
    const pending = client === 'axios' ? instance.get('/slow').then((r) => r.status) : authedFetch(`${api.url}/slow`).then((r) => r.status)
    await new Promise((resolve) => setTimeout(resolve, 50))
    await session.setTokens({ accessToken: 'token-B', expiresAt: Date.now() + 250 })
    await expect(pending).resolves.toBe(200)
    expect(api.requests.map((r) => r.authorization)).toEqual(['Bearer token-A', 'Bearer token-1'])
    expect(strategy.calls).toBe(1)
  })

  it.each(['axios', 'fetch'] as const)('%s: a replay checks its token when it leaves the queue, not when it joined', async (client) => {
    // Two calls on token-A are refused after 100 ms; token-B then has 200 ms left, enough for
    // either. One replay at a time: the first holds the slot for 150 ms, so the second would
    // leave with 50 ms left, less than its refused send took. It waits for token-B's successor.
    const api = await server(async (token) => {
      if (token === 'token-A') await sleep(100)
      if (token === 'token-B') await sleep(150)
      return token !== 'token-A'
    })
    const strategy = countingStrategy((call, current) => ({ ...current, accessToken: `token-${call}`, expiresAt: Date.now() + 60_000 }))
    const session = createSession({ strategy, tokens: { accessToken: 'token-A' }, refreshAheadMs: 0, replayConcurrency: 1 })
    const instance = axios.create({ baseURL: api.url })
    attachAxios(instance, session)
    const authedFetch = wrapFetch(fetch, session, { origins: [api.url] })
    const call = (path: string) => (client === 'axios' ? instance.get(path).then((r) => r.status) : authedFetch(`${api.url}${path}`).then((r) => r.status))
    const pending = [call('/first'), call('/second')]
    await sleep(50)
    await session.setTokens({ accessToken: 'token-B', expiresAt: Date.now() + 250 })
    await expect(Promise.all(pending)).resolves.toEqual([200, 200])
    expect(api.requests.map((r) => r.authorization).slice(2)).toEqual(['Bearer token-B', 'Bearer token-1'])
    expect(strategy.calls).toBe(1)
  })

  it('one session behind two axios instances and a fetch wrapper → 1 refresh in total', async () => {
    const emulator = await startEmulator({ provider: 'fib' })
    cleanups.push(emulator.stop)
    const session = createSession({ strategy: fib({ baseURL: emulator.url }), tokens: emulator.signIn() })
    const first = axios.create({ baseURL: emulator.url })
    const second = axios.create({ baseURL: emulator.url })
    attachAxios(first, session)
    attachAxios(second, session)
    const authedFetch = wrapFetch(fetch, session, { origins: [emulator.url] })
    emulator.expireAccessTokens()
    const calls = Array.from({ length: 60 }, (_, i) => {
      if (i % 3 === 0) return first.get('/api/a').then((r) => r.status)
      if (i % 3 === 1) return second.get('/api/b').then((r) => r.status)
      return authedFetch(emulator.resourceUrl('/api/c')).then((r) => r.status)
    })
    expect(await Promise.all(calls)).toEqual(Array(60).fill(200))
    expect(emulator.stats.refreshCalls).toBe(1)
  })

  it('replays a 401 for an already-replaced token with the current one and starts no refresh', async () => {
    const hold = deferred()
    const api = await server(async (token) => {
      if (token === 'token-A') await hold.promise // answer only once the session has moved on to B
      return token === 'token-B'
    })
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens: { accessToken: 'token-A' } })
    const client = axios.create({ baseURL: api.url })
    attachAxios(client, session)
    const sent = client.get('/stale')
    while (api.requests.length === 0) await new Promise((r) => setTimeout(r, 2))
    await session.setTokens({ accessToken: 'token-B' })
    hold.resolve()
    const response = await sent
    expect(response.status).toBe(200)
    expect(strategy.calls).toBe(0)
    expect(api.requests.map((r) => r.authorization)).toEqual(['Bearer token-A', 'Bearer token-B'])
  })

  it('returns a replay that fails again as the 401 it is: no second refresh, no loop', async () => {
    const api = await server(() => false)
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens: { accessToken: 'token-0' } })
    const client = axios.create({ baseURL: api.url })
    attachAxios(client, session)
    const error = (await client.get('/always-401').catch((e: unknown) => e)) as AxiosError
    expect(error.response?.status).toBe(401)
    expect(strategy.calls).toBe(1)
    expect(api.requests).toHaveLength(2)
  })

  it('never intercepts the refresh call itself, even when it goes through the same axios instance origin', async () => {
    const emulator = await startEmulator({ provider: 'fib' })
    cleanups.push(emulator.stop)
    emulator.failNextRefreshes(1, { status: 401 })
    const session = createSession({ strategy: fib({ baseURL: emulator.url }), tokens: emulator.signIn() })
    const api = axios.create({ baseURL: emulator.url })
    attachAxios(api, session)
    emulator.expireAccessTokens()
    await expect(api.get('/api/x')).rejects.toBeInstanceOf(SessionExpiredError)
    expect(emulator.stats.refreshCalls).toBe(1)
  })

  it('rejects every waiting request with SessionExpiredError on a terminal refresh, then sends nothing until setTokens', async () => {
    const api = await server((token) => token === 'fresh')
    let fail = true
    const strategy = countingStrategy((_call, current) => {
      if (fail) throw new RefreshError('gone', { transient: false, status: 401 })
      return { ...current, accessToken: 'fresh' }
    })
    const session = createSession({ strategy, tokens: { accessToken: 'dead' } })
    let expired = 0
    session.on('expired', () => expired++)
    const client = axios.create({ baseURL: api.url })
    attachAxios(client, session)
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => client.get('/x')))
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof SessionExpiredError)).toBe(true)
    expect(expired).toBe(1)
    const seen = api.requests.length
    await expect(client.get('/after')).rejects.toBeInstanceOf(SessionExpiredError)
    expect(api.requests.length).toBe(seen) // no network call with the dead token
    fail = false
    await session.setTokens({ accessToken: 'fresh' })
    await expect(client.get('/again')).resolves.toMatchObject({ status: 200 })
  })

  it('gives each waiting request its own copy of the refresh error, so axios never grows one shared stack', async () => {
    const api = await server(() => false)
    const session = createSession({ strategy: countingStrategy(() => Promise.reject(new RefreshError('gone', { transient: false, status: 401 }))), tokens: { accessToken: 'dead' } })
    const client = axios.create({ baseURL: api.url })
    attachAxios(client, session)
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => client.get('/x')))
    const reasons = results.map((r) => (r.status === 'rejected' ? r.reason : undefined)) as SessionExpiredError[]
    expect(reasons.every((reason) => reason instanceof SessionExpiredError)).toBe(true)
    expect(new Set(reasons).size).toBe(20)
    // Copies of the session's errors (those waiting on the refresh share one): axios wrote into the copies only.
    expect(reasons.every((reason) => Object.getPrototypeOf(reason) instanceof SessionExpiredError)).toBe(true)
  })

  it('aborting one of 100 waiting requests rejects it at once; the other 99 succeed', async () => {
    const api = await server((token) => token === 'token-1')
    const gate = deferred()
    const strategy = countingStrategy(async (call, current) => {
      await gate.promise
      return { ...current, accessToken: `token-${call}` }
    })
    const session = createSession({ strategy, tokens: { accessToken: 'token-0' } })
    const client = axios.create({ baseURL: api.url })
    attachAxios(client, session)
    const controllers = Array.from({ length: 100 }, () => new AbortController())
    const calls = controllers.map((controller, i) => client.get(`/w/${i}`, { signal: controller.signal }))
    while (api.unauthorized < 100) await new Promise((r) => setTimeout(r, 5))
    await flush()
    controllers[42]?.abort()
    const aborted = await calls[42]?.catch((e: unknown) => e)
    expect(axios.isCancel(aborted)).toBe(true)
    expect(strategy.calls).toBe(1)
    gate.resolve()
    const results = await Promise.allSettled(calls)
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(99)
    expect(api.requests.filter((r) => r.path === '/w/42')).toHaveLength(1) // never replayed
  })

  it('replays JSON and FormData bodies byte for byte', async () => {
    const api = await server((token) => token !== 'token-0')
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' } })
    const client = axios.create({ baseURL: api.url })
    attachAxios(client, session)
    await client.post('/json', { name: 'Ada', list: [1, 2, 3] })
    await session.setTokens({ accessToken: 'token-0' }) // back to a refused token: the form is replayed too
    const form = new FormData()
    form.append('field', 'value')
    form.append('file', new Blob([new Uint8Array([0, 1, 2, 255])]), 'bytes.bin')
    await client.post('/form', form)
    const bodies = (path: string) => api.requests.filter((r) => r.path === path)
    const [jsonFirst, jsonReplay] = bodies('/json')
    expect(jsonReplay?.body.equals(jsonFirst?.body as Buffer)).toBe(true)
    expect(JSON.parse(jsonFirst?.body.toString() ?? '')).toEqual({ name: 'Ada', list: [1, 2, 3] })
    const [formFirst, formReplay] = bodies('/form')
    expect(formFirst?.body.length).toBeGreaterThan(0)
    expect(formReplay?.body.equals(formFirst?.body as Buffer)).toBe(true)
    expect(formReplay?.contentType).toBe(formFirst?.contentType)
  })

  it('sends no token to an origin outside the allowlist, and none when skipped', async () => {
    const allowed = await server(() => true)
    const foreign = await server(() => true)
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'secret-token' } })
    const client = axios.create({ baseURL: allowed.url })
    attachAxios(client, session)
    await client.get(`${foreign.url}/absolute`)
    await client.get('/skipped', { tokenflight: { skip: true } })
    await client.get('/normal')
    expect(foreign.requests[0]?.authorization).toBeUndefined()
    expect(allowed.requests.map((r) => r.authorization)).toEqual([undefined, 'Bearer secret-token'])
  })

  it('checks every way a request can leave its baseURL: a per-request baseURL, an upper-case absolute URL', async () => {
    const allowed = await server(() => true)
    const foreign = await server(() => true)
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'secret-token' } })
    const client = axios.create({ baseURL: allowed.url })
    attachAxios(client, session)
    const foreignHost = foreign.url.replace('http://', '')
    await client.get('/a')
    await client.get('/b', { baseURL: foreign.url })
    await client.get('/c', { baseURL: `${allowed.url}/api` }) // same origin, another base: still allowed
    await client.get(`HTTP://${foreignHost}/d`)
    await client.get('/e')
    expect(foreign.requests.map((r) => [r.path, r.authorization])).toEqual([
      ['/b', undefined],
      ['/d', undefined],
    ])
    expect(allowed.requests.map((r) => [r.path, r.authorization])).toEqual([
      ['/a', 'Bearer secret-token'],
      ['/api/c', 'Bearer secret-token'],
      ['/e', 'Bearer secret-token'],
    ])
  })

  it('detach removes both interceptors', async () => {
    const api = await server(() => true)
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 't' } })
    const client = axios.create({ baseURL: api.url })
    const detach = attachAxios(client, session)
    detach()
    await client.get('/x')
    expect(api.requests[0]?.authorization).toBeUndefined()
  })

  it('replays through the instance, so other request interceptors run again', async () => {
    const api = await server((token) => token === 'token-1')
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' } })
    const client = axios.create({ baseURL: api.url })
    let runs = 0
    client.interceptors.request.use((config) => {
      runs++
      return config
    })
    attachAxios(client, session)
    await client.get('/x')
    expect(runs).toBe(2)
  })

  it.each([
    ['returns a copy of the config', (config: InternalAxiosRequestConfig) => ({ ...config })],
    ['returns a copy later (async)', async (config: InternalAxiosRequestConfig) => ({ ...config })],
  ])('a request interceptor added before attachAxios that %s: the 401 still refreshes once and replays', async (_, copy) => {
    const api = await server((token) => token === 'token-1')
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens: { accessToken: 'token-0' } })
    const client = axios.create({ baseURL: api.url })
    client.interceptors.request.use(copy)
    attachAxios(client, session)
    const responses = await Promise.all([client.get('/a'), client.get('/b')])
    expect(responses.map((r) => r.status)).toEqual([200, 200])
    expect(strategy.calls).toBe(1)
    expect(api.requests.map((r) => r.authorization)).toEqual(['Bearer token-0', 'Bearer token-0', 'Bearer token-1', 'Bearer token-1'])
  })

  it('a request interceptor that runs before tokenflight and makes the headers a plain object: token sent, 401 refreshed and replayed', async () => {
    const api = await server((token) => token === 'token-1')
    const strategy = countingStrategy()
    const client = axios.create({ baseURL: api.url })
    attachAxios(client, createSession({ strategy, tokens: { accessToken: 'token-0' } }))
    // Added after attachAxios: axios runs it first.
    client.interceptors.request.use((config) => ({ ...config, headers: { ...config.headers } }) as unknown as InternalAxiosRequestConfig)
    expect((await client.get('/x')).status).toBe(200)
    expect(strategy.calls).toBe(1)
    expect(api.requests.map((r) => r.authorization)).toEqual(['Bearer token-0', 'Bearer token-1'])
  })

  it('a request interceptor that runs before tokenflight and freezes the config: the request goes out, never failed by tokenflight', async () => {
    const api = await server((token) => token === 'token-0')
    const client = axios.create({ baseURL: api.url })
    attachAxios(client, createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' } }))
    client.interceptors.request.use((config) => Object.freeze({ ...config }))
    expect((await client.get('/x')).status).toBe(200)
    expect(api.requests.map((r) => r.authorization)).toEqual(['Bearer token-0'])
  })

  it('two sessions attached to one instance for two origins: a 401 from either is refreshed by its own session', async () => {
    const apiA = await server((token) => token === 'a-1')
    const apiB = await server((token) => token === 'b-1')
    const strategyA = countingStrategy((call, current) => ({ ...current, accessToken: `a-${call}` }))
    const strategyB = countingStrategy((call, current) => ({ ...current, accessToken: `b-${call}` }))
    const client = axios.create()
    attachAxios(client, createSession({ strategy: strategyA, tokens: { accessToken: 'a-0' } }), { origins: [apiA.url] })
    attachAxios(client, createSession({ strategy: strategyB, tokens: { accessToken: 'b-0' } }), { origins: [apiB.url] })
    const statuses = await Promise.all([client.get(`${apiA.url}/x`), client.get(`${apiB.url}/y`)].map((call) => call.then((r) => r.status)))
    expect(statuses).toEqual([200, 200])
    expect([strategyA.calls, strategyB.calls]).toEqual([1, 1])
    expect([apiA.requests.map((r) => r.authorization), apiB.requests.map((r) => r.authorization)]).toEqual([
      ['Bearer a-0', 'Bearer a-1'],
      ['Bearer b-0', 'Bearer b-1'],
    ])
  })

  it("a caller's retry of a replay's config is a first send again: no token written for another origin, none from the old replay", async () => {
    const api = await server((token) => token === 'token-1')
    const elsewhere = await server(() => false)
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' } })
    const client = axios.create({ baseURL: api.url })
    attachAxios(client, session)
    const replayed = await client.get('/x')
    const { Authorization: _, ...headers } = replayed.config.headers.toJSON() as Record<string, string>
    // The same config, sent elsewhere without its header: tokenflight writes nothing there.
    await expect(client.request({ ...replayed.config, headers, url: `${elsewhere.url}/stolen` })).rejects.toMatchObject({ response: { status: 401 } })
    expect(elsewhere.requests.map((r) => r.authorization)).toEqual([undefined])
  })

  it('an interceptor that moves a request to an origin not allowed after tokenflight ran: its 401 is not refreshed nor replayed there', async () => {
    const api = await server((token) => token === 'token-1')
    const elsewhere = await server(() => false)
    const strategy = countingStrategy()
    const client = axios.create({ baseURL: api.url })
    client.interceptors.request.use((config) => ({ ...config, baseURL: elsewhere.url }))
    attachAxios(client, createSession({ strategy, tokens: { accessToken: 'token-0' } }))
    await expect(client.get('/x')).rejects.toMatchObject({ response: { status: 401 } })
    expect(strategy.calls).toBe(0)
    expect(elsewhere.requests).toHaveLength(1)
  })

  it("a caller's own retry of a sent config with skip: true is not judged by the earlier send's record", async () => {
    let accepting = true
    const api = await server((token) => accepting && token === 'token-0')
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens: { accessToken: 'token-0' } })
    const client = axios.create({ baseURL: api.url })
    attachAxios(client, session)
    const sent = await client.get('/x')
    accepting = false
    // The copy carries the first send's record; skipped, its 401 goes back as it came.
    await expect(client.request({ ...sent.config, tokenflight: { skip: true } })).rejects.toMatchObject({ response: { status: 401 } })
    expect(strategy.calls).toBe(0)
  })

  it('waits on an expired token before sending instead of sending it', async () => {
    const api = await server((token) => token === 'token-1')
    let time = 0
    const strategy = countingStrategy((call, current) => ({ ...current, accessToken: `token-${call}`, expiresAt: time + 60_000 }))
    const session = createSession({ strategy, tokens: { accessToken: 'token-0', expiresAt: 1_000 } as Tokens, now: () => time })
    const client = axios.create({ baseURL: api.url })
    attachAxios(client, session)
    time = 1_000
    await client.get('/x')
    expect(api.requests.map((r) => r.authorization)).toEqual(['Bearer token-1'])
  })
})
