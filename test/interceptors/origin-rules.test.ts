/**
 * Which URL gets the token, judged as the platform will request it: browsers resolve a relative
 * URL against `document.baseURI` (a `<base href>`), not `location.href`, and axios with
 * `allowAbsoluteUrls: false` appends even an absolute URL to its baseURL. Allowlist entries are
 * whole origins: a RegExp with `g`/`y` must not alternate, an unanchored one must not match a
 * look-alike host, an origin with a path must not be silently widened.
 */
import axios, { type InternalAxiosRequestConfig } from 'axios'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession } from '../../src/index.js'
import { attachAxios } from '../../src/interceptors/axios.js'
import { installFetch, wrapFetch } from '../../src/interceptors/fetch.js'
import { installXHR } from '../../src/interceptors/xhr.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'
import { deferred } from '../_helpers/deferred.js'
import { FakeXMLHttpRequest, sentByFakes, withProgressEvent } from '../_helpers/fake-xhr.js'

type Scope = { location?: unknown; document?: unknown; fetch: typeof fetch; XMLHttpRequest?: unknown }
const scope = globalThis as unknown as Scope
const restore: Array<() => void> = []
afterEach(() => {
  while (restore.length) restore.pop()?.()
  sentByFakes.length = 0
})

// A page at https://app.example.com/shop/ whose <base href> points at another origin.
function fakePage(baseURI: string): void {
  scope.location = { href: 'https://app.example.com/shop/', origin: 'https://app.example.com' }
  scope.document = { baseURI }
  restore.push(() => {
    delete scope.location
    delete scope.document
  })
}

// A fetch that records where each request went and with which Authorization.
function recordingFetch(): { seen: Array<[string, string | null]>; fetch: typeof fetch } {
  const seen: Array<[string, string | null]> = []
  const fake = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(new URL(String(input), 'https://other.example/'), init)
    seen.push([new URL(request.url).origin, new Headers(init?.headers ?? request.headers).get('authorization')])
    return new Response('{}', { status: 200 })
  }
  return { seen, fetch: fake as typeof fetch }
}

const session = () => createSession({ strategy: countingStrategy(), tokens: { accessToken: 'page-token' } })

describe('<base href>: the URL the platform will request', () => {
  it('installFetch: a relative URL under <base href="https://other.example/"> gets no token', async () => {
    fakePage('https://other.example/')
    const { seen, fetch: fake } = recordingFetch()
    const original = scope.fetch
    scope.fetch = fake
    restore.push(() => {
      scope.fetch = original
    })
    const uninstall = installFetch(session())
    restore.push(uninstall)
    await scope.fetch('api/relative')
    await scope.fetch('https://app.example.com/api/own')
    expect(seen).toEqual([
      ['https://other.example', null],
      ['https://app.example.com', 'Bearer page-token'],
    ])
  })

  it('installXHR: a relative URL goes to the base origin without a token; an absolute own-origin URL gets it', async () => {
    fakePage('http://127.0.0.1:9/') // a closed loopback port: only the request's headers matter
    restore.push(withProgressEvent())
    scope.XMLHttpRequest = FakeXMLHttpRequest
    restore.push(() => delete scope.XMLHttpRequest)
    restore.push(installXHR(session(), { origins: ['https://app.example.com', 'http://127.0.0.1:1'] }))
    const send = (url: string) =>
      new Promise<void>((resolve) => {
        const xhr = new (scope.XMLHttpRequest as typeof XMLHttpRequest)()
        xhr.onloadend = () => resolve()
        xhr.open('GET', url)
        xhr.send()
      })
    await send('api/relative')
    expect(sentByFakes.map((sent) => [sent.url, sent.headers.authorization])).toEqual([['http://127.0.0.1:9/api/relative', undefined]])
  })

  it('attachAxios without a baseURL: a relative URL is judged against document.baseURI', async () => {
    fakePage('https://other.example/')
    const api = axios.create({ adapter: async (config) => ({ data: {}, status: 200, statusText: 'OK', headers: {}, config }) })
    attachAxios(api, session())
    const { config } = await api.get('api/relative')
    expect(config.headers.Authorization).toBeUndefined()
  })
})

