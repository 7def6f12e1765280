/**
 * Set-ups a user's own code makes, and servers that move a request: each must keep a call to one
 * refresh and one replay of the same body, its token where it was sent, and every call settling.
 */
import { Agent, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import axios, { AxiosHeaders, type AxiosInstance, type AxiosRequestConfig, type AxiosRequestTransformer, type InternalAxiosRequestConfig } from 'axios'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createSession, type Tokens } from '../../src/index.js'
import { attachAxios } from '../../src/interceptors/axios.js'
import { installFetch, wrapFetch } from '../../src/interceptors/fetch.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'
import { serverPool, statusOf } from '../_helpers/resource-server.js'
import { custom } from '../../src/strategies/index.js'

const servers = serverPool()
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  await servers.stopAll()
  await Promise.all(closers.splice(0).map((close) => close()))
})

const tokens: Tokens = { accessToken: 'token-0', refreshToken: 'refresh-0' }

// An allowed origin judging tokens by `accepts`, another that takes any, and a client of the first.
async function twoOrigins(accepts: (token: string | undefined) => boolean = () => true, config: AxiosRequestConfig = {}) {
  const allowed = await servers.start(accepts)
  const elsewhere = await servers.start(() => true)
  return { allowed, elsewhere, client: axios.create({ baseURL: allowed.url, ...config }) }
}

describe('two attachments on one axios instance', () => {
  it.each([
    ['the same session attached twice (set-up code run twice)', true],
    ['two sessions on the same header', false],
  ])('%s: a server that refuses every token gets 2 requests, 1 refresh, and the 401 is returned', async (_, same) => {
    const api = await servers.start(() => false)
    const strategyA = countingStrategy()
    const strategyB = countingStrategy()
    const sessionA = createSession({ strategy: strategyA, tokens })
    const client = axios.create({ baseURL: api.url })
    attachAxios(client, sessionA)
    attachAxios(client, same ? sessionA : createSession({ strategy: strategyB, tokens: { accessToken: 'b-0' } }))
    expect(await statusOf(client.get('/x'))).toBe(401)
    expect(api.requests).toHaveLength(2)
    expect(strategyA.calls + strategyB.calls).toBe(1)
    // Nothing is left holding a replay slot: the session still serves another client.
    const authedFetch = wrapFetch(fetch, sessionA, { origins: [api.url] })
    expect((await authedFetch(`${api.url}/y`)).status).toBe(401)
  })

  it('the same session attached twice: a refused call is replayed once with the new token', async () => {
    const api = await servers.start((token) => token === 'token-1')
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens })
    const client = axios.create({ baseURL: api.url })
    attachAxios(client, session)
    attachAxios(client, session)
    expect(await statusOf(client.get('/x'))).toBe(200)
    expect(api.requests.map((r) => r.authorization)).toEqual(['Bearer token-0', 'Bearer token-1'])
    expect(strategy.calls).toBe(1)
  })
})

