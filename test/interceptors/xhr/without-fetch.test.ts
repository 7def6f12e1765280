/**
 * installXHR on a page without fetch, as legacy.md sets it up: no `Headers` there, and a fetch
 * polyfill built on XMLHttpRequest for the refresh call, which then goes through the installed
 * class itself.
 */
import { afterEach, expect, it, vi } from 'vitest'
import { createSession } from '../../../src/index.js'
import { installXHR } from '../../../src/interceptors/xhr.js'
import { custom } from '../../../src/strategies/index.js'
import { countingStrategy } from '../../_helpers/counting-strategy.js'
import { fakeXhrPerTest, sentByFakes } from '../../_helpers/fake-xhr.js'
import { startMatrixApi } from '../../_helpers/matrix-api.js'

const scope = globalThis as { XMLHttpRequest?: unknown }
const cleanups = fakeXhrPerTest()
afterEach(() => vi.unstubAllGlobals())

// A page's XHR: resolves with its status once it has ended.
function xhrRequest(method: string, url: string, headers: Array<[string, string]> = [], body: string | null = null): Promise<number> {
  const xhr = new (scope.XMLHttpRequest as typeof XMLHttpRequest)()
  return new Promise((resolve) => {
    xhr.onloadend = () => resolve(xhr.status)
    xhr.open(method, url)
    for (const [name, value] of headers) xhr.setRequestHeader(name, value)
    xhr.send(body)
  })
}

// A fetch polyfill of the whatwg-fetch kind: an XMLHttpRequest opened and sent once `opening` lets it.
const xhrFetch =
  (opening: () => Promise<void> | undefined) =>
  (input: string | URL | Request, init: RequestInit = {}): Promise<Response> =>
    new Promise((resolve, reject) => {
      const send = (): void => {
        const xhr = new (scope.XMLHttpRequest as typeof XMLHttpRequest)()
        xhr.onload = () => resolve(new Response(xhr.responseText, { status: xhr.status }))
        xhr.onerror = () => reject(new TypeError('Network request failed'))
        xhr.open(init.method ?? 'GET', String(input))
        for (const [name, value] of Object.entries((init.headers ?? {}) as Record<string, string>)) xhr.setRequestHeader(name, value)
        xhr.send((init.body as string | undefined) ?? null)
      }
      const later = opening()
      if (later) later.then(send)
      else send()
    })

it.each([
  ['the strategy’s header', undefined],
  ['an authorize of the user’s', (tokens: { accessToken: string }, headers: Headers) => headers.set('Authorization', `Bearer ${tokens.accessToken}`)],
])('without Headers: %s goes on with the caller’s headers (one set twice joined), and a refusal is refreshed once and replayed', async (_, authorize) => {
  vi.stubGlobal('Headers', undefined)
  const api = await startMatrixApi((token) => token !== 'token-1')
  cleanups.push(api.stop)
  let calls = 0
  const strategy = custom(async () => ({ accessToken: `token-${++calls}` }), authorize ? { authorize } : {})
  cleanups.push(installXHR(createSession({ strategy, tokens: { accessToken: 'token-0' } }), { origins: [api.url] }))
  const status = await xhrRequest('POST', `${api.url}/orders`, [['X-Order', '42'], ['X-Order', '43']], 'tea')
  expect(status).toBe(200)
  expect(sentByFakes.map((s) => [s.headers.authorization, s.headers['x-order']])).toEqual([
    ['Bearer token-0', '42, 43'],
    ['Bearer token-1', '42, 43'],
  ])
  expect(calls).toBe(1)
})

it.each([
  ['within the call', () => undefined],
  ['after a microtask', () => Promise.resolve()],
  ['after a timer', () => new Promise<void>((resolve) => setTimeout(resolve, 5))],
])('a refresh call through an XHR-based fetch polyfill that opens its XHR %s passes installXHR untouched: its own credential, no wait on itself', async (_, opening) => {
  const api = await startMatrixApi((token, path) => (path === '/token' ? token !== 'refresh-0' : token !== 'token-1'))
  cleanups.push(api.stop)
  const strategy = countingStrategy(async (call, current, context) => {
    const answer = await context.fetch(`${api.url}/token`, { method: 'POST', headers: { Authorization: `Bearer ${current.refreshToken}` } })
    if (!answer.ok) throw new Error(`token endpoint answered ${answer.status}`)
    return { ...current, accessToken: `token-${call}` }
  })
  const session = createSession({ strategy, tokens: { accessToken: 'token-0', refreshToken: 'refresh-0' }, fetch: xhrFetch(opening) as typeof fetch, refreshTimeoutMs: 2_000 })
  cleanups.push(installXHR(session, { origins: [api.url] }))
  expect(await Promise.all([xhrRequest('GET', `${api.url}/a`), xhrRequest('GET', `${api.url}/b`)])).toEqual([200, 200])
  expect(api.seen.filter((s) => s.path === '/token').map((s) => s.authorization)).toEqual(['Bearer refresh-0'])
  expect(strategy.calls).toBe(1)
})
