/**
 * What happens to a refused response's body before the replay: one that has arrived whole is left
 * unread, so its keep-alive connection carries the replay; one known to be large is cancelled (its
 * connection closed) instead of downloaded while the refresh runs; one still arriving is not waited for.
 */
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession } from '../../src/index.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'

const stops: Array<() => void> = []
afterEach(() => {
  for (const stop of stops.splice(0)) stop()
})

// Answers token-0 with 401 and `refuse`'s body; records the client port of every request.
async function api(refuse: (res: ServerResponse) => void) {
  const ports: Array<{ token: string | undefined; port: number | undefined }> = []
  let refusalSent = () => {}
  const refusalEnded = new Promise<void>((resolve) => {
    refusalSent = resolve
  })
  const server = createServer((req, res) => {
    ports.push({ token: req.headers.authorization, port: req.socket.remotePort })
    res.on('finish', refusalSent)
    if (req.headers.authorization === 'Bearer token-0') return refuse(res)
    res.writeHead(200, { 'content-length': '2' }).end('ok')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  stops.push(() => server.close())
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, ports, refusalEnded }
}

// `untilRefusalEnds`: the refresh runs until the refused body has been sent whole, whatever the load.
async function refusedThenReplayed(refuse: (res: ServerResponse) => void, untilRefusalEnds = false) {
  const server = await api(refuse)
  // The refresh takes a round trip, as a real one does: time for a read connection to return to the pool.
  const strategy = countingStrategy(async (call, current) => {
    if (untilRefusalEnds) await server.refusalEnded
    await new Promise((resolve) => setTimeout(resolve, 30))
    return { ...current, accessToken: `token-${call}` }
  })
  const session = createSession({ strategy, tokens: { accessToken: 'token-0' } })
  const authedFetch = wrapFetch(fetch, session, { origins: [server.url] })
  const response = await authedFetch(`${server.url}/me`)
  expect({ status: response.status, body: await response.text() }).toEqual({ status: 200, body: 'ok' })
  const [refused, replay] = server.ports
  return { sameConnection: refused?.port === replay?.port, tokens: server.ports.map((p) => p.token) }
}

describe('the refused body before a replay', () => {
  it('a small body of known length is left unread: the replay goes out on the same connection', async () => {
    const outcome = await refusedThenReplayed((res) => res.writeHead(401, { 'content-type': 'application/json', 'content-length': '27' }).end('{"error":"token_expired"}\n\n'))
    expect(outcome).toEqual({ sameConnection: true, tokens: ['Bearer token-0', 'Bearer token-1'] })
  })

  it('a small body of unknown length (chunked) that ends while the refresh runs: the replay goes out on the same connection', async () => {
    const outcome = await refusedThenReplayed((res) => {
      res.writeHead(401, { 'content-type': 'application/json' })
      res.write('{"error":')
      setTimeout(() => res.end('"token_expired"}'), 5)
    }, true)
    expect(outcome).toEqual({ sameConnection: true, tokens: ['Bearer token-0', 'Bearer token-1'] })
  })

  it('a large body (1 MiB) is cancelled, not downloaded: its connection is closed and the replay opens another', async () => {
    let written = 0
    const outcome = await refusedThenReplayed((res) => {
      const size = 1024 * 1024
      res.writeHead(401, { 'content-length': String(size) })
      const chunk = Buffer.alloc(16 * 1024, 'x')
      // Written slowly: a client that downloaded it would take ~320 ms; one that cancels stops it.
      const timer = setInterval(() => {
        if (written >= size || res.destroyed) return clearInterval(timer)
        written += chunk.length
        res.write(chunk)
      }, 5)
    })
    expect(outcome).toEqual({ sameConnection: false, tokens: ['Bearer token-0', 'Bearer token-1'] })
    expect(written).toBeLessThan(1024 * 1024)
  })

  it('a small body that stalls (declared 27 bytes, 10 sent, then nothing) is not waited for: the replay goes out on another connection', async () => {
    const began = performance.now()
    const outcome = await refusedThenReplayed((res) => {
      res.writeHead(401, { 'content-length': '27' })
      res.write('{"error":"') // the rest never comes
    })
    expect(outcome).toEqual({ sameConnection: false, tokens: ['Bearer token-0', 'Bearer token-1'] })
    expect(performance.now() - began).toBeLessThan(2_000)
  })

  it('a body of unknown length (chunked) still arriving is not waited for: the replay goes out on another connection', async () => {
    const outcome = await refusedThenReplayed((res) => {
      res.writeHead(401, { 'content-type': 'text/plain' })
      res.write('expired')
      setTimeout(() => res.end('!'), 200)
    })
    expect(outcome).toEqual({ sameConnection: false, tokens: ['Bearer token-0', 'Bearer token-1'] })
  })
})

describe('the refused response handed back without its body', () => {
  // gzip-encoded and sized: the copy has no body, so neither header may say there is one.
  const gzipped = gzipSync('{"error":"invalid_token"}')
  const refuseGzipped = (res: ServerResponse) => res.writeHead(401, { 'content-encoding': 'gzip', 'content-length': String(gzipped.length), 'www-authenticate': 'Bearer error="invalid_token"' }).end(gzipped)
  const head = (response: Response) => ({ status: response.status, length: response.headers.get('content-length'), encoding: response.headers.get('content-encoding'), challenge: response.headers.get('www-authenticate') })
  const bodyless = { status: 401, length: null, encoding: null, challenge: 'Bearer error="invalid_token"' }

  it('signed out while judged: the refusal comes back, and no framing header promises the body it no longer has', async () => {
    const server = await api(refuseGzipped)
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' } })
    const signOutAndRefuse = async () => {
      await session.clear()
      return true
    }
    const response = await wrapFetch(fetch, session, { origins: [server.url], authFailure: signOutAndRefuse })(`${server.url}/me`)
    expect(head(response)).toEqual(bodyless)
    expect(await response.text()).toBe('')
  })

  it('a one-shot body refused: BodyNotReplayableError holds the copy, without framing headers', async () => {
    const server = await api(refuseGzipped)
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' } })
    const body = new ReadableStream({ start: (controller) => controller.close() })
    const error = (await wrapFetch(fetch, session, { origins: [server.url] })(`${server.url}/upload`, { method: 'POST', body, duplex: 'half' } as RequestInit).catch((caught: unknown) => caught)) as { response: Response }
    expect(head(error.response)).toEqual(bodyless)
  })

  it('a one-shot body refused: BodyNotReplayableError holds the response, which (and its clones) says where it was sent', async () => {
    const server = await api((res) => res.writeHead(401, { 'content-length': '0' }).end())
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' } })
    const authedFetch = wrapFetch(fetch, session, { origins: [server.url] })
    const body = new ReadableStream({ start: (controller) => controller.close() })
    const error = (await authedFetch(`${server.url}/upload`, { method: 'POST', body, duplex: 'half' } as RequestInit).catch((caught: unknown) => caught)) as { code: string; response: Response }
    expect(error.code).toBe('ERR_BODY_NOT_REPLAYABLE')
    for (const response of [error.response, error.response.clone()]) expect([response.status, response.url, response.redirected]).toEqual([401, `${server.url}/upload`, false])
  })
})

it('a fetch of its own whose refused body (over 64 KB) never finishes cancelling: the call is replayed and settles', async () => {
  const fakeFetch = (async (_input: RequestInfo | URL, init?: RequestInit) => {
    if (new Headers(init?.headers).get('authorization') === 'Bearer token-1') return new Response('ok')
    const body = new ReadableStream({ cancel: () => new Promise<void>(() => {}) })
    return new Response(body, { status: 401, headers: { 'content-length': String(100 * 1024) } })
  }) as typeof fetch
  const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' } })
  const authedFetch = wrapFetch(fakeFetch, session, { origins: ['https://api.test'] })
  expect(await (await authedFetch('https://api.test/me')).text()).toBe('ok')
})

it('a fetch of its own whose refused body is a Node stream (node-fetch), over 64 KB: the stream is destroyed, the call replayed', async () => {
  const { Readable } = await import('node:stream')
  const refused = new Readable({ read() {} })
  const fakeFetch = (async (_input: RequestInfo | URL, init?: RequestInit) => {
    if (new Headers(init?.headers).get('authorization') === 'Bearer token-1') return new Response('ok')
    return Object.defineProperty(new Response(null, { status: 401, headers: { 'content-length': String(100 * 1024) } }), 'body', { value: refused })
  }) as typeof fetch
  const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' } })
  const authedFetch = wrapFetch(fakeFetch, session, { origins: ['https://api.test'] })
  expect(await (await authedFetch('https://api.test/me')).text()).toBe('ok')
  expect(refused.destroyed).toBe(true)
})