describe('the body axios sent is the body replayed', () => {
  it('a transformRequest (an envelope) runs once: the replay sends the same bytes and length', async () => {
    const api = await servers.start((token) => token === 'token-1')
    const client = axios.create({ baseURL: api.url })
    const envelope: AxiosRequestTransformer = (data) => JSON.stringify({ envelope: data })
    attachAxios(client, createSession({ strategy: countingStrategy(), tokens }))
    const response = await client.post('/x', { item: 42 }, { transformRequest: [envelope], headers: { 'Content-Type': 'application/json' } })
    expect(response.status).toBe(200)
    const [first, replay] = api.requests
    expect(replay?.body.toString()).toBe('{"envelope":{"item":42}}')
    expect(replay?.body.equals(first?.body ?? Buffer.alloc(0))).toBe(true)
    expect(replay?.headers['content-length']).toBe(first?.headers['content-length'])
  })

  // An interceptor adding a step on every send adds it again to the replay, which goes through the instance's interceptors.
  const stepAdders: Array<[string, (client: AxiosInstance, add: (config: InternalAxiosRequestConfig) => InternalAxiosRequestConfig) => void]> = [
    [
      'added before attachAxios (runs after it)',
      (client, add) => {
        client.interceptors.request.use(add)
        attachAxios(client, createSession({ strategy: countingStrategy(), tokens }))
      },
    ],
    [
      'added after attachAxios (runs before it)',
      (client, add) => {
        attachAxios(client, createSession({ strategy: countingStrategy(), tokens }))
        client.interceptors.request.use(add)
      },
    ],
  ]
  it.each((['http', 'fetch'] as const).flatMap((adapter) => stepAdders.map(([name, attach]) => [adapter, name, attach] as const)))('%s adapter: an interceptor %s that adds a step changing the body: the replay sends the bytes first sent', async (adapter, _, attach) => {
    const api = await servers.start((token) => token === 'token-1')
    const client = axios.create({ baseURL: api.url, adapter })
    const bang: AxiosRequestTransformer = (data) => (typeof data === 'string' ? `${data}!` : data)
    attach(client, (config) => {
      config.transformRequest = [...[config.transformRequest ?? []].flat(), bang]
      return config
    })
    const response = await client.post('/x', { item: 42 })
    expect(response.status).toBe(200)
    expect(api.requests.map((r) => r.body.toString())).toEqual(['{"item":42}!', '{"item":42}!'])
  })

  // A body signed or stamped per send: an object (the refused send's steps make it JSON) or a string, each of another length.
  const ownBodies: Array<[string, (send: number) => unknown]> = [
    ['an object', (send) => ({ send, pad: 'x'.repeat(send) })],
    ['a string', (send) => JSON.stringify({ send, pad: 'x'.repeat(send) })],
  ]
  it.each((['http', 'fetch'] as const).flatMap((adapter) => ownBodies.map(([name, body]) => [adapter, name, body] as const)))('%s adapter: an interceptor that gives the replay a body of its own (%s): that body is sent, whole', async (adapter, _, body) => {
    const api = await servers.start((token) => token === 'token-1')
    const client = axios.create({ baseURL: api.url, adapter })
    attachAxios(client, createSession({ strategy: countingStrategy(), tokens }))
    let sends = 0
    client.interceptors.request.use((config) => {
      config.data = body(++sends)
      return config
    })
    const response = await client.post('/x', {}, { headers: { 'Content-Type': 'application/json' } })
    expect(response.status).toBe(200)
    expect(api.requests.map((r) => [r.body.toString(), r.headers['content-length']])).toEqual([
      ['{"send":1,"pad":"x"}', '20'],
      ['{"send":2,"pad":"xx"}', '21'],
    ])
  })

  it('postForm with a plain object (axios streams it as multipart) is replayed with the same fields', async () => {
    const api = await servers.start((token) => token === 'token-1')
    const client = axios.create({ baseURL: api.url })
    attachAxios(client, createSession({ strategy: countingStrategy(), tokens }))
    const response = await client.postForm('/upload', { name: 'report', size: '3' })
    expect(response.status).toBe(200)
    expect(api.requests).toHaveLength(2)
    for (const request of api.requests) {
      const body = request.body.toString()
      expect(body).toContain('name="name"\r\n\r\nreport')
      expect(body).toContain('name="size"\r\n\r\n3')
      expect(Number(request.headers['content-length'])).toBe(request.body.length)
    }
  })
})

