/**
 * wrapFetch around a fetch of its own in Node (node-fetch): it cannot read the platform's
 * `Request`, which it would send as the URL "[object Request]". Requests with a body, and
 * `Request` inputs, reach it as a URL and an init: sent, refused, replayed with the same body,
 * and passed through to other origins, as with Node's own fetch.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import nodeFetch from 'node-fetch'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession } from '../../src/index.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'

type Seen = { method: string; path: string; authorization: string | undefined; body: string }
const stops: Array<() => void> = []
afterEach(() => {
  while (stops.length) stops.pop()?.()
})

// A server refusing every request that carries `token-0`.
async function api(): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = []
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    seen.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, body: Buffer.concat(chunks).toString() })
    if (req.url === '/old') return void res.writeHead(307, { location: '/orders' }).end()
    const refused = req.headers.authorization === 'Bearer token-0'
    res.writeHead(refused ? 401 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: !refused }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  stops.push(() => {
    server.close()
    server.closeAllConnections()
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

const foreign = nodeFetch as unknown as typeof fetch

const inputs = [
  ['a URL string and a string body', (url: string) => [`${url}/orders`, { method: 'POST', body: '{"id":7}' }] as const],
  ['a URL object and a byte body', (url: string) => [new URL('/orders', url), { method: 'POST', body: new TextEncoder().encode('{"id":7}') }] as const],
  ['a Request with a body', (url: string) => [new Request(`${url}/orders`, { method: 'POST', body: '{"id":7}' })] as const],
] as const

async function refusedOnceThenReplayed(fetchFn: typeof fetch, args: (url: string) => readonly unknown[]): Promise<void> {
  const { url, seen } = await api()
  const strategy = countingStrategy()
  const authed = wrapFetch(fetchFn, createSession({ strategy, tokens: { accessToken: 'token-0' } }), { origins: [url] })
  const [input, init] = args(url) as [string, RequestInit | undefined]
  const response = await authed(input, init)
  expect({ status: response.status, body: await response.json() }).toEqual({ status: 200, body: { ok: true } })
  expect(seen).toEqual([
    { method: 'POST', path: '/orders', authorization: 'Bearer token-0', body: '{"id":7}' },
    { method: 'POST', path: '/orders', authorization: 'Bearer token-1', body: '{"id":7}' },
  ])
  expect(strategy.calls).toBe(1)
}

describe('wrapFetch(node-fetch)', () => {
  it.each(inputs)('%s, refused once: one refresh, replayed once with the same body, 200', async (_, args) => {
    await refusedOnceThenReplayed(foreign, args)
  })

  // A service that set `globalThis.fetch = nodeFetch` and wraps the global: it is still node-fetch.
  it.each(inputs)('node-fetch as the global fetch, %s: refused once, replayed once with the same body', async (_, args) => {
    const platformFetch = globalThis.fetch
    globalThis.fetch = foreign
    stops.push(() => {
      globalThis.fetch = platformFetch
    })
    await refusedOnceThenReplayed(globalThis.fetch, args)
  })

  it('a 307 it is told to follow here (node-fetch would keep the token on any redirect): the body and token go to the new path of the allowed origin', async () => {
    const { url, seen } = await api()
    const authed = wrapFetch(foreign, createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-1' } }), { origins: [url] })
    const response = await authed(`${url}/old`, { method: 'POST', body: '{"id":7}' })
    expect(response.status).toBe(200)
    expect(seen).toEqual([
      { method: 'POST', path: '/old', authorization: 'Bearer token-1', body: '{"id":7}' },
      { method: 'POST', path: '/orders', authorization: 'Bearer token-1', body: '{"id":7}' },
    ])
  })

  it('a streamed upload that never ends, aborted: the call rejects with the abort at once, not when the stream ends', async () => {
    const { url } = await api()
    const authed = wrapFetch(foreign, createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-1' } }), { origins: [url] })
    // One chunk, then nothing more for ever.
    const endless = new ReadableStream<Uint8Array>({
      pull: (stream) => {
        stream.enqueue(new Uint8Array(1024))
        return new Promise(() => {})
      },
    })
    const controller = new AbortController()
    setTimeout(() => controller.abort(new Error('caller gave up')), 100)
    const init = { method: 'POST', body: endless, duplex: 'half', signal: controller.signal } as RequestInit
    const outcome = await Promise.race([authed(`${url}/upload`, init).catch((error: Error) => error.message), new Promise((resolve) => setTimeout(() => resolve('still pending after 2 s'), 2_000))])
    expect(outcome).toBe('caller gave up')
  })

  it('a request with a body to an origin not allowed passes through with its body and no token', async () => {
    const { url, seen } = await api()
    const authed = wrapFetch(foreign, createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-1' } }), { origins: ['https://api.example.com'] })
    const response = await authed(`${url}/elsewhere`, { method: 'PUT', body: 'plain' })
    expect(response.status).toBe(200)
    expect(seen).toEqual([{ method: 'PUT', path: '/elsewhere', authorization: undefined, body: 'plain' }])
  })
})
