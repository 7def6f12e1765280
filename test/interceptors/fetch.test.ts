import { afterEach, describe, expect, it } from 'vitest'
import { BodyNotReplayableError, createSession, RefreshError, SessionExpiredError } from '../../src/index.js'
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

describe('wrapFetch', () => {
  it('1,000 concurrent 401s on an expired token → exactly 1 refresh, all succeed with the new token', async () => {
    const emulator = await startEmulator({ provider: 'fib' })
    cleanups.push(emulator.stop)
    const session = createSession({ strategy: fib({ baseURL: emulator.url }), tokens: emulator.signIn() })
    const authedFetch = wrapFetch(fetch, session, { origins: [emulator.url] })
    emulator.expireAccessTokens()
    const statuses = await Promise.all(Array.from({ length: 1000 }, (_, i) => authedFetch(emulator.resourceUrl(`/api/items/${i}`)).then((r) => r.status)))
    expect(statuses.filter((status) => status !== 200)).toEqual([])
    expect(emulator.stats.refreshCalls).toBe(1)
    expect(emulator.stats.resourceUnauthorized).toBe(1000)
    expect(emulator.stats.resourceRequests).toBe(2000)
  })

  it('replays a 401 for an already-replaced token with the current one and starts no refresh', async () => {
    const hold = deferred()
    const api = await server(async (token) => {
      if (token === 'token-A') await hold.promise
      return token === 'token-B'
    })
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens: { accessToken: 'token-A' } })
    const authedFetch = wrapFetch(fetch, session, { origins: [api.url] })
    const sent = authedFetch(`${api.url}/stale`)
    while (api.requests.length === 0) await new Promise((r) => setTimeout(r, 2))
    await session.setTokens({ accessToken: 'token-B' })
    hold.resolve()
    expect((await sent).status).toBe(200)
    expect(strategy.calls).toBe(0)
    expect(api.requests.map((r) => r.authorization)).toEqual(['Bearer token-A', 'Bearer token-B'])
  })

  it('returns a replay that fails again as its 401 response: one refresh, two sends', async () => {
    const api = await server(() => false)
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens: { accessToken: 'token-0' } })
    const authedFetch = wrapFetch(fetch, session, { origins: [api.url] })
    const response = await authedFetch(`${api.url}/always-401`)
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({ error: 'invalid_token' })
    expect(strategy.calls).toBe(1)
    expect(api.requests).toHaveLength(2)
  })

  it('rejects waiting requests with SessionExpiredError on a terminal refresh and then makes no network call', async () => {
    const api = await server(() => false)
    const strategy = countingStrategy(() => {
      throw new RefreshError('gone', { transient: false, status: 401 })
    })
    const session = createSession({ strategy, tokens: { accessToken: 'dead' } })
    const authedFetch = wrapFetch(fetch, session, { origins: [api.url] })
    const results = await Promise.allSettled(Array.from({ length: 25 }, () => authedFetch(`${api.url}/x`)))
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof SessionExpiredError)).toBe(true)
    const seen = api.requests.length
    await expect(authedFetch(`${api.url}/later`)).rejects.toBeInstanceOf(SessionExpiredError)
    expect(api.requests.length).toBe(seen)
  })

  it('a 401 no refresh follows (signed out) comes back whole: status, headers, body and url', async () => {
    const api = await server(() => false)
    const session = createSession({ strategy: countingStrategy(() => Promise.reject(new Error('no call expected'))) })
    const authedFetch = wrapFetch(fetch, session, { origins: [api.url] })
    const response = await authedFetch(`${api.url}/me?x=1`)
    expect([response.status, response.headers.get('content-type'), response.url]).toEqual([401, 'application/json', `${api.url}/me?x=1`])
    expect(await response.json()).toEqual({ error: 'invalid_token' })
  })

  it('aborting one of 100 waiting requests rejects it at once with the abort reason; 99 succeed', async () => {
    const api = await server((token) => token === 'token-1')
    const gate = deferred()
    const strategy = countingStrategy(async (call, current) => {
      await gate.promise
      return { ...current, accessToken: `token-${call}` }
    })
    const session = createSession({ strategy, tokens: { accessToken: 'token-0' } })
    const authedFetch = wrapFetch(fetch, session, { origins: [api.url] })
    const controllers = Array.from({ length: 100 }, () => new AbortController())
    const calls = controllers.map((controller, i) => authedFetch(`${api.url}/w/${i}`, { signal: controller.signal }))
    while (api.unauthorized < 100) await new Promise((r) => setTimeout(r, 5))
    await flush()
    const reason = new Error('user left the page')
    controllers[7]?.abort(reason)
    await expect(calls[7]).rejects.toBe(reason)
    expect(strategy.calls).toBe(1)
    gate.resolve()
    const results = await Promise.allSettled(calls)
    expect(results.filter((r) => r.status === 'fulfilled' && r.value.status === 200)).toHaveLength(99)
    expect(api.requests.filter((r) => r.path === '/w/7')).toHaveLength(1)
  })

  it.each([
    ['JSON string', () => JSON.stringify({ a: 1, b: [true, null] })],
    ['text', () => 'plain text body ✓'],
    ['URLSearchParams', () => new URLSearchParams({ q: 'x y', page: '2' })],
    ['Blob', () => new Blob([new Uint8Array([0, 1, 2, 250, 251])], { type: 'application/octet-stream' })],
    [
      'FormData',
      () => {
        const form = new FormData()
        form.append('field', 'value')
        form.append('file', new Blob([new Uint8Array([9, 8, 7])]), 'f.bin')
        return form
      },
    ],
  ])('replays a %s body byte for byte', async (_label, body) => {
    const api = await server((token) => token === 'token-1')
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' } })
    const authedFetch = wrapFetch(fetch, session, { origins: [api.url] })
    const response = await authedFetch(`${api.url}/body`, { method: 'POST', body: body() })
    expect(response.status).toBe(200)
    const [first, replay] = api.requests
    expect(first?.body.length).toBeGreaterThan(0)
    expect(replay?.body.equals(first?.body as Buffer)).toBe(true)
    expect(replay?.contentType).toBe(first?.contentType)
  })

  it('replays a Request object with a body', async () => {
    const api = await server((token) => token === 'token-1')
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' } })
    const authedFetch = wrapFetch(fetch, session, { origins: [api.url] })
    const request = new Request(`${api.url}/req`, { method: 'PUT', body: '{"k":"v"}', headers: { 'content-type': 'application/json', 'x-keep': 'yes' } })
    expect((await authedFetch(request)).status).toBe(200)
    expect(api.requests.map((r) => [r.method, r.body.toString(), r.authorization])).toEqual([
      ['PUT', '{"k":"v"}', 'Bearer token-0'],
      ['PUT', '{"k":"v"}', 'Bearer token-1'],
    ])
  })

  it('a one-shot stream body is not replayed: a clear BodyNotReplayableError, tokens refreshed', async () => {
    const api = await server((token) => token === 'token-1')
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens: { accessToken: 'token-0' } })
    const authedFetch = wrapFetch(fetch, session, { origins: [api.url] })
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('chunk'))
        controller.close()
      },
    })
    const error = await authedFetch(`${api.url}/upload`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BodyNotReplayableError)
    expect((error as BodyNotReplayableError).code).toBe('ERR_BODY_NOT_REPLAYABLE')
    expect(strategy.calls).toBe(1)
    expect(api.requests).toHaveLength(1)
  })

  it('sends no token to an origin outside the allowlist, nor when skipped, and leaves their requests intact', async () => {
    const allowed = await server(() => true)
    const foreign = await server(() => true)
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'secret-token' } })
    const authedFetch = wrapFetch(fetch, session, { origins: [allowed.url] })
    await authedFetch(new Request(`${foreign.url}/elsewhere`, { method: 'POST', body: 'kept' }))
    await authedFetch(`${allowed.url}/skipped`, { tokenflight: { skip: true } })
    await authedFetch(`${allowed.url}/normal`)
    expect(foreign.requests.map((r) => [r.authorization, r.body.toString()])).toEqual([[undefined, 'kept']])
    expect(allowed.requests.map((r) => r.authorization)).toEqual([undefined, 'Bearer secret-token'])
  })

  it('requires an explicit allowlist in Node, where there is no page origin to default to', () => {
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 't' } })
    expect(() => wrapFetch(fetch, session)).toThrow(/origins/)
  })
})