describe('the token stays where it may go', () => {
  it('an interceptor running after tokenflight that moves the request to another origin: sent without the token, not judged', async () => {
    const allowed = await servers.start(() => true)
    const elsewhere = await servers.start(() => false)
    const strategy = countingStrategy()
    const client = axios.create({ baseURL: allowed.url })
    // Registered before attachAxios: axios runs it after tokenflight's.
    client.interceptors.request.use((config: InternalAxiosRequestConfig) => {
      if (config.url?.startsWith('/mirror')) config.baseURL = elsewhere.url
      return config
    })
    attachAxios(client, createSession({ strategy, tokens }))
    expect(await statusOf(client.get('/mirror/x'))).toBe(401)
    expect(elsewhere.requests.map((r) => r.authorization)).toEqual([undefined])
    expect(strategy.calls).toBe(0)
    expect(await statusOf(client.get('/own'))).toBe(200)
    expect(allowed.requests.map((r) => r.authorization)).toEqual(['Bearer token-0'])
  })

  // Copies made from string keys leave tokenflight's symbol-keyed record behind (Ramda's assoc, a for…in loop).
  const copies: Array<[string, (config: InternalAxiosRequestConfig) => InternalAxiosRequestConfig]> = [
    ['{ ...config }', (config) => ({ ...config })],
    [
      'a for…in copy',
      (config) => {
        const copy: Record<string, unknown> = {}
        for (const key in config) copy[key] = config[key as keyof InternalAxiosRequestConfig]
        return copy as unknown as InternalAxiosRequestConfig
      },
    ],
    ['Object.fromEntries(Object.entries(config))', (config) => Object.fromEntries(Object.entries(config)) as unknown as InternalAxiosRequestConfig],
    // The headers rebuilt too: the record is left with neither the config nor its headers.
    [
      'a for…in copy of the config and of its headers (Ramda’s assocPath)',
      (config) => {
        const copy: Record<string, unknown> = {}
        for (const key in config) copy[key] = config[key as keyof InternalAxiosRequestConfig]
        const headers: Record<string, unknown> = {}
        for (const key in config.headers) headers[key] = config.headers[key]
        return { ...copy, headers: { ...headers, 'X-Trace': 'abc' } } as unknown as InternalAxiosRequestConfig
      },
    ],
    [
      'Object.entries with new AxiosHeaders(config.headers)',
      (config) => ({ ...Object.fromEntries(Object.entries(config)), headers: new AxiosHeaders(config.headers) }) as unknown as InternalAxiosRequestConfig,
    ],
  ]
  it.each(copies)('an interceptor running after tokenflight returns %s: moved elsewhere, sent without the token; kept home, refused, refreshed and replayed', async (_, copy) => {
    const allowed = await servers.start((token) => token === 'token-1')
    const elsewhere = await servers.start(() => true)
    const strategy = countingStrategy()
    const client = axios.create({ baseURL: allowed.url })
    client.interceptors.request.use((config: InternalAxiosRequestConfig) => {
      const next = copy(config)
      if (next.url?.startsWith('/mirror')) next.baseURL = elsewhere.url
      return next
    })
    attachAxios(client, createSession({ strategy, tokens }))
    expect(await statusOf(client.get('/mirror/x'))).toBe(200)
    expect(elsewhere.requests.map((r) => r.authorization)).toEqual([undefined])
    expect(await statusOf(client.get('/own'))).toBe(200)
    expect(allowed.requests.map((r) => r.authorization)).toEqual(['Bearer token-0', 'Bearer token-1'])
    expect(strategy.calls).toBe(1)
  })

  // A transformRequest step runs after every interceptor with the config as `this`: one that moves
  // the request is the last word on where it goes, on the first send and on the replay.
  const moveTo = (to: string, when: (url: string) => boolean): AxiosRequestTransformer =>
    function (this: InternalAxiosRequestConfig, data) {
      if (when(String(this.url))) this.url = `${to}/stolen`
      return data
    }
  it.each(['http', 'fetch'] as const)('%s adapter: a transformRequest step that moves the request elsewhere: sent without the token', async (adapter) => {
    const { allowed, elsewhere, client } = await twoOrigins(() => true, { adapter })
    attachAxios(client, createSession({ strategy: countingStrategy(), tokens }))
    // Per request, and on the instance's defaults after attaching.
    await client.get('/a', { transformRequest: [moveTo(elsewhere.url, () => true)] })
    ;(client.defaults.transformRequest as AxiosRequestTransformer[]).push(moveTo(elsewhere.url, (url) => url === '/b'))
    await client.get('/b')
    expect(elsewhere.requests.map((r) => [r.path, r.authorization])).toEqual([
      ['/stolen', undefined],
      ['/stolen', undefined],
    ])
    expect(await statusOf(client.get('/c'))).toBe(200)
    expect(allowed.requests.map((r) => r.authorization)).toEqual(['Bearer token-0'])
  })

  // What an interceptor running after tokenflight's does to the config's steps must not take off
  // the guard that keeps the token home.
  const stepChanges: Array<[string, (config: InternalAxiosRequestConfig, step: AxiosRequestTransformer) => unknown]> = [
    ['assigns a list of its own', (config, step) => Reflect.set(config, 'transformRequest', [step])],
    ['assigns one step', (config, step) => Reflect.set(config, 'transformRequest', step)],
    ["assigns axios's default list plus its step", (config, step) => Reflect.set(config, 'transformRequest', [...(axios.defaults.transformRequest as AxiosRequestTransformer[]), step])],
    ['pushes a step onto the list', (config, step) => void (config.transformRequest as AxiosRequestTransformer[]).push(step)],
  ]
  // How an interceptor comes to run after tokenflight's: added before it (axios runs the last added
  // first), or added after it where axios (1.13.5 on) is told to run them in the order added.
  type Attach = (client: AxiosInstance, interceptor: (config: InternalAxiosRequestConfig) => InternalAxiosRequestConfig) => AxiosRequestConfig
  const orders: Array<[string, Attach]> = [
    [
      'added before attachAxios',
      (client, interceptor) => {
        client.interceptors.request.use(interceptor)
        attachAxios(client, createSession({ strategy: countingStrategy(), tokens }))
        return {}
      },
    ],
    [
      'added after it, the instance running interceptors in the order added',
      (client, interceptor) => {
        client.defaults.transitional = { ...client.defaults.transitional, legacyInterceptorReqResOrdering: false }
        attachAxios(client, createSession({ strategy: countingStrategy(), tokens }))
        client.interceptors.request.use(interceptor)
        return {}
      },
    ],
    [
      'added after it, the request asking for the order added',
      (client, interceptor) => {
        attachAxios(client, createSession({ strategy: countingStrategy(), tokens }))
        client.interceptors.request.use(interceptor)
        return { transitional: { legacyInterceptorReqResOrdering: false } }
      },
    ],
  ]
  describe.each(['http', 'fetch'] as const)('%s adapter: an interceptor running after tokenflight moves the request elsewhere', (adapter) => {
    describe.each(orders)('%s', (_, attach) => {
      it.each(stepChanges)('and %s: its step runs, the request goes without the token', async (_, change) => {
        const { allowed, elsewhere, client } = await twoOrigins(() => true, { adapter })
        let ran = 0
        const config = attach(client, (config) => {
          config.baseURL = elsewhere.url
          change(config, (data) => {
            ran++
            return data
          })
          return config
        })
        expect(await statusOf(client.get('/me', config))).toBe(200)
        expect(ran).toBe(1)
        expect(elsewhere.requests.map((r) => r.authorization)).toEqual([undefined])
        expect(allowed.requests).toEqual([])
      })

      it('and deletes the steps: the delete throws (strict code), nothing is sent', async () => {
        const { allowed, elsewhere, client } = await twoOrigins(() => true, { adapter })
        const config = attach(client, (config) => {
          config.baseURL = elsewhere.url
          delete config.transformRequest
          return config
        })
        await expect(client.get('/me', config)).rejects.toThrow(TypeError)
        expect([...elsewhere.requests, ...allowed.requests]).toEqual([])
      })
    })

    // The adapter sends the config's headers as they are after the last step, not the list the steps were handed.
    const entries = (config: InternalAxiosRequestConfig) => Object.entries(config.headers.toJSON()).map(([name, value]) => [name, String(value)] as [string, string])
    const newHeaders: Array<[string, (config: InternalAxiosRequestConfig) => unknown]> = [
      ['new AxiosHeaders', (config) => new AxiosHeaders(config.headers)],
      ['a plain object', (config) => ({ ...config.headers.toJSON() })],
      ['a frozen plain object', (config) => Object.freeze({ ...config.headers.toJSON() })],
      ['a fetch Headers', (config) => new Headers(entries(config))],
      ['a Map', (config) => new Map(entries(config))],
      ['raw header lines', (config) => entries(config).map(([name, value]) => `${name}: ${value}`).join('\n')],
    ]
    it.each(newHeaders)('a step that moves the request and puts %s on the config as its headers: sent without the token', async (_, copy) => {
      const { allowed, elsewhere, client } = await twoOrigins(() => true, { adapter })
      attachAxios(client, createSession({ strategy: countingStrategy(), tokens }))
      const step: AxiosRequestTransformer = function (this: InternalAxiosRequestConfig, data) {
        this.url = `${elsewhere.url}/stolen`
        this.headers = copy(this) as InternalAxiosRequestConfig['headers']
        return data
      }
      expect(await statusOf(client.get('/me', { transformRequest: [step] }))).toBe(200)
      expect(elsewhere.requests.map((r) => [r.path, r.authorization])).toEqual([['/stolen', undefined]])
      expect(allowed.requests).toEqual([])
    })
  })

  // Two sessions on one instance: the first's token in Authorization, the second's in X-Api-Token.
  function attachTwo(client: AxiosInstance, attachSecond: typeof attachAxios = attachAxios) {
    attachAxios(client, createSession({ strategy: countingStrategy(), tokens }))
    const apiKey = custom(async (current) => current, { authorization: { header: 'X-Api-Token', scheme: '' } })
    attachSecond(client, createSession({ strategy: apiKey, tokens: { accessToken: 'api-key-0' } }))
  }
  const bothTokensAt = (server: { requests: Array<{ authorization?: string | undefined; headers: Record<string, unknown> }> }) =>
    server.requests.map((r) => [r.authorization, r.headers['x-api-token']])
  // Holds the request to /second until an interceptor running for the first has ejected itself.
  const holdSecond = async (config: InternalAxiosRequestConfig) => {
    if (config.url === '/second') await new Promise((resolve) => setTimeout(resolve, 30))
    return config
  }
  // An interceptor that moves the request elsewhere and assigns steps of its own, once: it ejects itself.
  function movedOnce(client: AxiosInstance, elsewhere: string) {
    const id = client.interceptors.request.use((config) => {
      client.interceptors.request.eject(id)
      config.baseURL = elsewhere
      config.transformRequest = [(data) => data]
      return config
    })
  }

  it('two attachments on one instance (the second token in a header of its own), an interceptor running after both that moves the request and assigns steps: neither token goes', async () => {
    const { elsewhere, client } = await twoOrigins()
    client.interceptors.request.use((config) => {
      config.baseURL = elsewhere.url
      config.transformRequest = [(data) => data]
      return config
    })
    attachTwo(client)
    expect(await statusOf(client.get('/me'))).toBe(200)
    expect(bothTokensAt(elsewhere)).toEqual([[undefined, undefined]])
  })

  it('an interceptor running after tokenflight that ejects itself on its first run, a second request already on its way: neither goes elsewhere with the token', async () => {
    const { elsewhere, client } = await twoOrigins()
    movedOnce(client, elsewhere.url)
    attachAxios(client, createSession({ strategy: countingStrategy(), tokens }))
    client.interceptors.request.use(holdSecond) // runs first
    await Promise.all([statusOf(client.get('/first')), statusOf(client.get('/second'))])
    expect(elsewhere.requests.map((r) => [r.path, r.authorization])).toEqual([
      ['/first', undefined],
      ['/second', undefined],
    ])
  })

  it('two attachments on one instance, one token refused, an interceptor sending every retry to a fallback origin: the replay takes neither token there', async () => {
    const { elsewhere: fallback, client } = await twoOrigins((token) => token !== 'token-0')
    let sends = 0
    client.interceptors.request.use((config) => {
      if (sends++ > 0) config.baseURL = fallback.url
      return config
    })
    attachTwo(client)
    expect(await statusOf(client.get('/me'))).toBe(200)
    expect(bothTokensAt(fallback)).toEqual([[undefined, undefined]])
  })

  it('axios running interceptors in the order added, one added after tokenflight that ejects itself on its first run (axios drops its slot), a second request already on its way: neither goes elsewhere with the token', async () => {
    const { elsewhere, client } = await twoOrigins(() => true, { transitional: { legacyInterceptorReqResOrdering: false } })
    client.interceptors.request.use(holdSecond) // runs first
    attachAxios(client, createSession({ strategy: countingStrategy(), tokens }))
    movedOnce(client, elsewhere.url)
    await Promise.all([statusOf(client.get('/first')), statusOf(client.get('/second'))])
    expect(elsewhere.requests.map((r) => [r.path, r.authorization])).toEqual([
      ['/first', undefined],
      ['/second', undefined],
    ])
  })

  it('two copies of tokenflight (its ESM and CJS builds) attached to one instance, an interceptor running after both that moves the request and assigns steps: neither token goes', async () => {
    const { elsewhere, client } = await twoOrigins()
    client.interceptors.request.use((config) => {
      config.baseURL = elsewhere.url
      config.transformRequest = [(data) => data]
      return config
    })
    vi.resetModules()
    const copy = await import('../../src/interceptors/axios.js')
    expect(copy.attachAxios).not.toBe(attachAxios)
    attachTwo(client, copy.attachAxios)
    expect(await statusOf(client.get('/me'))).toBe(200)
    expect(bothTokensAt(elsewhere)).toEqual([[undefined, undefined]])
  })

  it('a step an interceptor adds to the replay that moves it elsewhere: the new token stays home', async () => {
    const { elsewhere, client } = await twoOrigins((token) => token === 'token-1')
    attachAxios(client, createSession({ strategy: countingStrategy(), tokens }))
    let sends = 0
    // Registered after attachAxios: axios runs it before tokenflight's, on the first send and the replay.
    client.interceptors.request.use((config) => {
      const move = sends++ === 1
      config.transformRequest = [...[config.transformRequest ?? []].flat(), moveTo(elsewhere.url, () => move)]
      return config
    })
    await client.get('/me').catch(() => {})
    expect(elsewhere.requests.map((r) => [r.path, r.authorization])).toEqual([['/stolen', undefined]])
  })

  it('a redirect axios follows: every header the strategy wrote, Authorization too, is taken off on the way to another origin', async () => {
    const seen: Array<Record<string, unknown>> = []
    const client = axios.create({
      baseURL: 'https://api.example.com',
      // Plays the Node adapter's redirect: follow-redirects calls beforeRedirect with the next hop.
      adapter: async (config) => {
        const hop = { href: 'https://evil.api.example.com/steal', headers: { ...config.headers.toJSON() } as Record<string, unknown> }
        ;(config.beforeRedirect as ((options: typeof hop) => void) | undefined)?.(hop)
        seen.push(hop.headers)
        return { data: '', status: 200, statusText: 'OK', headers: {}, config, request: {} }
      },
    })
    const steps = client.defaults.transformRequest
    const detach = attachAxios(client, createSession({ strategy: countingStrategy(), tokens }))
    await client.get('/me', { headers: { 'X-Caller': 'kept' } })
    expect(Object.keys(seen[0] ?? {}).map((name) => name.toLowerCase())).not.toContain('authorization')
    expect(seen[0]?.['X-Caller']).toBe('kept')
    // A request with a beforeRedirect of its own: it runs, and the token is still taken off.
    const own: string[] = []
    await client.get('/me', { beforeRedirect: (options) => void own.push(String(options.href)) })
    expect(own).toEqual(['https://evil.api.example.com/steal'])
    expect(Object.keys(seen[1] ?? {}).map((name) => name.toLowerCase())).not.toContain('authorization')
    // Detached, the instance's own hook (none) and transform steps are back.
    detach()
    expect(client.defaults.beforeRedirect).toBeUndefined()
    expect(client.defaults.transformRequest).toBe(steps)
  })

  it.each(['axios', 'axios (fetch adapter)', 'fetch'])('%s: a 401 from another allowed origin a redirect led to (it never got the token) starts no refresh', async (client) => {
    const landing = await servers.start(() => false)
    const api = await servers.start(() => true)
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens })
    const origins = [api.url, landing.url]
    const path = `/redirect?to=${encodeURIComponent(`${landing.url}/file`)}`
    for (let i = 0; i < 3; i++) {
      if (client !== 'fetch') {
        const instance = axios.create({ baseURL: api.url, ...(client === 'axios' ? {} : { adapter: 'fetch' as const }) })
        attachAxios(instance, session, { origins })
        expect(await statusOf(instance.get(path))).toBe(401)
      } else {
        expect((await wrapFetch(fetch, session, { origins })(`${api.url}${path}`)).status).toBe(401)
      }
    }
    expect(strategy.calls).toBe(0)
    expect(landing.requests.map((r) => r.authorization)).toEqual([undefined, undefined, undefined])
  })

  it('axios (fetch adapter): a 401 from a disallowed origin a redirect led to starts no refresh, and no new token follows it there', async () => {
    const landing = await servers.start(() => false)
    const api = await servers.start(() => true)
    let calls = 0
    const strategy = custom(async () => ({ accessToken: `token-${++calls}` }), { authorization: { header: 'X-Auth-Token', scheme: '' } })
    const instance = axios.create({ baseURL: api.url, adapter: 'fetch' })
    const detach = attachAxios(instance, createSession({ strategy, tokens }))
    expect(await statusOf(instance.get(`/redirect?to=${encodeURIComponent(`${landing.url}/file`)}`))).toBe(401)
    expect(calls).toBe(0)
    // fetch keeps a custom header on a redirect (documented): the token it went with, never a new one.
    expect(landing.requests.map((r) => r.headers['x-auth-token'])).toEqual(['token-0'])
    // The own request's env was taken over, and is back once detached.
    detach()
    expect(instance.defaults.env?.fetch).toBeUndefined()
  })

  it('axios (fetch adapter): instances attached one by one share one noting fetch per fetch they call (axios keeps an adapter per fetch function)', () => {
    const session = createSession({ strategy: countingStrategy(), tokens })
    const own = (() => Promise.reject(new Error('unused'))) as typeof fetch
    const fetches = (env?: { fetch?: typeof fetch }) =>
      Array.from({ length: 3 }, () => {
        const instance = axios.create({ baseURL: 'https://api.example.com', adapter: 'fetch', ...(env && { env }) })
        attachAxios(instance, session)
        attachAxios(instance, session) // twice on one instance: not wrapped again
        return instance.defaults.env?.fetch
      })
    const [global, ownWrapped] = [fetches(), fetches({ fetch: own })]
    expect(new Set(global).size).toBe(1)
    expect(new Set(ownWrapped).size).toBe(1)
    expect(global[0]).not.toBe(ownWrapped[0])
    expect(ownWrapped[0]).not.toBe(own)
  })
})

