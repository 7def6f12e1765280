/**
 * APIs a page may have lost to its own old code (an old Promise polyfill that replaced the global
 * `Promise`, a library that deleted `TextDecoder`): tokenflight goes on without them, and a burst
 * still costs one refresh that keeps the rotated refresh token.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { runInNewContext } from 'node:vm'
import axios from 'axios'
import { afterEach, expect, it, vi } from 'vitest'
import { createSession, memoryStore } from '../../src/index.js'
import { attachAxios } from '../../src/interceptors/axios.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { installXHR } from '../../src/interceptors/xhr.js'
import { custom, oauth2 } from '../../src/strategies/index.js'
import { startMatrixApi } from '../_helpers/matrix-api.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  vi.unstubAllGlobals()
  while (cleanups.length) await cleanups.pop()?.()
})

// An OAuth2 token endpoint that rotates: the refresh tokens it was shown, in order.
async function tokenEndpoint(): Promise<{ url: string; presented: string[] }> {
  const presented: string[] = []
  const server = createServer(async (req, res) => {
    let body = ''
    for await (const chunk of req) body += chunk
    const refreshToken = new URLSearchParams(body).get('refresh_token') ?? ''
    presented.push(refreshToken)
    const n = presented.length
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `token-${n}`, refresh_token: `refresh-${n}`, token_type: 'Bearer' }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => new Promise((resolve) => server.close(resolve)))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`, presented }
}

// Two bursts of 8 through `send`, each refused until the refresh: one refresh a burst, the rotated token presented next.
async function twoBursts(client: 'axios' | 'fetch', lose: () => () => void, authFailure?: (response: { status: number }) => Promise<boolean>): Promise<void> {
  let accepted = 'token-1'
  const api = await startMatrixApi((token) => token !== accepted)
  cleanups.push(api.stop)
  const endpoint = await tokenEndpoint()
  const store = memoryStore({ accessToken: 'token-0', refreshToken: 'refresh-0' })
  const session = createSession({ strategy: oauth2({ tokenEndpoint: endpoint.url, clientId: 'page' }), store })
  const instance = axios.create({ baseURL: api.url })
  attachAxios(instance, session, { authFailure })
  const authedFetch = wrapFetch(fetch, session, { origins: [api.url], authFailure })
  const send = (path: string) => (client === 'axios' ? instance.get(path).then((r) => r.status) : authedFetch(`${api.url}${path}`).then((r) => r.status))
  const restore = lose()
  try {
    expect(await Promise.all(Array.from({ length: 8 }, (_, i) => send(`/a/${i}`)))).toEqual(Array(8).fill(200))
    accepted = 'token-2'
    expect(await Promise.all(Array.from({ length: 8 }, (_, i) => send(`/b/${i}`)))).toEqual(Array(8).fill(200))
  } finally {
    restore()
  }
  expect(endpoint.presented).toEqual(['refresh-0', 'refresh-1'])
}

const withoutFinally = (): (() => void) => {
  const finallyOf = Object.getOwnPropertyDescriptor(Promise.prototype, 'finally') as PropertyDescriptor
  delete (Promise.prototype as { finally?: unknown }).finally
  return () => Object.defineProperty(Promise.prototype, 'finally', finallyOf)
}

it.each(['axios', 'fetch'] as const)('%s: without Promise.prototype.finally, each burst is one refresh and the rotated token is presented next', async (client) => {
  await twoBursts(client, withoutFinally)
})

it.each(['axios', 'fetch'] as const)('%s: without Promise.prototype.finally, an async rule still judges each refusal', async (client) => {
  await twoBursts(client, withoutFinally, async (response) => response.status === 401)
})

it.each(['axios', 'fetch'] as const)('%s: without TextDecoder, the refresh answer is read and its rotated token kept', async (client) => {
  await twoBursts(client, () => {
    vi.stubGlobal('TextDecoder', undefined)
    return () => vi.unstubAllGlobals()
  })
})

it('fetch: without Request.prototype.body (Firefox, Chrome < 105), a refused POST is replayed with its body', async () => {
  const api = await startMatrixApi((token) => token !== 'token-1')
  cleanups.push(api.stop)
  const session = createSession({ strategy: custom(async () => ({ accessToken: 'token-1' })), tokens: { accessToken: 'token-0' } })
  const authedFetch = wrapFetch(fetch, session, { origins: [api.url] })
  const body = Object.getOwnPropertyDescriptor(Request.prototype, 'body') as PropertyDescriptor
  delete (Request.prototype as { body?: unknown }).body
  cleanups.push(() => Object.defineProperty(Request.prototype, 'body', body))
  const response = await authedFetch(new Request(`${api.url}/orders`, { method: 'POST', body: '{"item":"tea"}' }))
  expect(response.status).toBe(200)
  expect(api.seen.map(({ authorization, body }) => [authorization, body])).toEqual([
    ['Bearer token-0', '{"item":"tea"}'],
    ['Bearer token-1', '{"item":"tea"}'],
  ])
})

it('axios: with the global Promise replaced (an old polyfill), a request that waits for its token goes with it', async () => {
  const api = await startMatrixApi((token) => token !== 'token-1')
  cleanups.push(api.stop)
  // Expired already: the token for the send is a promise of the engine's, not of the page's `Promise`.
  const session = createSession({ strategy: custom(async () => ({ accessToken: 'token-1', expiresAt: Date.now() + 60_000 })), tokens: { accessToken: 'token-0', expiresAt: Date.now() - 1_000 } })
  const instance = axios.create({ baseURL: api.url })
  attachAxios(instance, session)
  vi.stubGlobal('Promise', runInNewContext('Promise'))
  const status = await instance.get('/me').then((response) => response.status)
  vi.unstubAllGlobals()
  expect(status).toBe(200)
  expect(api.seen.map((seen) => seen.authorization)).toEqual(['Bearer token-1'])
})

it.each(['EventTarget', 'Event', 'ProgressEvent'])('installXHR without %s (a page that deleted it): a TypeError naming it, and the native XMLHttpRequest stays', (name) => {
  class NativeXhr {}
  vi.stubGlobal('XMLHttpRequest', NativeXhr)
  vi.stubGlobal('ProgressEvent', globalThis.ProgressEvent ?? class extends Event {})
  vi.stubGlobal(name, undefined)
  const session = createSession({ strategy: custom(async () => ({ accessToken: 'a' })) })
  cleanups.push(() => session.destroy())
  expect(() => installXHR(session, { origins: ['https://api.example.com'] })).toThrow(expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(new RegExp(`installXHR needs ${name}`)) }))
  expect(globalThis.XMLHttpRequest).toBe(NativeXhr)
})