describe('axios allowAbsoluteUrls: false', () => {
  const adapter = async (config: InternalAxiosRequestConfig) => ({ data: {}, status: 200, statusText: 'OK', headers: {}, config })
  it('an absolute URL appended to the allowed baseURL here gets no token: axios before 1.8 (and some 1.8 adapters) send it where it points', async () => {
    const api = axios.create({ baseURL: 'https://api.example.com', allowAbsoluteUrls: false, adapter })
    attachAxios(api, session())
    const { config } = await api.get('https://evil.example/x')
    expect(axios.getUri(config)).toBe('https://api.example.com/https://evil.example/x')
    expect(config.headers.Authorization).toBeUndefined()
    const same = await api.get('https://api.example.com/x')
    expect(same.config.headers.Authorization).toBe('Bearer page-token')
  })

  it('with a baseURL that is not allowed, an absolute allowed URL still gets no token', async () => {
    const api = axios.create({ baseURL: 'https://evil.example', allowAbsoluteUrls: false, adapter })
    attachAxios(api, session(), { origins: ['https://api.example.com'] })
    const { config } = await api.get('https://api.example.com/x')
    expect(config.headers.Authorization).toBeUndefined()
  })
})

describe('axios and a protocol-relative URL (`//host/x`)', () => {
  const adapter = async (config: InternalAxiosRequestConfig) => ({ data: {}, status: 200, statusText: 'OK', headers: {}, config })
  it('is judged against the page it resolves against, not the baseURL: on an http page, no token for the https-only origin', async () => {
    fakePage('http://app.example.com/shop/') // the platform sends //api.example.com/x as http://api.example.com/x
    const api = axios.create({ baseURL: 'https://api.example.com', adapter })
    attachAxios(api, session())
    const { config } = await api.get('//api.example.com/x')
    expect(config.headers.Authorization).toBeUndefined()
  })

  it('on an https page it resolves to the allowed origin and gets the token; without a page (Node) it gets none', async () => {
    fakePage('https://app.example.com/shop/')
    const api = axios.create({ baseURL: 'https://api.example.com', adapter })
    attachAxios(api, session())
    expect((await api.get('//api.example.com/x')).config.headers.Authorization).toBe('Bearer page-token')
    restore.pop()?.()
    expect((await api.get('//api.example.com/x')).config.headers.Authorization).toBeUndefined()
  })
})

describe('allowlist entries are whole origins', () => {
  it.each([/^https:\/\/api\.example\.com$/g, /^https:\/\/api\.example\.com$/y, /^https:\/\/api\.example\.com$/gy])('%s: identical requests all get the token (no lastIndex alternation)', async (pattern) => {
    const { seen, fetch: fake } = recordingFetch()
    const authed = wrapFetch(fake, session(), { origins: [pattern] })
    for (let i = 0; i < 4; i++) await authed('https://api.example.com/x')
    expect(seen.map(([, auth]) => auth)).toEqual(Array(4).fill('Bearer page-token'))
  })

  it.each([/api\.example\.com/, /^https:\/\/api\.example\.com/, /api\.example\.com$/, /^https:\/\/api\.example\.com\$/])('%s: an unanchored pattern is refused at attach time', (pattern) => {
    expect(() => wrapFetch(fetch, session(), { origins: [pattern] })).toThrow(/origins\[0\].*anchored with \^ and \$/)
  })

  it('an anchored alternation matches only whole origins', async () => {
    const { seen, fetch: fake } = recordingFetch()
    const authed = wrapFetch(fake, session(), { origins: [/^https:\/\/a\.example\.com|https:\/\/b\.example\.com$/] })
    await authed('https://a.example.com.evil.example/x')
    await authed('https://b.example.com/x')
    expect(seen.map(([, auth]) => auth)).toEqual([null, 'Bearer page-token'])
  })

  it.each(['https://api.example.com/v1', 'https://api.example.com/?q=1', 'https://user:pw@api.example.com', 'https://api.example.com/#x'])('%s: an origin with a path, query, fragment or credentials is refused at attach time', (origin) => {
    expect(() => wrapFetch(fetch, session(), { origins: [origin] })).toThrow(/origins\[0\].*without path, query or credentials/)
  })

  it('an origin with a trailing slash is an origin', async () => {
    const { seen, fetch: fake } = recordingFetch()
    await wrapFetch(fake, session(), { origins: ['https://api.example.com/'] })('https://api.example.com/x')
    expect(seen).toEqual([['https://api.example.com', 'Bearer page-token']])
  })

  it.each([[[401, 'x']], ['401'], [{}], [[99]]])('authFailure %j is refused at attach time', (authFailure) => {
    expect(() => wrapFetch(fetch, session(), { origins: ['https://api.example.com'], authFailure: authFailure as never })).toThrow(/Expected `authFailure` to be an array of HTTP statuses or a function/)
  })
})