describe('a refused axios response read as a stream', () => {
  it('is closed before the wait: the replay gets the only socket and the call settles', async () => {
    const server = createServer((req, res) => {
      if (req.headers.authorization === 'Bearer token-1') res.writeHead(200).end('file-bytes')
      else res.writeHead(401, { 'content-type': 'text/plain' }).end('refused')
    })
    server.keepAliveTimeout = 60_000
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    closers.push(() => new Promise((resolve) => server.close(() => resolve()) && server.closeAllConnections()))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    closers.push(async () => agent.destroy())
    const client = axios.create({ baseURL: url, httpAgent: agent })
    attachAxios(client, createSession({ strategy: countingStrategy(), tokens }))
    const call = client.get('/file', { responseType: 'stream' }).then((r) => r.status)
    const hung = new Promise((resolve) => setTimeout(resolve, 3_000, 'hung'))
    expect(await Promise.race([call, hung])).toBe(200)
  })
})

describe('fetch wrappers nested on one session', () => {
  it.each([
    ['wrapFetch(wrapFetch(fetch))', (session: ReturnType<typeof createSession>, origins: string[]) => wrapFetch(wrapFetch(fetch, session, { origins }), session, { origins })],
  ])('%s: a server refusing every token gets 2 requests and 1 refresh', async (_, make) => {
    const api = await servers.start(() => false)
    const strategy = countingStrategy()
    const authedFetch = make(createSession({ strategy, tokens }), [api.url])
    expect((await authedFetch(`${api.url}/x`)).status).toBe(401)
    expect([api.requests.length, strategy.calls]).toEqual([2, 1])
    // A Request with a body takes the other path through both wrappers.
    expect((await authedFetch(new Request(`${api.url}/y`, { method: 'POST', body: 'b' }))).status).toBe(401)
    expect([api.requests.length, strategy.calls]).toEqual([4, 2])
  })
})

