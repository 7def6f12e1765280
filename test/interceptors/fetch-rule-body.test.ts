/**
 * A refusal rule reading a fetch response's body: it reads at most 1 MiB of it (a hostile server's
 * endless 401 must not fill the process), from a web stream or from a Node stream (node-fetch).
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession } from '../../src/index.js'
import { type AuthFailureRule, wrapFetch } from '../../src/interceptors/fetch.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'

const stops: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
})

// Answers token-0 with a 401 whose body never ends (64 KB every few ms); `sent` counts its bytes.
async function endless401() {
  const state = { sent: 0, closed: false }
  const server = createServer((req, res) => {
    if (req.headers.authorization !== 'Bearer token-0') return void res.writeHead(200).end('ok')
    res.writeHead(401, { 'content-type': 'application/json' })
    res.write('{"error":"')
    const chunk = 'x'.repeat(64 * 1024)
    const timer = setInterval(() => {
      state.sent += chunk.length
      res.write(chunk)
    }, 2)
    res.on('close', () => {
      clearInterval(timer)
      state.closed = true
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  stops.push(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, state }
}

describe('a rule reading an endless refused body (fetch)', () => {
  it('body() rejects with a RangeError past 1 MiB, well before the rule deadline; the connection is let go', async () => {
    const api = await endless401()
    const rule: AuthFailureRule = async (response) => JSON.stringify(await response.body()).includes('expired')
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' }, refreshTimeoutMs: 10_000 })
    const error = await wrapFetch(fetch, session, { origins: [api.origin], authFailure: rule })(`${api.origin}/me`).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RangeError)
    expect(String(error)).toContain('1 MiB')
    expect(api.state.sent).toBeLessThan(16 * 1024 * 1024) // read stopped at the limit, not at the deadline
    await expect.poll(() => api.state.closed).toBe(true)
  })

  it('a rule catching it gives its verdict: the call is replayed with the new token', async () => {
    const api = await endless401()
    const rule: AuthFailureRule = (response) => response.body().then(() => false, (error: unknown) => error instanceof RangeError)
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens: { accessToken: 'token-0' } })
    const response = await wrapFetch(fetch, session, { origins: [api.origin], authFailure: rule })(`${api.origin}/me`)
    expect({ status: response.status, body: await response.text(), refreshes: strategy.calls }).toEqual({ status: 200, body: 'ok', refreshes: 1 })
  })
})

describe('a rule reading a refused body that is a Node stream (a fetch of its own, node-fetch)', () => {
  function* asBuffers(chunks: Iterable<string>) {
    for (const chunk of chunks) yield Buffer.from(chunk)
  }
  // A node-fetch-like 401: its body (and its clone's) a Node Readable of Buffers.
  function nodeFetchLike(chunks: () => Iterable<string>) {
    const made: Readable[] = []
    const fakeFetch = (async (_input: RequestInfo | URL, init?: RequestInit) => {
      if (new Headers(init?.headers).get('authorization') === 'Bearer token-1') return new Response('ok')
      const refused = new Response(null, { status: 401 })
      const streamed = (response: Response): Response => {
        const body = Readable.from(asBuffers(chunks()))
        made.push(body)
        return Object.defineProperties(response, { body: { value: body }, clone: { value: () => streamed(new Response(null, { status: 401 })) } })
      }
      return streamed(refused)
    }) as typeof fetch
    return { fakeFetch, made }
  }

  it('its JSON is read for the rule, and the call replayed', async () => {
    const { fakeFetch } = nodeFetchLike(() => ['{"error":', '"token_expired"}'])
    const seen: unknown[] = []
    const rule: AuthFailureRule = async (response) => {
      const body = await response.body()
      seen.push(body)
      return JSON.stringify(body).includes('expired')
    }
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' } })
    const response = await wrapFetch(fakeFetch, session, { origins: ['https://api.test'], authFailure: rule })('https://api.test/me')
    expect({ text: await response.text(), seen }).toEqual({ text: 'ok', seen: [{ error: 'token_expired' }] })
  })

  it('an endless one: body() rejects past 1 MiB and the copy read is destroyed', async () => {
    const { fakeFetch, made } = nodeFetchLike(function* () {
      for (;;) yield 'x'.repeat(64 * 1024)
    })
    const rule: AuthFailureRule = async (response) => Boolean(await response.body())
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' }, refreshTimeoutMs: 10_000 })
    const error = await wrapFetch(fakeFetch, session, { origins: ['https://api.test'], authFailure: rule })('https://api.test/me').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RangeError)
    await expect.poll(() => made[1]?.destroyed).toBe(true)
  })
})
