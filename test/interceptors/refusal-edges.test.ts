/**
 * Edges of the refusal path that broke before the exchange: an aborted axios wait built a
 * CanceledError whose config still carried the refused token; a throwing `replayed` listener
 * leaked a replay slot until every later refusal hung; an axios stream body was replayed empty
 * and resolved 200; a FormData replay crashed without a global `crypto`.
 */
import { Readable } from 'node:stream'
import { inspect } from 'node:util'
import axios, { type InternalAxiosRequestConfig, isCancel } from 'axios'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { BodyNotReplayableError, createSession, type Tokens } from '../../src/index.js'
import { attachAxios } from '../../src/interceptors/axios.js'
import { custom } from '../../src/strategies/index.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'
import { deferred } from '../_helpers/deferred.js'
import { serverPool } from '../_helpers/resource-server.js'

const servers = serverPool()
const restore: Array<() => void> = []
afterEach(async () => {
  while (restore.length) restore.pop()?.()
  await servers.stopAll()
})

describe('errors tokenflight builds carry no token', () => {
  const ownHeader = (tokens: Tokens, headers: Headers) => headers.set('X-Api-Token', tokens.accessToken)
  // A user's interceptor registered after attachAxios (axios runs it first) that swaps in a fetch Headers.
  const toFetchHeaders = (config: InternalAxiosRequestConfig) => {
    config.headers = new Headers(config.headers.toJSON() as Record<string, string>) as never
    return config
  }
  it.each([
    ['the default Bearer header', undefined, 'authorization', false],
    ['a strategy header of its own', ownHeader, 'x-api-token', false],
    ['the default Bearer header, on headers a user interceptor made a fetch Headers', undefined, 'authorization', true],
    ['a strategy header of its own, on headers a user interceptor made a fetch Headers', ownHeader, 'x-api-token', true],
  ] as const)('axios aborted while waiting for the refresh (%s): the CanceledError holds no refused token', async (_, authorize, header, swap) => {
    const api = await servers.start(() => false)
    const refresh = deferred<Tokens>()
    const strategy = custom(() => refresh.promise, authorize ? { authorize } : {})
    const session = createSession({ strategy, tokens: { accessToken: 'refused-token-0' } })
    const instance = axios.create({ baseURL: api.url })
    attachAxios(instance, session)
    if (swap) instance.interceptors.request.use(toFetchHeaders)
    const controller = new AbortController()
    const pending = instance.get('/wait', { signal: controller.signal, headers: { 'X-Caller': 'kept' } })
    await vi.waitFor(() => expect(api.requests).toHaveLength(1))
    await new Promise((resolve) => setTimeout(resolve, 20))
    controller.abort()
    const error = await pending.catch((e: unknown) => e)
    expect(isCancel(error)).toBe(true)
    const text = `${inspect(error, { depth: 10 })} ${JSON.stringify(error)}`
    expect(text).not.toContain('refused-token-0')
    const headers = (error as { config: { headers: { get(n: string): unknown } } }).config.headers
    expect(headers.get(header) ?? undefined).toBeUndefined()
    expect(headers.get('X-Caller')).toBe('kept')
    refresh.resolve({ accessToken: 'token-1' })
  })
})

describe('replay slots', () => {
  it('a replayed listener that throws never leaks a slot: refusal after refusal still settles', async () => {
    const reported: unknown[] = []
    const scope = globalThis as { reportError?: unknown }
    scope.reportError = (error: unknown) => reported.push(error)
    restore.push(() => delete scope.reportError)
    let current = 'token-0'
    const api = await servers.start((token) => token === current)
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens: { accessToken: 'token-0' }, replayConcurrency: 1 })
    session.on('replayed', () => {
      throw new Error('listener broke')
    })
    const instance = axios.create({ baseURL: api.url })
    attachAxios(instance, session)
    for (let round = 1; round <= 3; round++) {
      current = `token-${round}` // the token in use is refused once per round
      await expect(instance.get(`/round/${round}`).then((r) => r.status)).resolves.toBe(200)
    }
    expect(strategy.calls).toBe(3)
    expect(reported.length).toBeGreaterThanOrEqual(3)
  })
})

describe('bodies that cannot be sent twice', () => {
  it.each([
    ['a Node Readable', () => Readable.from(['{"part":', '1}'])],
    ['an async generator piped through Readable.from', () => Readable.from((async function* () { yield '{"part":1}' })())],
  ])('axios with %s: a refusal fails with BodyNotReplayableError instead of replaying an empty body', async (_, body) => {
    const api = await servers.start((token) => token === 'token-1')
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens: { accessToken: 'token-0' } })
    const instance = axios.create({ baseURL: api.url })
    attachAxios(instance, session)
    const error = await instance.post('/upload', body(), { headers: { 'Content-Type': 'application/json' } }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BodyNotReplayableError)
    expect(api.requests.map((r) => r.body.toString())).toEqual(['{"part":1}'])
    expect(strategy.calls).toBe(1) // refreshed: the caller can rebuild the body and send again
  })

  it('a FormData body replays byte for byte without a global crypto', async () => {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'crypto')
    Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true })
    restore.push(() => Object.defineProperty(globalThis, 'crypto', descriptor as PropertyDescriptor))
    const api = await servers.start((token) => token === 'token-1')
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' } })
    const instance = axios.create({ baseURL: api.url })
    attachAxios(instance, session)
    const form = new FormData()
    form.append('name', 'tea')
    await expect(instance.post('/form', form).then((r) => r.status)).resolves.toBe(200)
    const [first, replay] = api.requests
    expect(replay?.contentType).toBe(first?.contentType)
    expect(replay?.body.equals(first?.body as Buffer)).toBe(true)
    expect(first?.contentType).toMatch(/^multipart\/form-data; boundary=tokenflight-[0-9a-f]{32}$/)
  })
})
