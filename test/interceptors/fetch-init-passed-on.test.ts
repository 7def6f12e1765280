/**
 * What a caller's init holds beyond what a `Request` carries (undici's `dispatcher`: a proxy, a
 * private CA, a client certificate) goes with every send wrapFetch makes: the first, a replay and
 * each redirect hop it follows itself. Lost, the request and its token would bypass the proxy.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSession } from '../../src/index.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { custom } from '../../src/strategies/index.js'

let origin = ''
const server = createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    if (req.url === '/redirect') return void res.writeHead(307, { location: '/final' }).end()
    const token = req.headers['x-auth-token'] ?? req.headers.authorization
    if (req.url === '/refused' && !String(token).endsWith('token-1')) return void res.writeHead(401).end()
    res.end('ok')
  })
})
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  await fetch(origin) // undici's global dispatcher exists from the first fetch on
})
afterAll(() => {
  server.closeAllConnections()
  server.close()
})

// A dispatcher that notes each path it carries and hands it to undici's own.
function countingDispatcher() {
  const global = (globalThis as Record<symbol, { dispatch(options: { path: string }, handler: unknown): boolean }>)[Symbol.for('undici.globalDispatcher.1')]
  const paths: string[] = []
  const dispatcher = {
    dispatch(options: { path: string }, handler: unknown) {
      paths.push(options.path)
      return global?.dispatch(options, handler) ?? false
    },
  }
  return { dispatcher, paths }
}

const placements = { Authorization: undefined, 'X-Auth-Token (redirects followed by wrapFetch)': { header: 'X-Auth-Token', scheme: '' } }

describe.each(Object.entries(placements))('the dispatcher goes with every send, the token in %s', (_, authorization) => {
  const authed = () => {
    const strategy = custom(async (tokens) => ({ ...tokens, accessToken: 'token-1' }), authorization ? { authorization } : {})
    return wrapFetch(fetch, createSession({ strategy, tokens: { accessToken: 'token-0' } }), { origins: [origin] })
  }
  it.each([
    ['a POST with a body, redirected (307)', (url: string, init: RequestInit) => authed()(`${url}/redirect`, { ...init, method: 'POST', body: 'x' }), ['/redirect', '/final']],
    ['a Request, redirected (307)', (url: string, init: RequestInit) => authed()(new Request(`${url}/redirect`), init), ['/redirect', '/final']],
    ['a POST refused, then replayed', (url: string, init: RequestInit) => authed()(`${url}/refused`, { ...init, method: 'POST', body: 'x' }), ['/refused', '/refused']],
    ['a GET refused, then replayed', (url: string, init: RequestInit) => authed()(`${url}/refused`, init), ['/refused', '/refused']],
  ])('%s', async (_, call, expected) => {
    const { dispatcher, paths } = countingDispatcher()
    const response = await call(origin, { dispatcher } as RequestInit)
    expect({ status: response.status, body: await response.text(), paths }).toEqual({ status: 200, body: 'ok', paths: expected })
  })
})