describe('a request’s own authFailure', () => {
  const bad: unknown[] = ['401', 401, { a: 1 }, [0], [99_999], [401.5]]

  it.each(bad.map((rule) => [rule]))('%o: a TypeError naming tokenflight.authFailure before anything is sent, through axios and fetch', async (authFailure) => {
    const api = await servers.start(() => true)
    const session = createSession({ strategy: countingStrategy(), tokens })
    const client = axios.create({ baseURL: api.url })
    attachAxios(client, session)
    const authedFetch = wrapFetch(fetch, session, { origins: [api.url] })
    const options = { tokenflight: { authFailure } } as never
    const viaAxios = await client.post('/write', 'x', options).catch((error: Error) => error)
    const viaFetch = await authedFetch(`${api.url}/write`, { method: 'POST', body: 'x', ...(options as object) }).catch((error: Error) => error)
    for (const error of [viaAxios, viaFetch]) {
      expect(error).toBeInstanceOf(TypeError)
      expect((error as Error).message).toMatch(/tokenflight\.authFailure/)
    }
    expect(api.requests).toHaveLength(0)
  })

  it('a valid one still decides: [403] replays a 403, and a 401 is kept as it came', async () => {
    const api = await servers.start(() => false)
    const strategy = countingStrategy()
    const authedFetch = wrapFetch(fetch, createSession({ strategy, tokens }), { origins: [api.url] })
    expect((await authedFetch(`${api.url}/x`, { tokenflight: { authFailure: [403] } })).status).toBe(401)
    expect([api.requests.length, strategy.calls]).toEqual([1, 0])
  })
})

describe('installFetch after an uninstall that a wrapper outlived', () => {
  it('installs again over what is left of ours (the wrapper put it back), and the new one gives the token', async () => {
    const api = await servers.start((token) => token === 'token-0')
    const native = globalThis.fetch
    closers.push(async () => {
      globalThis.fetch = native
    })
    const session = createSession({ strategy: countingStrategy(), tokens })
    const uninstall = installFetch(session, { origins: [api.url] })
    const ours = globalThis.fetch
    globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => ours(input, init)) as typeof fetch // a wrapper on top
    uninstall() // ours stays inside the wrapper, acting as the original
    globalThis.fetch = ours // the wrapper removes itself and puts back what it wrapped
    expect(() => installFetch(session, { origins: [api.url] })).not.toThrow()
    expect((await fetch(`${api.url}/again`)).status).toBe(200)
    expect(api.requests.map((r) => r.authorization)).toEqual(['Bearer token-0'])
    expect(() => installFetch(session, { origins: [api.url] })).toThrow(/already installed/)
  })
})
