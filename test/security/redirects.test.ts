/**
 * A redirect from an allowed origin to a foreign one must not carry the token, in Node's axios
 * (follow-redirects) and in fetch (undici). Tokens never go over plain http to a host that is
 * not loopback unless the user opts in.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import axios from 'axios'
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import { createSession, RefreshError, type Session } from '../../src/index.js'
import { attachAxios } from '../../src/interceptors/axios.js'
import { installFetch, wrapFetch } from '../../src/interceptors/fetch.js'
import { custom } from '../../src/strategies/index.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'
import { type ResourceServer, startResourceServer } from '../_helpers/resource-server.js'

// axios's own dependency: the transport a caller would hand axios to follow redirects its own way.
const followRedirects = createRequire(import.meta.url)('follow-redirects') as { http: unknown }

const servers: ResourceServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()))
})

async function pair() {
  const allowed = await startResourceServer(() => true)
  const foreign = await startResourceServer(() => true)
  servers.push(allowed, foreign)
  const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'secret-token' } })
  return { allowed, foreign, session, to: `/redirect?to=${encodeURIComponent(`${foreign.url}/landing`)}` }
}

describe('redirects to a foreign origin', () => {
  it('axios (Node, follow-redirects) drops Authorization', async () => {
    const { allowed, foreign, session, to } = await pair()
    const api = axios.create({ baseURL: allowed.url })
    attachAxios(api, session)
    await expect(api.get(to)).resolves.toMatchObject({ status: 200 })
    expect(allowed.requests[0]?.authorization).toBe('Bearer secret-token')
    expect(foreign.requests).toHaveLength(1)
    expect(foreign.requests[0]?.authorization).toBeUndefined()
  })

  it('fetch (undici) drops Authorization', async () => {
    const { allowed, foreign, session, to } = await pair()
    const authedFetch = wrapFetch(fetch, session, { origins: [allowed.url] })
    await expect(authedFetch(allowed.url + to)).resolves.toMatchObject({ status: 200 })
    expect(allowed.requests[0]?.authorization).toBe('Bearer secret-token')
    expect(foreign.requests).toHaveLength(1)
    expect(foreign.requests[0]?.authorization).toBeUndefined()
  })
})

describe('fetch (Node) around a fetch other than the platform’s', () => {
  // As node-fetch: it follows a redirect itself unless told `redirect: 'manual'`, and keeps every
  // header (node-fetch keeps Authorization on a redirect to another port or a subdomain).
  const platformFetch = globalThis.fetch
  // Named after undici (a wrapper of an older undici package's fetch would be): its name proves nothing.
  const keepingHeaders: typeof fetch = async function undiciFetch(input, init) {
    let response = await platformFetch(input, { ...init, redirect: 'manual' })
    if (init?.redirect === 'manual') return response
    for (let hops = 0; hops < 20 && response.status >= 300 && response.status < 400; hops++) {
      response = await platformFetch(new URL(response.headers.get('location') ?? '', response.url || String(input)), { ...init, redirect: 'manual' })
    }
    return response
  }
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('Authorization does not follow a redirect to another origin: tokenflight follows it, hop by hop', async () => {
    const { allowed, foreign, session, to } = await pair()
    const authedFetch = wrapFetch(keepingHeaders, session, { origins: [allowed.url] })
    const response = await authedFetch(allowed.url + to)
    expect(allowed.requests[0]?.authorization).toBe('Bearer secret-token')
    expect(foreign.requests.map((r) => r.authorization)).toEqual([undefined])
    expect([response.status, response.redirected, response.url]).toEqual([200, true, `${foreign.url}/landing`])
  })

  // A page or service that polyfills fetch (`globalThis.fetch = nodeFetch`): the global is no platform fetch.
  it.each([
    ['wrapFetch(globalThis.fetch)', (session: Session, origin: string) => wrapFetch(globalThis.fetch, session, { origins: [origin] })],
    [
      'installFetch',
      (session: Session, origin: string) => {
        onTestFinished(installFetch(session, { origins: [origin] }))
        return globalThis.fetch
      },
    ],
  ])('the global fetch replaced by it, %s: Authorization does not follow a redirect to another origin', async (_, wrap) => {
    const { allowed, foreign, session, to } = await pair()
    vi.stubGlobal('fetch', keepingHeaders)
    const response = await wrap(session, allowed.url)(allowed.url + to)
    expect(allowed.requests[0]?.authorization).toBe('Bearer secret-token')
    expect(foreign.requests.map((r) => r.authorization)).toEqual([undefined])
    expect(response.status).toBe(200)
  })
})

describe('plain http', () => {
  // A fake fetch records what would be sent: no traffic leaves this machine.
  function recorder() {
    const seen: Array<string | null> = []
    const fakeFetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      seen.push(new Request(input, init).headers.get('authorization'))
      return new Response('ok')
    }
    return { seen, fakeFetch: fakeFetch as typeof fetch }
  }

  it('a pattern that matches an http host which is not loopback gets no token', async () => {
    const { seen, fakeFetch } = recorder()
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'secret-token' } })
    const authedFetch = wrapFetch(fakeFetch, session, { origins: [/^https?:\/\/[a-z]+\.example\.test$/] })
    await authedFetch('http://api.example.test/data')
    await authedFetch('https://api.example.test/data')
    expect(seen).toEqual([null, 'Bearer secret-token'])
  })

  it('allowInsecureHttp opts in', async () => {
    const { seen, fakeFetch } = recorder()
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'secret-token' } })
    const authedFetch = wrapFetch(fakeFetch, session, { origins: ['http://intranet.example.test'], allowInsecureHttp: true })
    await authedFetch('http://intranet.example.test/data')
    expect(seen).toEqual(['Bearer secret-token'])
  })
})

describe('a token in a header of its own (the `authorization` option) on a redirect', () => {
  const strategyWithHeader = () => custom(async () => ({ accessToken: 'fresh-token' }), { authorization: { header: 'X-Auth-Token', scheme: '' } })

  it('axios (Node): not to a foreign origin, though follow-redirects forwards every header but Authorization and cookies', async () => {
    const { allowed, foreign, to } = await pair()
    const session = createSession({ strategy: strategyWithHeader(), tokens: { accessToken: 'secret-token' } })
    const api = axios.create({ baseURL: allowed.url })
    const seenByCaller: string[] = []
    attachAxios(api, session)
    await expect(api.get(to, { beforeRedirect: (options) => void seenByCaller.push(String(options.href)) })).resolves.toMatchObject({ status: 200 })
    expect(allowed.requests[0]?.headers['x-auth-token']).toBe('secret-token')
    expect(foreign.requests).toHaveLength(1)
    expect(foreign.requests[0]?.headers['x-auth-token']).toBeUndefined()
    expect(seenByCaller).toEqual([`${foreign.url}/landing`]) // the caller's own hook still runs
  })

  it('axios (Node): a beforeRedirect set after ours (an interceptor added before attachAxios runs after it) still runs first, then the guard', async () => {
    const { allowed, foreign, to } = await pair()
    const session = createSession({ strategy: strategyWithHeader(), tokens: { accessToken: 'secret-token' } })
    const api = axios.create({ baseURL: allowed.url })
    const seenByCaller: string[] = []
    api.interceptors.request.use((config) => {
      config.beforeRedirect = (options) => {
        seenByCaller.push(String(options.href))
        options.headers['X-Auth-Token'] = 'secret-token' // even one that puts it back
      }
      return config
    })
    attachAxios(api, session)
    await expect(api.get(to)).resolves.toMatchObject({ status: 200 })
    expect(foreign.requests[0]?.headers['x-auth-token']).toBeUndefined()
    expect(seenByCaller).toEqual([`${foreign.url}/landing`])
  })

  it.each([
    ['frozen', (config: object) => Object.freeze(config)],
    ['sealed', (config: object) => Object.seal(config)],
  ])('axios (Node): a config a request interceptor %s before ours (its beforeRedirect cannot be guarded) is refused with a TypeError, the token sent nowhere', async (_, lock) => {
    const { allowed, foreign, to } = await pair()
    const session = createSession({ strategy: strategyWithHeader(), tokens: { accessToken: 'secret-token' } })
    const api = axios.create({ baseURL: allowed.url })
    attachAxios(api, session)
    api.interceptors.request.use((config) => lock(config) as typeof config) // added after: runs before ours
    const error = await api.get(to).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TypeError)
    expect(String(error)).toMatch(/cannot keep the token off redirects/)
    expect(String(error)).not.toContain('secret-token')
    expect([...allowed.requests, ...foreign.requests]).toEqual([])
  })

  it.each([
    ['in a header of its own', true],
    ['in Authorization', false],
  ])("axios (Node): a transport of the caller's own (follow-redirects', which axios hands no beforeRedirect), token %s: refused with a TypeError, sent nowhere", async (_, ownHeader) => {
    const { allowed, foreign, to } = await pair()
    const session = createSession({ strategy: ownHeader ? strategyWithHeader() : countingStrategy(), tokens: { accessToken: 'secret-token' } })
    const api = axios.create({ baseURL: allowed.url, transport: followRedirects.http } as never)
    attachAxios(api, session)
    const error = await api.get(to).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TypeError)
    expect(String(error)).toMatch(/transport of its own/)
    expect([...allowed.requests, ...foreign.requests]).toEqual([])
    // Without the token (skip), the caller's transport carries the request as it would.
    await expect(api.get(to, { tokenflight: { skip: true } })).resolves.toMatchObject({ status: 200 })
  })

  it('axios (Node): a beforeRedirect an interceptor running after ours deletes or replaces is guarded again before the send', async () => {
    const undos = [
      (config: { beforeRedirect?: unknown }): void => {
        delete config.beforeRedirect
      },
      (config: { beforeRedirect?: unknown }): void => {
        config.beforeRedirect = undefined
      },
    ]
    for (const undo of undos) {
      const { allowed, foreign, to } = await pair()
      const session = createSession({ strategy: strategyWithHeader(), tokens: { accessToken: 'secret-token' } })
      const api = axios.create({ baseURL: allowed.url })
      api.interceptors.request.use((config) => {
        undo(config)
        return config
      })
      attachAxios(api, session)
      await expect(api.get(to)).resolves.toMatchObject({ status: 200 })
      expect(allowed.requests[0]?.headers['x-auth-token']).toBe('secret-token')
      expect(foreign.requests[0]?.headers['x-auth-token']).toBeUndefined()
    }
  })

  it('axios (Node): kept on a redirect within the allowed origins', async () => {
    const { allowed } = await pair()
    const session = createSession({ strategy: strategyWithHeader(), tokens: { accessToken: 'secret-token' } })
    const api = axios.create({ baseURL: allowed.url })
    attachAxios(api, session)
    await expect(api.get(`/redirect?to=${encodeURIComponent(`${allowed.url}/landing`)}`)).resolves.toMatchObject({ status: 200 })
    expect(allowed.requests.map((r) => r.headers['x-auth-token'])).toEqual(['secret-token', 'secret-token'])
  })
})

// fetch drops only `Authorization` on a redirect to another origin: in Node, a request whose token
// goes in another header has its redirects followed by tokenflight, which leaves the token off
// every hop to an origin the allowlist does not allow.
describe('fetch (Node): a token in a header of its own on a redirect', () => {
  const ownHeader = { authorization: { header: 'X-Auth-Token', scheme: '' } }
  const redirect = (to: string, status = 302) => `/redirect?status=${status}&to=${encodeURIComponent(to)}`
  const tokenOf = (request: { headers: Record<string, unknown> } | undefined) => request?.headers['x-auth-token']

  async function setUp(authorize?: (tokens: { accessToken: string }, headers: Headers) => void) {
    const { allowed, foreign } = await pair()
    const strategy = authorize ? custom(async () => ({ accessToken: 'fresh-token' }), { authorize }) : custom(async () => ({ accessToken: 'fresh-token' }), ownHeader)
    const session = createSession({ strategy, tokens: { accessToken: 'secret-token' } })
    return { allowed, foreign, authedFetch: wrapFetch(fetch, session, { origins: [allowed.url] }) }
  }

  for (const status of [301, 302, 303, 307, 308]) {
    it(`${status}, a URL and a Request with a body: not to a foreign origin, the redirect followed as fetch does`, async () => {
      const { allowed, foreign, authedFetch } = await setUp()
      const landing = `${foreign.url}/landing`
      const viaUrl = await authedFetch(allowed.url + redirect(landing, status))
      const viaRequest = await authedFetch(new Request(allowed.url + redirect(landing, status), { method: 'POST', body: 'order', headers: { 'content-type': 'text/plain' } }))
      // A clone says where the response landed too, as one of fetch's own does.
      for (const response of [viaUrl, viaRequest, viaUrl.clone(), viaRequest.clone().clone()]) expect([response.status, response.redirected, response.url]).toEqual([200, true, landing])
      expect(allowed.requests.map(tokenOf)).toEqual(['secret-token', 'secret-token'])
      expect(foreign.requests.map(tokenOf)).toEqual([undefined, undefined])
      // 301 and 302 make a POST a GET, 303 makes anything a GET; 307 and 308 send the body again.
      const keepsBody = status === 307 || status === 308
      const posted = foreign.requests[1]
      expect([posted?.method, posted?.body.toString(), posted?.contentType]).toEqual(keepsBody ? ['POST', 'order', 'text/plain'] : ['GET', '', undefined])
    })
  }

  it('kept within the allowed origins, taken off a hop elsewhere, and put back on a hop to an allowed origin', async () => {
    const { allowed, foreign, authedFetch } = await setUp()
    const back = `${allowed.url}/back`
    const response = await authedFetch(allowed.url + redirect(`${foreign.url}${redirect(back)}`))
    expect([response.status, response.url]).toEqual([200, back])
    expect(allowed.requests.map((r) => [r.path, tokenOf(r)])).toEqual([
      [redirect(`${foreign.url}${redirect(back)}`), 'secret-token'],
      ['/back', 'secret-token'],
    ])
    expect(foreign.requests.map(tokenOf)).toEqual([undefined])
  })

  it("the caller's own copy of the token in the strategy's header and every header a user's authorize writes stay off a foreign hop", async () => {
    const { allowed, foreign, authedFetch } = await setUp((tokens, headers) => {
      headers.set('X-Auth-Token', tokens.accessToken)
      headers.set('X-Session-Proof', `proof-${tokens.accessToken}`)
    })
    const init = { headers: { 'X-Auth-Token': 'secret-token', 'X-Trace': 'kept' } }
    await authedFetch(allowed.url + redirect(`${foreign.url}/landing`), init)
    expect(allowed.requests[0]?.headers['x-session-proof']).toBe('proof-secret-token')
    expect(foreign.requests.map((r) => [tokenOf(r), r.headers['x-session-proof'], r.headers['x-trace']])).toEqual([[undefined, undefined, 'kept']])
  })

  it("signed out, a stale token the caller left in the strategy's header stays off a foreign hop", async () => {
    const { allowed, foreign } = await pair()
    const session = createSession({ strategy: custom(async () => ({ accessToken: 'fresh-token' }), ownHeader) })
    const authedFetch = wrapFetch(fetch, session, { origins: [allowed.url] })
    await authedFetch(allowed.url + redirect(`${foreign.url}/landing`), { headers: { 'X-Auth-Token': 'stale-token', 'X-Trace': 'kept' } })
    expect(allowed.requests.map(tokenOf)).toEqual(['stale-token']) // an allowed origin gets what the caller sent
    expect(foreign.requests.map((r) => [tokenOf(r), r.headers['x-trace']])).toEqual([[undefined, 'kept']])
  })

  it("a redirect to a location with credentials rejects as fetch does, the server's location (a token in it) in no text", async () => {
    const { allowed, foreign, authedFetch } = await setUp()
    const to = new URL(`${foreign.url}/landing`)
    to.username = 'u'
    to.password = 'secret-token'
    const error = (await authedFetch(allowed.url + redirect(to.href)).catch((e: unknown) => e)) as Error
    expect(error).toBeInstanceOf(TypeError)
    expect(`${error.message} ${error.stack} ${String(error.cause)}`).not.toContain('secret-token')
    expect(foreign.requests).toEqual([])
  })

  it('a redirect loop rejects with a TypeError after 20 redirects, as fetch does', async () => {
    let hops = 0
    const looping = await inlineServer((_req, res) => res.writeHead(302, { location: `/again-${++hops}` }).end())
    const guarded = wrapFetch(fetch, createSession({ strategy: custom(async () => ({ accessToken: 'fresh-token' }), ownHeader), tokens: { accessToken: 'secret-token' } }), {
      origins: [looping],
    })
    await expect(guarded(`${looping}/start`)).rejects.toThrow(TypeError)
    expect(hops).toBe(21)
  })

  it('a 401 from a foreign origin a redirect led to is no verdict on the token: no refresh, the response as it came', async () => {
    const { allowed, authedFetch } = await setUp()
    const refusing = await startResourceServer(() => false)
    servers.push(refusing)
    const response = await authedFetch(allowed.url + redirect(`${refusing.url}/landing`))
    expect([response.status, response.redirected, await response.json()]).toEqual([401, true, { error: 'invalid_token' }])
    expect(refusing.requests.map(tokenOf)).toEqual([undefined])
  })

  it("the replay after a refresh is guarded too, and a caller's redirect: 'manual' is left to fetch", async () => {
    const { foreign } = await setUp()
    let refused = 0
    // Refuses the first token, then redirects: the replay with the fresh one meets the redirect.
    const origin = await inlineServer((req, res) => {
      if (req.headers['x-auth-token'] === 'secret-token' && ++refused) res.writeHead(401).end()
      else res.writeHead(307, { location: `${foreign.url}/landing` }).end()
    })
    const session = createSession({ strategy: custom(async () => ({ accessToken: 'fresh-token' }), ownHeader), tokens: { accessToken: 'secret-token' } })
    const guarded = wrapFetch(fetch, session, { origins: [origin] })
    await expect(guarded(`${origin}/x`)).resolves.toMatchObject({ status: 200, redirected: true })
    expect(refused).toBe(1)
    expect(foreign.requests.map(tokenOf)).toEqual([undefined])
    const manual = await guarded(`${origin}/x`, { redirect: 'manual' })
    expect([manual.status, manual.headers.get('location')]).toEqual([307, `${foreign.url}/landing`])
  })
})

// A loopback server answering with `handler`, stopped after the test; resolves to its origin.
async function inlineServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push({
    url: '',
    requests: [],
    unauthorized: 0,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe("a custom strategy's fetch on a redirect from the auth server", () => {
  // `redirect: undefined`: a helper forwarding an option its caller left unset.
  it.each([301, 302, 303, 307, 308].flatMap((status) => [{ status, init: {} }, { status, init: { redirect: undefined } as object }]))('$status, $init: not followed, so the refresh token in its body and headers goes nowhere else', async ({ status, init }) => {
    const auth = await startResourceServer(() => true)
    const foreign = await startResourceServer(() => true)
    servers.push(auth, foreign)
    const strategy = custom(async (tokens, { fetch, signal }) => {
      const to = `${auth.url}/redirect?status=${status}&to=${encodeURIComponent(`${foreign.url}/renew`)}`
      const res = await fetch(to, { ...init, method: 'POST', signal, headers: { 'x-refresh': String(tokens.refreshToken) }, body: String(tokens.refreshToken) })
      if (!res.ok) throw new RefreshError('renew refused', { transient: false, status: res.status })
      return { ...tokens, accessToken: 'new-token' }
    })
    const session = createSession({ strategy, tokens: { accessToken: 'old-token', refreshToken: 'refresh-secret' } })
    await expect(session.refresh()).rejects.toMatchObject({ cause: { status } })
    expect(auth.requests).toHaveLength(1)
    expect(foreign.requests).toHaveLength(0)
  })

  it("followed when the strategy's call says redirect: 'follow'", async () => {
    const auth = await startResourceServer(() => true)
    servers.push(auth)
    const strategy = custom(async (tokens, { fetch, signal }) => {
      const res = await fetch(`${auth.url}/redirect?to=${encodeURIComponent(`${auth.url}/renew`)}`, { signal, redirect: 'follow' })
      return { ...tokens, accessToken: res.ok ? 'new-token' : 'not-followed' }
    })
    const session = createSession({ strategy, tokens: { accessToken: 'old-token', refreshToken: 'refresh-secret' } })
    await expect(session.refresh()).resolves.toBe('new-token')
    expect(auth.requests.map((request) => request.path.split('?')[0])).toEqual(['/redirect', '/renew'])
  })
})
