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
  // A node-fetch-like 401: its body a Node Readable. node-fetch's clone() pipes one stream into two,
  // so a read of the copy stalls while the caller's is unread (past ~64 KB): body() is not read.
  it('body() rejects at once with a TypeError saying so; a rule catching it still gives its verdict, and the call is replayed', async () => {
    let clones = 0
    const fakeFetch = (async (_input: RequestInfo | URL, init?: RequestInit) => {
      if (new Headers(init?.headers).get('authorization') === 'Bearer token-1') return new Response('ok')
      const refused = new Response(null, { status: 401 })
      const clone = () => {
        clones++
        return refused
      }
      return Object.defineProperties(refused, { body: { value: Readable.from([Buffer.from('{"error":"token_expired"}')]) }, clone: { value: clone } })
    }) as typeof fetch
    const seen: string[] = []
    const rule: AuthFailureRule = async (response) => {
      try {
        return Boolean(await response.body()) && false
      } catch (error) {
        seen.push(`${(error as Error).name}: ${(error as Error).message}`)
        return response.status === 401
      }
    }
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' } })
    const response = await wrapFetch(fakeFetch, session, { origins: ['https://api.test'], authFailure: rule })('https://api.test/me')
    expect({ text: await response.text(), seen, clones }).toEqual({ text: 'ok', seen: [expect.stringMatching(/^TypeError: .*Node stream.*judge by status and headers/)], clones: 0 })
  })
})