describe('the URL judged is the URL sent', () => {
  const adapter = async (config: InternalAxiosRequestConfig) => ({ data: {}, status: 200, statusText: 'OK', headers: {}, config })

  // An expired token: the request waits on a refresh held until the URL object has been changed.
  function heldSession() {
    const gate = deferred()
    const strategy = countingStrategy(async (call, current) => {
      await gate.promise
      return { ...current, accessToken: `token-${call}` }
    })
    return { gate, session: createSession({ strategy, tokens: { accessToken: 'old', expiresAt: Date.now() - 1 } }) }
  }

  it('fetch: a URL object the caller changes while the request waits for its token goes where it was judged', async () => {
    const { seen, fetch: fake } = recordingFetch()
    const { gate, session: waiting } = heldSession()
    const url = new URL('https://api.example.com/x')
    const sent = wrapFetch(fake, waiting, { origins: ['https://api.example.com'] })(url)
    await new Promise((resolve) => setImmediate(resolve))
    url.host = 'evil.example'
    gate.resolve()
    await sent
    expect(seen).toEqual([['https://api.example.com', 'Bearer token-1']])
  })

  it('axios: a URL object as url gets the token, and changing it while the request waits does not redirect it', async () => {
    const { gate, session: waiting } = heldSession()
    const api = axios.create({ adapter })
    attachAxios(api, waiting, { origins: ['https://api.example.com'] })
    const url = new URL('https://api.example.com/x')
    const sent = api.get(url as unknown as string)
    await new Promise((resolve) => setImmediate(resolve))
    url.host = 'evil.example'
    gate.resolve()
    const { config } = await sent
    expect([axios.getUri(config), config.headers.Authorization]).toEqual(['https://api.example.com/x', 'Bearer token-1'])
  })

  it('fetch: a blob: URL of the allowed origin (refused: not https) does not make that origin refused', async () => {
    const { seen, fetch: fake } = recordingFetch()
    const authed = wrapFetch(fake, session(), { origins: ['https://api.example.com'] })
    await authed('blob:https://api.example.com/6f1c2a9e-0000-4000-8000-000000000000').catch(() => {})
    await authed('https://api.example.com/after')
    expect(seen.at(-1)).toEqual(['https://api.example.com', 'Bearer page-token'])
  })

  it('axios: a blob: URL of the allowed origin does not make that origin refused', async () => {
    const api = axios.create({ adapter })
    attachAxios(api, session(), { origins: ['https://api.example.com'] })
    expect((await api.get('blob:https://api.example.com/6f1c2a9e-0000-4000-8000-000000000000')).config.headers.Authorization).toBeUndefined()
    expect((await api.get('https://api.example.com/after')).config.headers.Authorization).toBe('Bearer page-token')
  })
})
