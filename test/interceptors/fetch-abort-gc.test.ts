/**
 * Aborting a wrapped fetch while its send is in flight, with garbage collected meanwhile: undici
 * stops following a `Request`'s signal once that `Request` is dropped, so a send made from a copy
 * of the caller's request never heard of the abort and waited for the server (5 minutes, undici's
 * headers timeout). Every way of giving a signal, on the first send, the replay and a redirect
 * followed by tokenflight, must reject with the abort's reason, as bare fetch does.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession } from '../../src/index.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { custom } from '../../src/strategies/index.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const stops: Array<() => void> = []
afterEach(() => {
  for (const stop of stops.splice(0)) stop()
})

// A loopback server answering with `handler`; one that never answers holds the request open.
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  stops.push(() => {
    server.closeAllConnections()
    server.close()
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const HUNG = Symbol('still waiting')

// Calls `call(signal)` five times at once, aborts each once its request reached `reached`, collects
// garbage all along; what each settled with, or HUNG if still pending 2 s after the abort.
async function abortedUnderGc(reached: () => number, call: (signal: AbortSignal) => Promise<Response>): Promise<unknown[]> {
  const collecting = setInterval(gc, 5)
  try {
    const controllers = Array.from({ length: 5 }, () => new AbortController())
    const settled = controllers.map((controller) => call(controller.signal).then(() => 'resolved', (error: unknown) => error))
    while (reached() < 5) await new Promise((resolve) => setTimeout(resolve, 10))
    for (let i = 0; i < 10; i++) {
      gc()
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    for (const [index, controller] of controllers.entries()) controller.abort(new Error(`stop ${index}`))
    const deadline = new Promise((resolve) => setTimeout(resolve, 2000, HUNG))
    return await Promise.all(settled.map((outcome) => Promise.race([outcome, deadline])))
  } finally {
    clearInterval(collecting)
  }
}

const stopped = Array.from({ length: 5 }, (_, index) => expect.objectContaining({ message: `stop ${index}` }))
const session = (authorization?: { header: string; scheme: string }) =>
  createSession({ strategy: custom(async () => ({ accessToken: 'token-1' }), authorization ? { authorization } : {}), tokens: { accessToken: 'token-0' } })

describe('an abort reaches a wrapped fetch in flight, garbage collected meanwhile', () => {
  const ways: Array<[string, (url: string, signal: AbortSignal) => [RequestInfo | URL, RequestInit?]]> = [
    ['a URL and an init with a body and the signal', (url, signal) => [url, { method: 'PUT', body: 'order', signal }]],
    ['a URL and an init with the signal, no body', (url, signal) => [url, { signal }]],
    ['a Request with a body, the signal in the init', (url, signal) => [new Request(url, { method: 'PUT', body: 'order' }), { signal }]],
    ['a Request with a body and its own signal', (url, signal) => [new Request(url, { method: 'PUT', body: 'order', signal })]],
  ]
  for (const [way, args] of ways) {
    it(`${way}: the first send`, async () => {
      let reached = 0
      const url = await serve(() => reached++)
      const authedFetch = wrapFetch(fetch, session(), { origins: [url] })
      expect(await abortedUnderGc(() => reached, (signal) => authedFetch(...args(`${url}/hung`, signal)))).toEqual(stopped)
    })

    it(`${way}: the replay after a refresh`, async () => {
      let reached = 0
      const url = await serve((req, res) => {
        if (req.headers.authorization === 'Bearer token-0') res.writeHead(401).end()
        else reached++
      })
      const authedFetch = wrapFetch(fetch, session(), { origins: [url] })
      expect(await abortedUnderGc(() => reached, (signal) => authedFetch(...args(`${url}/hung`, signal)))).toEqual(stopped)
    })

    it(`${way}: a redirect tokenflight follows (a token in a header of its own)`, async () => {
      let reached = 0
      const hung = await serve(() => reached++)
      const url = await serve((_req, res) => res.writeHead(307, { location: `${hung}/hung` }).end())
      const authedFetch = wrapFetch(fetch, session({ header: 'X-Auth-Token', scheme: '' }), { origins: [url] })
      expect(await abortedUnderGc(() => reached, (signal) => authedFetch(...args(`${url}/start`, signal)))).toEqual(stopped)
    })
  }
})
