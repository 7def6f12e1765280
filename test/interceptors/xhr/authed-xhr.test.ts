/**
 * installXHR in Node over a fake native XMLHttpRequest: what the caller's handlers see through
 * each auth phase (idle, waiting, live, held), without a browser.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { createSession, type Session, type Tokens } from '../../../src/index.js'
import { installXHR } from '../../../src/interceptors/xhr.js'
import { custom } from '../../../src/strategies/index.js'
import { countingStrategy } from '../../_helpers/counting-strategy.js'
import { deferred } from '../../_helpers/deferred.js'
import { FakeXMLHttpRequest, fakeXhrPerTest, sentByFakes } from '../../_helpers/fake-xhr.js'
import { type Refusal, startMatrixApi } from '../../_helpers/matrix-api.js'

const scope = globalThis as { XMLHttpRequest?: unknown }
const cleanups = fakeXhrPerTest()

interface Traced {
  xhr: XMLHttpRequest
  done: Promise<{ status: number; events: string[]; text: string }>
}

// An XHR whose handlers of every kind record what they see, as `type:readyState:status`.
function traced(method: string, url: string, setup?: (xhr: XMLHttpRequest) => void, body?: string): Traced {
  const xhr = new (scope.XMLHttpRequest as typeof XMLHttpRequest)()
  const events: string[] = []
  const note = (name: string) => events.push(`${name}:${xhr.readyState}:${xhr.status}`)
  const done = new Promise<{ status: number; events: string[]; text: string }>((resolve) => {
    xhr.onreadystatechange = () => note('readystatechange')
    xhr.onloadstart = () => note('loadstart')
    xhr.onload = () => note('load')
    xhr.onerror = () => note('error')
    xhr.onabort = () => note('abort')
    xhr.ontimeout = () => note('timeout')
    xhr.onloadend = () => {
      note('loadend')
      resolve({ status: xhr.status, events, text: xhr.responseText })
    }
  })
  xhr.open(method, url)
  setup?.(xhr)
  xhr.send(body ?? null)
  return { xhr, done }
}

// A session whose refresh waits until the test answers it (`refresh.resolve`).
function heldRefresh(tokens: Tokens = { accessToken: 'token-0' }): { refresh: ReturnType<typeof deferred<Tokens>>; session: Session } {
  const refresh = deferred<Tokens>()
  return { refresh, session: createSession({ strategy: custom(() => refresh.promise), tokens }) }
}

const FINAL_200 = ['readystatechange:1:0', 'loadstart:1:0', 'readystatechange:2:200', 'readystatechange:3:200', 'readystatechange:4:200', 'load:4:200', 'loadend:4:200']

async function setUp(refuses: Parameters<typeof startMatrixApi>[0], session?: Session, refusal?: (path: string) => Refusal, options = {}) {
  const api = await startMatrixApi(refuses, refusal)
  cleanups.push(api.stop)
  const strategy = countingStrategy()
  cleanups.push(installXHR(session ?? createSession({ strategy, tokens: { accessToken: 'token-0' } }), { origins: [api.url], ...options }))
  return { api, strategy }
}

describe('installXHR over a native XHR', () => {
  it('a refused then replayed request shows its handlers what a fresh one shows them', async () => {
    const { api, strategy } = await setUp((token) => token !== 'token-1')
    const refused = await traced('GET', `${api.url}/a`).done
    const fresh = await traced('GET', `${api.url}/b`).done
    expect(fresh.events.filter((e) => !e.startsWith('progress'))).toEqual(FINAL_200)
    expect(refused.events.filter((e) => !e.startsWith('progress'))).toEqual(FINAL_200)
    expect(JSON.parse(refused.text)).toEqual({ ok: true, path: '/a' })
    expect(strategy.calls).toBe(1)
  })

  it('replays with the caller’s headers and body, and the token checked as it leaves', async () => {
    const { api } = await setUp((token) => token !== 'token-1')
    const result = await traced('POST', `${api.url}/orders`, (xhr) => xhr.setRequestHeader('X-Order', '42'), '{"item":"tea"}').done
    expect(result.status).toBe(200)
    expect(sentByFakes.map((s) => [s.headers.authorization, s.headers['x-order']])).toEqual([
      ['Bearer token-0', '42'],
      ['Bearer token-1', '42'],
    ])
    expect(api.seen.map((s) => s.body)).toEqual(['{"item":"tea"}', '{"item":"tea"}'])
  })

  it('abort() while waiting for the refresh: abort handlers once, readyState 0, nothing sent again', async () => {
    const { refresh, session } = heldRefresh()
    const { api } = await setUp((token) => token === 'token-0', session)
    const call = traced('GET', `${api.url}/slow`)
    await expect.poll(() => api.seen.length).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect([call.xhr.readyState, call.xhr.status]).toEqual([1, 0])
    call.xhr.abort()
    const seen = await call.done
    expect(seen.events).toEqual(['readystatechange:1:0', 'loadstart:1:0', 'readystatechange:4:0', 'abort:4:0', 'loadend:4:0'])
    expect(call.xhr.readyState).toBe(0)
    refresh.resolve({ accessToken: 'token-1' })
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(api.seen).toHaveLength(1)
  })

  it('the caller’s timeout covers the wait for the refresh', async () => {
    const session = createSession({ strategy: custom(() => new Promise<Tokens>(() => {})), tokens: { accessToken: 'token-0' } })
    const { api } = await setUp(() => true, session)
    const seen = await traced('GET', `${api.url}/slow`, (xhr) => {
      xhr.timeout = 100
    }).done
    expect(seen.events).toEqual(['readystatechange:1:0', 'loadstart:1:0', 'readystatechange:4:0', 'timeout:4:0', 'loadend:4:0'])
  })

  it('xhr.tokenflight = { skip: true }: no token, the caller’s headers still go, no refresh', async () => {
    const { api, strategy } = await setUp(() => true)
    const seen = await traced('GET', `${api.url}/login`, (xhr) => {
      xhr.setRequestHeader('X-Caller', 'yes')
      xhr.tokenflight = { skip: true }
    }).done
    expect(seen.status).toBe(401)
    expect(sentByFakes.map((s) => s.headers)).toEqual([{ 'x-caller': 'yes' }])
    expect(strategy.calls).toBe(0)
  })

  it('an expired session: a network error, the SessionExpiredError on xhr.tokenflightError, nothing sent', async () => {
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' } })
    await session.clear()
    await session.destroy()
    const { api } = await setUp(() => false, session)
    const call = traced('GET', `${api.url}/me`)
    const seen = await call.done
    expect(seen.events).toEqual(['readystatechange:1:0', 'loadstart:1:0', 'readystatechange:4:0', 'error:4:0', 'loadend:4:0'])
    expect(call.xhr.tokenflightError?.name).toBe('SessionExpiredError')
    expect(api.seen).toHaveLength(0)
  })

  it('a body-reading rule that says no: the held events reach the handlers once, in order, with the body', async () => {
    const authFailure = async (res: { body(): Promise<unknown> }) => JSON.stringify(await res.body()).includes('UNAUTHENTICATED')
    const { api, strategy } = await setUp(() => false, undefined, undefined, { authFailure })
    const seen = await traced('GET', `${api.url}/graphql`).done
    expect(seen.events.filter((e) => !e.startsWith('progress'))).toEqual(FINAL_200)
    expect(JSON.parse(seen.text)).toEqual({ ok: true, path: '/graphql' })
    expect(strategy.calls).toBe(0)
  })

  it('a refused body that never ends is not waited for: the replay goes out, and its replay slot is given back', async () => {
    // 401 headers and a first chunk for token-0, then nothing more, ever.
    const server = createServer((req, res) => {
      if (req.headers.authorization === 'Bearer token-0') return void res.writeHead(401, { 'content-type': 'text/plain' }).write('still coming')
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())).finally(() => server.closeAllConnections()))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const strategy = countingStrategy()
    cleanups.push(installXHR(createSession({ strategy, tokens: { accessToken: 'token-0' }, replayConcurrency: 1 }), { origins: [url] }))
    const first = await traced('GET', `${url}/drip`).done
    expect([first.status, first.text]).toEqual([200, '{"ok":true}'])
    // With one replay slot, a slot kept by the dripping send would hold this one back for good.
    expect((await traced('GET', `${url}/after`).done).status).toBe(200)
    expect(strategy.calls).toBe(1)
  })

  it('a URL object changed while the request waits on the refresh: the replay goes where open() was judged', async () => {
    const { refresh, session } = heldRefresh()
    const { api } = await setUp((token) => token === 'token-0', session)
    const elsewhere = await startMatrixApi(() => false)
    cleanups.push(elsewhere.stop)
    const target = new URL(`${api.url}/orders`)
    const xhr = new (scope.XMLHttpRequest as typeof XMLHttpRequest)()
    const ended = new Promise((resolve) => {
      xhr.onloadend = resolve
    })
    xhr.open('GET', target)
    xhr.send()
    await expect.poll(() => api.seen.length).toBe(1)
    target.href = `${elsewhere.url}/orders`
    refresh.resolve({ accessToken: 'token-1' })
    await ended
    expect(xhr.status).toBe(200)
    expect(sentByFakes.map((s) => `${s.url} ${s.headers.authorization}`)).toEqual([`${api.url}/orders Bearer token-0`, `${api.url}/orders Bearer token-1`])
    expect(elsewhere.seen).toEqual([])
  })

  it('uninstalled while something else wraps it: what is left of ours makes plain native requests', async () => {
    const api = await startMatrixApi(() => true)
    cleanups.push(api.stop)
    const strategy = countingStrategy()
    const uninstall = installXHR(createSession({ strategy, tokens: { accessToken: 'token-0' } }), { origins: [api.url] })
    const Ours = scope.XMLHttpRequest as typeof XMLHttpRequest
    scope.XMLHttpRequest = class Instrumented extends Ours {} // an instrumentation library wraps it
    uninstall() // the global is not ours any more: it stays
    const seen = await traced('GET', `${api.url}/after-uninstall`).done
    expect(seen.status).toBe(401)
    expect(sentByFakes.map((s) => s.headers.authorization)).toEqual([undefined])
    expect(strategy.calls).toBe(0)
  })

  it('a 401 from another origin a redirect led to (the token never went there) starts no refresh', async () => {
    const foreign = await startMatrixApi(() => true)
    cleanups.push(foreign.stop)
    const server = createServer((_req, res) => void res.writeHead(302, { location: `${foreign.url}/login` }).end())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())).finally(() => server.closeAllConnections()))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const strategy = countingStrategy()
    cleanups.push(installXHR(createSession({ strategy, tokens: { accessToken: 'token-0' } }), { origins: [url] }))
    for (let i = 0; i < 3; i++) expect((await traced('GET', `${url}/moved/${i}`).done).status).toBe(401)
    expect(strategy.calls).toBe(0)
    expect(foreign.seen.map((s) => s.authorization)).toEqual([undefined, undefined, undefined])
  })

  it('the caller’s timeout covers the wait for tokens before the first send too', async () => {
    const strategy = countingStrategy(async () => {
      await new Promise((resolve) => setTimeout(resolve, 300))
      return { accessToken: 'token-1' }
    })
    const session = createSession({ strategy, tokens: { accessToken: 'token-0', expiresAt: Date.now() - 1_000 } })
    const { api } = await setUp(async () => {
      await new Promise((resolve) => setTimeout(resolve, 300))
      return false
    }, session)
    const seen = await traced('GET', `${api.url}/slow`, (xhr) => {
      xhr.timeout = 450 // 300 ms for tokens + 300 ms for the answer: past it, though each part is under it
    }).done
    expect(seen.events.slice(-2)).toEqual(['timeout:4:0', 'loadend:4:0'])
  })

  // A polling loop: the object is opened and sent again from its own loadend, while the next send waits for a refresh.
  function resentFromLoadend(url: string, setup: (xhr: XMLHttpRequest) => void): { xhr: XMLHttpRequest; events: string[]; second: Promise<void> } {
    const xhr = new (scope.XMLHttpRequest as typeof XMLHttpRequest)()
    const events: string[] = []
    let ends = 0
    let ended = (): void => {}
    const second = new Promise<void>((resolve) => {
      ended = resolve
    })
    for (const type of ['readystatechange', 'loadstart', 'load', 'abort', 'timeout', 'error', 'loadend']) xhr.addEventListener(type, () => events.push(`${type}:${xhr.readyState}`))
    xhr.addEventListener('loadend', () => {
      if (ends++ > 0) return ended()
      xhr.tokenflight = undefined
      xhr.open('GET', `${url}/second`)
      setup(xhr)
      xhr.send()
    })
    xhr.open('GET', `${url}/first`)
    xhr.tokenflight = { skip: true } // the first goes without the token: the second waits on the refresh
    xhr.send()
    return { xhr, events, second }
  }

  it.each(['abort', 'timeout'] as const)('re-sent from its own loadend while the token is awaited: %s ends it at once, nothing sent', async (how) => {
    const refresh = deferred<Tokens>()
    const session = createSession({ strategy: custom(() => refresh.promise), tokens: { accessToken: 'token-0', expiresAt: Date.now() - 1_000 } })
    const { api } = await setUp(() => false, session)
    const call = resentFromLoadend(api.url, (xhr) => {
      if (how === 'timeout') xhr.timeout = 50
    })
    await expect.poll(() => call.events.filter((e) => e.startsWith('loadstart')).length).toBe(2)
    if (how === 'abort') call.xhr.abort()
    const ended = await Promise.race([call.second.then(() => 'ended'), new Promise((resolve) => setTimeout(resolve, 500, 'still waiting'))])
    expect(ended).toBe('ended')
    expect(call.events.slice(-3)).toEqual(['readystatechange:4', `${how}:4`, 'loadend:4'])
    refresh.resolve({ accessToken: 'token-1' })
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(api.seen.map((seen) => seen.path)).toEqual(['/first'])
  })

  it('opened and sent again from onabort: the aborted request’s loadend still reaches the handlers, as natively', async () => {
    const { api } = await setUp(async (_token, path) => {
      if (path === '/slow') await new Promise((resolve) => setTimeout(resolve, 300))
      return false
    })
    const xhr = new (scope.XMLHttpRequest as typeof XMLHttpRequest)()
    const events: string[] = []
    for (const type of ['loadstart', 'load', 'abort', 'loadend']) xhr.addEventListener(type, () => events.push(type))
    let aborts = 0
    xhr.onabort = () => {
      if (aborts++ > 0) return
      xhr.open('GET', `${api.url}/again`)
      xhr.send()
    }
    const loaded = new Promise((resolve) => xhr.addEventListener('load', resolve))
    xhr.open('GET', `${api.url}/slow`)
    xhr.send()
    await expect.poll(() => api.seen.length).toBe(1)
    xhr.abort()
    await loaded
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(events).toEqual(['loadstart', 'abort', 'loadstart', 'loadend', 'load', 'loadend'])
  })

  const NETWORK_ERROR = ['readystatechange:1:0', 'loadstart:1:0', 'readystatechange:4:0', 'error:4:0', 'loadend:4:0']

  it('an authorize that throws on the replay: a network error with its error on xhr.tokenflightError, and the next request is served', async () => {
    const authorize = (tokens: Tokens, headers: Headers) => {
      if (tokens.accessToken === 'token-1') throw new Error('authorize refuses token-1')
      headers.set('Authorization', `Bearer ${tokens.accessToken}`)
    }
    let calls = 0
    const session = createSession({ strategy: custom(async () => ({ accessToken: `token-${++calls}` }), { authorize }), tokens: { accessToken: 'token-0' } })
    const { api } = await setUp((token) => token !== 'token-2', session)
    const call = traced('GET', `${api.url}/a`)
    expect((await call.done).events).toEqual(NETWORK_ERROR)
    expect(call.xhr.tokenflightError?.message).toBe('authorize refuses token-1')
    await session.refresh()
    expect((await traced('GET', `${api.url}/b`).done).status).toBe(200)
  })

  it.each(['setRequestHeader', 'send'] as const)('the native %s throwing as the request leaves: a network error with its error, not a request left open', async (method) => {
    const { api } = await setUp(() => false)
    const native = FakeXMLHttpRequest.prototype[method]
    FakeXMLHttpRequest.prototype[method] = () => {
      throw new DOMException('refused by the native request', 'SyntaxError')
    }
    try {
      const call = traced('GET', `${api.url}/a`)
      expect((await call.done).events).toEqual(NETWORK_ERROR)
      expect(call.xhr.tokenflightError?.message).toBe('refused by the native request')
    } finally {
      FakeXMLHttpRequest.prototype[method] = native as never
    }
  })

  it('a page’s Headers shim that cannot be iterated (an old whatwg-fetch): the XHR keeps its own header list, refused then replayed', async () => {
    const platform = globalThis.Headers
    class ShimHeaders {
      readonly #map = new Map<string, string>()
      set(name: string, value: string) {
        this.#map.set(name.toLowerCase(), value)
      }
      get(name: string) {
        return this.#map.get(name.toLowerCase()) ?? null
      }
      forEach(fn: (value: string, name: string) => void) {
        this.#map.forEach(fn)
      }
    }
    const authorize = (tokens: Tokens, headers: Headers) => void headers.set('X-Token', tokens.accessToken)
    let calls = 0
    const session = createSession({ strategy: custom(async () => ({ accessToken: `token-${++calls}` }), { authorize }), tokens: { accessToken: 'token-0' } })
    const { api } = await setUp((_token, _path, headers) => headers['x-token'] !== 'token-1', session)
    globalThis.Headers = ShimHeaders as unknown as typeof Headers
    try {
      const call = traced('GET', `${api.url}/a`, (xhr) => xhr.setRequestHeader('X-Order', '42'))
      expect((await call.done).status).toBe(200)
    } finally {
      globalThis.Headers = platform
    }
    expect(sentByFakes.map((sent) => [sent.headers['x-token'], sent.headers['x-order']])).toEqual([
      ['token-0', '42'],
      ['token-1', '42'],
    ])
  })

  it('objects of the native class still pass instanceof XMLHttpRequest; other origins and sync requests go untouched', async () => {
    const native = new FakeXMLHttpRequest()
    const { api } = await setUp(() => false)
    expect(native instanceof (scope.XMLHttpRequest as typeof XMLHttpRequest)).toBe(true)
    await traced('GET', `${api.url.replace('127.0.0.1', 'localhost')}/elsewhere`).done
    const sync = new (scope.XMLHttpRequest as typeof XMLHttpRequest)()
    const ended = new Promise((resolve) => {
      sync.onloadend = resolve
    })
    sync.open('GET', `${api.url}/sync`, false)
    sync.send()
    await ended
    expect(sentByFakes.map((s) => s.headers.authorization)).toEqual([undefined, undefined])
  })
})

describe('installXHR looks like the native XMLHttpRequest to page code', () => {
  it('an on<type> handler runs where it was first set among the listeners, and stopImmediatePropagation() stops it', async () => {
    const { api } = await setUp(() => false)
    const xhr = new (scope.XMLHttpRequest as typeof XMLHttpRequest)()
    const order: string[] = []
    xhr.addEventListener('load', () => order.push('listener-A'))
    xhr.onload = () => order.push('first onload')
    xhr.addEventListener('load', () => order.push('listener-B'))
    xhr.onload = () => order.push('onload') // a replacement keeps the first one's place
    xhr.addEventListener('loadend', (event) => event.stopImmediatePropagation())
    xhr.onloadend = () => order.push('onloadend')
    const ended = new Promise((resolve) => xhr.addEventListener('loadend', resolve))
    xhr.onprogress = () => order.push('progress')
    xhr.onprogress = null // taken out
    xhr.open('GET', `${api.url}/a`)
    xhr.send()
    await new Promise((resolve) => setTimeout(resolve, 200))
    void ended
    expect(order).toEqual(['listener-A', 'onload', 'listener-B'])
    expect(xhr.onprogress).toBeNull()
  })

  it('is named and tagged XMLHttpRequest, with no own enumerable properties', () => {
    const Authed = scope.XMLHttpRequest as typeof XMLHttpRequest
    cleanups.push(installXHR(createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' } }), { origins: ['http://127.0.0.1:1'] }))
    const Installed = scope.XMLHttpRequest as typeof XMLHttpRequest
    expect(Installed).not.toBe(Authed)
    expect(Installed.name).toBe('XMLHttpRequest')
    const xhr = new Installed()
    expect(Object.prototype.toString.call(xhr)).toBe('[object XMLHttpRequest]')
    xhr.open('GET', 'http://127.0.0.1:1/a')
    xhr.tokenflight = { skip: true }
    expect(Object.keys(xhr)).toEqual([])
  })

  it('while it waits on the refresh: withCredentials refuses a change as after send(), and open() again fires no readystatechange', async () => {
    const { refresh, session } = heldRefresh()
    const { api } = await setUp((token) => token === 'token-0', session)
    const xhr = new (scope.XMLHttpRequest as typeof XMLHttpRequest)()
    const states: number[] = []
    xhr.onreadystatechange = () => states.push(xhr.readyState)
    xhr.open('GET', `${api.url}/slow`)
    xhr.send()
    await expect.poll(() => api.seen.length).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(() => {
      xhr.withCredentials = true
    }).toThrow(expect.objectContaining({ name: 'InvalidStateError' }))
    expect(xhr.withCredentials).toBe(false)
    xhr.open('GET', `${api.url}/other`)
    expect(states).toEqual([1])
    refresh.resolve({ accessToken: 'token-1' })
    await new Promise((resolve) => setTimeout(resolve, 50))
    // The refused request is not replayed; the new one is the caller's to send.
    expect(api.seen).toHaveLength(1)
    expect([xhr.readyState, states]).toEqual([1, [1]])
  })

  it('an on<type> handler keeps any object it is given (read back as given), and takes null for anything else', async () => {
    await setUp(() => false)
    const xhr = new (scope.XMLHttpRequest as typeof XMLHttpRequest)()
    const listener = { handleEvent() {} }
    xhr.onload = listener as never
    expect(xhr.onload).toBe(listener)
    xhr.onload = 'alert(1)' as never
    expect(xhr.onload).toBeNull()
  })

  it.each(['abort', 'timeout'] as const)('open() again after the caller’s %s while waiting on the refresh: readystatechange sees readyState 1', async (how) => {
    const { refresh, session } = heldRefresh()
    const { api } = await setUp((token) => token === 'token-0', session)
    const xhr = new (scope.XMLHttpRequest as typeof XMLHttpRequest)()
    const ended = new Promise((resolve) => xhr.addEventListener('loadend', resolve))
    xhr.open('GET', `${api.url}/slow`)
    if (how === 'timeout') xhr.timeout = 60
    xhr.send()
    await expect.poll(() => api.seen.length).toBe(1)
    if (how === 'abort') xhr.abort()
    await ended
    const seen: number[] = []
    xhr.onreadystatechange = () => seen.push(xhr.readyState)
    xhr.open('GET', `${api.url}/again`)
    expect(seen).toEqual([1])
    refresh.resolve({ accessToken: 'token-1' })
  })

  it('responseType and overrideMimeType set while the refused response is held back (it is loading) go to the replay', async () => {
    const { refresh, session } = heldRefresh()
    const { api } = await setUp((token) => token === 'token-0', session)
    const xhr = new (scope.XMLHttpRequest as typeof XMLHttpRequest)()
    const ended = new Promise((resolve) => xhr.addEventListener('loadend', resolve))
    xhr.open('GET', `${api.url}/json`)
    xhr.send()
    await expect.poll(() => api.seen.length).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 30)) // the refused body is in: the native request is done
    expect(xhr.readyState).toBe(1)
    xhr.responseType = 'json'
    xhr.overrideMimeType('application/json')
    expect(xhr.responseType).toBe('json')
    refresh.resolve({ accessToken: 'token-1' })
    await ended
    expect([xhr.status, typeof xhr.response]).toEqual([200, 'object'])
  })

  it('a refusal answered after the refresh (replayed at once) is sent again in a task of its own: no LOADING with status 0, as Chromium gave', async () => {
    FakeXMLHttpRequest.continuesAfterResend = true
    cleanups.push(() => {
      FakeXMLHttpRequest.continuesAfterResend = false
    })
    const answer = deferred<void>()
    const server = createServer(async (req, res) => {
      const refused = req.headers.authorization === 'Bearer token-0'
      if (refused) await answer.promise
      res.writeHead(refused ? 401 : 200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ ok: !refused, path: req.url }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise((resolve) => server.close(resolve)))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens: { accessToken: 'token-0' } })
    cleanups.push(installXHR(session, { origins: [url] }))
    const call = traced('GET', `${url}/late`)
    await expect.poll(() => sentByFakes.length).toBe(1)
    await session.setTokens({ accessToken: 'token-1' }) // the token the refusal came for is already replaced
    answer.resolve()
    const seen = await call.done
    expect(seen.events.filter((e) => !e.startsWith('progress'))).toEqual(FINAL_200)
    expect(JSON.parse(seen.text)).toEqual({ ok: true, path: '/late' })
    expect([sentByFakes.length, strategy.calls]).toEqual([2, 0])
  })

  describe('page code re-entering from its own handlers, as natively', () => {
    it('open() to another origin from the readystatechange that open() fires: the last open() wins, and no token goes there', async () => {
      const { api, strategy } = await setUp((token) => token !== 'token-1')
      const other = await startMatrixApi(() => false)
      cleanups.push(other.stop)
      const xhr = new (scope.XMLHttpRequest as typeof XMLHttpRequest)()
      const ended = new Promise((resolve) => xhr.addEventListener('loadend', resolve))
      let nested = false
      xhr.onreadystatechange = () => {
        if (xhr.readyState !== 1 || nested) return
        nested = true
        xhr.open('POST', `${other.url}/elsewhere`)
      }
      xhr.open('POST', `${api.url}/here`)
      xhr.send('{"a":1}')
      await ended
      expect(other.seen.map((s) => [s.path, s.authorization])).toEqual([['/elsewhere', undefined]])
      expect([api.seen.length, strategy.calls]).toEqual([0, 0])
    })

    it('a header set in that readystatechange handler goes with the send, the replay and the next request of the object', async () => {
      const { api } = await setUp((token) => token !== 'token-1')
      const xhr = new (scope.XMLHttpRequest as typeof XMLHttpRequest)()
      xhr.onreadystatechange = () => {
        if (xhr.readyState === 1) xhr.setRequestHeader('X-Trace', 'on')
      }
      for (const path of ['/first', '/second']) {
        const ended = new Promise((resolve) => xhr.addEventListener('loadend', resolve, { once: true }))
        xhr.open('GET', `${api.url}${path}`)
        xhr.send()
        await ended
      }
      expect(sentByFakes.map((s) => [new URL(s.url).pathname, s.headers.authorization, s.headers['x-trace']])).toEqual([
        ['/first', 'Bearer token-0', 'on'],
        ['/first', 'Bearer token-1', 'on'],
        ['/second', 'Bearer token-1', 'on'],
      ])
    })

    it('abort() from the loadstart handler: the abort events once, readyState 0, nothing sent', async () => {
      const { api } = await setUp(() => false)
      const xhr = new (scope.XMLHttpRequest as typeof XMLHttpRequest)()
      const events: string[] = []
      for (const type of ['readystatechange', 'loadstart', 'abort', 'error', 'load', 'loadend']) {
        xhr.addEventListener(type, () => events.push(`${type}:${xhr.readyState}:${xhr.status}`))
      }
      xhr.onloadstart = () => xhr.abort()
      xhr.open('GET', `${api.url}/aborted`)
      xhr.send()
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(events).toEqual(['readystatechange:1:0', 'loadstart:1:0', 'readystatechange:4:0', 'abort:4:0', 'loadend:4:0'])
      expect([xhr.readyState, xhr.tokenflightError, api.seen.length]).toEqual([0, undefined, 0])
    })

    it('open() from the loadstart handler, to this origin or another, then send(): that request goes as it would natively', async () => {
      const { api } = await setUp(() => false)
      const other = await startMatrixApi(() => false)
      cleanups.push(other.stop)
      for (const target of [`${api.url}/again`, `${other.url}/away`]) {
        const xhr = new (scope.XMLHttpRequest as typeof XMLHttpRequest)()
        xhr.addEventListener('loadstart', () => xhr.open('GET', target), { once: true })
        xhr.open('GET', `${api.url}/first`)
        xhr.send()
        await new Promise((resolve) => setTimeout(resolve, 50))
        const ended = new Promise((resolve) => xhr.addEventListener('loadend', resolve))
        xhr.send()
        await ended
        expect([xhr.status, xhr.tokenflightError]).toEqual([200, undefined])
      }
      expect(api.seen.map((s) => [s.path, s.authorization])).toEqual([['/again', 'Bearer token-0']])
      expect(other.seen.map((s) => [s.path, s.authorization])).toEqual([['/away', undefined]])
    })

    it('open() again after a cancel while waiting on tokens before the first send: readystatechange (1), as after a native abort', async () => {
      const { refresh, session } = heldRefresh({ accessToken: 'token-0', expiresAt: Date.now() - 1_000 })
      const { api } = await setUp((token) => token === 'token-0', session)
      for (const cancel of ['abort', 'timeout'] as const) {
        const xhr = new (scope.XMLHttpRequest as typeof XMLHttpRequest)()
        const cancelled = new Promise((resolve) => xhr.addEventListener('loadend', resolve))
        xhr.open('GET', `${api.url}/${cancel}`)
        if (cancel === 'timeout') xhr.timeout = 100
        xhr.send()
        if (cancel === 'abort') xhr.abort()
        await cancelled
        const seen: number[] = []
        xhr.onreadystatechange = () => seen.push(xhr.readyState)
        xhr.open('GET', `${api.url}/again`)
        expect([cancel, seen]).toEqual([cancel, [1]])
      }
      refresh.resolve({ accessToken: 'token-1' })
    })
  })

  it('while it waits, responseText and responseXML throw for another responseType, as the native getters do', async () => {
    const { refresh, session } = heldRefresh({ accessToken: 'token-0', expiresAt: Date.now() - 1_000 })
    const { api } = await setUp(() => false, session)
    const read = (xhr: XMLHttpRequest) => {
      const text = (() => { try { return xhr.responseText } catch (error) { return (error as DOMException).name } })()
      const xml = (() => { try { return xhr.responseXML } catch (error) { return (error as DOMException).name } })()
      return [xhr.responseType, text, xml]
    }
    const seen = []
    for (const type of ['', 'text', 'json', 'document'] as const) {
      const xhr = new (scope.XMLHttpRequest as typeof XMLHttpRequest)()
      xhr.open('GET', `${api.url}/${type}`)
      xhr.responseType = type
      xhr.send()
      seen.push(read(xhr))
      xhr.abort()
    }
    expect(seen).toEqual([
      ['', '', null],
      ['text', '', 'InvalidStateError'],
      ['json', 'InvalidStateError', 'InvalidStateError'],
      ['document', 'InvalidStateError', null],
    ])
    refresh.resolve({ accessToken: 'token-1' })
  })

  it('page code reaches no plumbing on the class (nothing to read the token through or to widen the origins by), and a subclass of it still works', async () => {
    const { api, strategy } = await setUp((token) => token !== 'token-1')
    const Installed = scope.XMLHttpRequest as typeof XMLHttpRequest & Record<string, unknown>
    expect(Object.getOwnPropertyNames(Installed).filter((name) => !['length', 'name', 'prototype', 'native'].includes(name))).toEqual([])
    expect(Installed.setup).toBeUndefined()
    class PageXhr extends (scope.XMLHttpRequest as typeof XMLHttpRequest) {}
    const xhr = new PageXhr()
    const ended = new Promise((resolve) => xhr.addEventListener('loadend', resolve))
    xhr.open('GET', `${api.url}/sub`)
    xhr.send()
    await ended
    expect([xhr.status, strategy.calls, api.seen.map((s) => s.authorization)]).toEqual([200, 1, ['Bearer token-0', 'Bearer token-1']])
  })

  it('a request’s own authFailure that is no rule: send() throws a TypeError naming it, and nothing is sent', async () => {
    const { api } = await setUp(() => true)
    for (const authFailure of ['401', [0], { a: 1 }]) {
      const xhr = new (scope.XMLHttpRequest as typeof XMLHttpRequest)()
      xhr.open('POST', `${api.url}/write`)
      xhr.tokenflight = { authFailure } as never
      expect(() => xhr.send('x')).toThrow(/tokenflight\.authFailure/)
    }
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(api.seen).toHaveLength(0)
  })
})
