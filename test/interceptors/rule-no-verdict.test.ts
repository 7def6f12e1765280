/**
 * A refusal rule that gives no verdict (it runs past refreshTimeoutMs, or throws) fails its
 * request: the response is never handed back, so its body must not keep the connection open.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import axios from 'axios'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession } from '../../src/index.js'
import { type AuthFailureRule, attachAxios } from '../../src/interceptors/axios.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { custom } from '../../src/strategies/index.js'

// An API answering 200 with a stream that never ends (a chunk every 20 ms); `closed` counts the responses whose connection went.
async function endlessApi() {
  const state = { closed: 0 }
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    const timer = setInterval(() => res.write('data: tick\n\n'), 20)
    res.on('close', () => {
      clearInterval(timer)
      state.closed++
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const stop = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeAllConnections()
    await closed
  }
  return { origin, state, stop }
}

// Signed in or out: either way the response is never handed back without a verdict.
const sessions = {
  'signed in': () => createSession({ strategy: custom(async (tokens) => tokens), tokens: { accessToken: 'token-0' }, refreshTimeoutMs: 100 }),
  'signed out': () => createSession({ strategy: custom(async (tokens) => tokens), refreshTimeoutMs: 100 }),
}
const rules: Record<string, AuthFailureRule> = {
  'never settles': () => new Promise<boolean>(() => {}),
  throws: () => Promise.reject(new Error('rule failed')),
  // Its own read of the endless body never ends either: it must stop with the request.
  'reads the body to its end': async (response) => JSON.stringify(await response.body()).includes('expired'),
}
const stops: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
})

async function closedWithin(state: { closed: number }, ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until && state.closed === 0; ) await new Promise((resolve) => setTimeout(resolve, 10))
  return state.closed === 1
}

const cases = Object.entries(rules).flatMap(([label, rule]) => Object.entries(sessions).map(([state, session]) => ({ label, rule, state, session })))

describe.each(cases)('a rule that $label, $state: the unjudged stream is let go', ({ rule, session }) => {
  it('through fetch', async () => {
    const api = await endlessApi()
    stops.push(api.stop)
    const authed = wrapFetch(fetch, session(), { origins: [api.origin], authFailure: rule })
    await expect(authed(`${api.origin}/events`)).rejects.toThrow()
    expect(await closedWithin(api.state, 1_000)).toBe(true)
  })

  it('through axios (responseType stream)', async () => {
    const api = await endlessApi()
    stops.push(api.stop)
    const client = axios.create({ baseURL: api.origin, adapter: 'http' })
    attachAxios(client, session(), { authFailure: rule })
    await expect(client.get('/events', { responseType: 'stream' })).rejects.toThrow()
    expect(await closedWithin(api.state, 1_000)).toBe(true)
  })
})

it('fetch: a rule that answers while its own body() read still goes: the read stops with the verdict, so a caller cancelling the body frees the connection', async () => {
  const api = await endlessApi()
  stops.push(api.stop)
  let read: Promise<unknown> | undefined
  const rule: AuthFailureRule = (response) => {
    read = response.body()
    return false
  }
  const authed = wrapFetch(fetch, sessions['signed in'](), { origins: [api.origin], authFailure: rule })
  const response = await authed(`${api.origin}/events`)
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  await reader.read()
  await reader.cancel()
  expect(await closedWithin(api.state, 1_000)).toBe(true)
  expect(typeof (await read)).toBe('string') // what was read by then
})
