/**
 * examples/legacy-page in real Chromium: jQuery + dist/tokenflight.iife.js and nothing else.
 * After the access token expired server-side, 30 `$.ajax`, 30 XHR and 30 fetch calls cost one
 * refresh, all succeed, and every handler fires once, with the final response only.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type LegacyPage, startLegacyPage } from '../../examples/legacy-page/server.js'
import { launchChromium } from '../_helpers/browser.js'
import { missing } from '../_helpers/requires.js'

// What a page-side helper reports about one request: every event the caller's handlers saw.
interface Seen {
  status: number
  events: string[]
}

// Runs in the page: an XHR whose handlers of all three kinds record what they see.
const xhrHelpers = () => {
  const w = window as any
  w.tracedXhr = (method: string, url: string, setup?: (xhr: XMLHttpRequest) => void, body?: string) =>
    new Promise((resolve) => {
      const xhr = new XMLHttpRequest()
      const events: string[] = []
      const note = (name: string) => events.push(`${name}:${xhr.readyState}:${xhr.status}`)
      xhr.onreadystatechange = () => note('readystatechange')
      xhr.onloadstart = () => note('loadstart')
      xhr.onload = () => note('onload')
      xhr.addEventListener('load', () => note('load'))
      xhr.onerror = () => note('error')
      xhr.onabort = () => note('abort')
      xhr.ontimeout = () => note('timeout')
      xhr.onloadend = () => {
        note('loadend')
        resolve({ status: xhr.status, events, text: xhr.responseText === undefined ? '' : String(xhr.responseType === '' ? xhr.responseText : '') })
      }
      xhr.open(method, url)
      setup?.(xhr)
      xhr.send(body ?? null)
      w.lastXhr = xhr
    })
}

const FINAL_200 = ['readystatechange:1:0', 'loadstart:1:0', 'readystatechange:2:200', 'readystatechange:3:200', 'readystatechange:4:200', 'onload:4:200', 'load:4:200', 'loadend:4:200']

describe.skipIf(missing('chromium'))('needs chromium', () => {
  let browser: Browser
  let app: LegacyPage
  let context: BrowserContext | undefined

  beforeAll(async () => {
    browser = await launchChromium()
    app = await startLegacyPage()
  }, 60_000)
  afterEach(async () => {
    await context?.close()
    context = undefined
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
  })

  // A test that hangs a refresh ends once the page's refresh got through the hang and was answered:
  // a tab's first refresh may wait a moment for the other tabs, and a hang left armed would be
  // taken by the next test's refresh.
  async function answerHungRefresh(page: Page): Promise<void> {
    await expect
      .poll(async () => {
        app.emulator.releaseHungRefreshes()
        return page.evaluate(() => (window as any).session.state === 'active' && (window as any).refreshedOnce === true)
      })
      .toBe(true)
  }

  // `olderBrowser`: runs before the page's own scripts, taking away what an older browser lacks.
  async function openPage(olderBrowser?: () => void): Promise<Page> {
    context = await browser.newContext()
    if (olderBrowser) await context.addInitScript(olderBrowser)
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(app.url)
    await page.evaluate(xhrHelpers)
    // The IIFE ran with no module loader, next to jQuery only, and installed itself.
    expect(errors).toEqual([])
    expect(await page.evaluate(() => typeof (window as any).TokenFlight.createSession)).toBe('function')
    await page.evaluate(() => {
      ;(window as any).session.on('refreshed', () => {
        ;(window as any).refreshedOnce = true
      })
    })
    return page
  }

  it('30 $.ajax + 30 XHR + 30 fetch after expiry → 1 refresh, 90 successes, each handler once with the final response', async () => {
    const page = await openPage()
    const before = { ...app.emulator.stats }
    app.emulator.expireAccessTokens()
    const result = await page.evaluate(async () => {
      const w = window as any
      const $ = w.jQuery
      const ajax = Array.from({ length: 30 }, (_, i) => {
        const seen = { done: 0, fail: 0, always: 0, statuses: [] as number[] }
        return new Promise((resolve) => {
          $.ajax({ url: `/api/ajax/${i}`, dataType: 'json' })
            .done((body: { path: string }, _status: string, jq: { status: number }) => {
              seen.done++
              seen.statuses.push(jq.status)
              if (body.path !== `/api/ajax/${i}`) seen.fail += 100
            })
            .fail(() => seen.fail++)
            .always(() => {
              seen.always++
              setTimeout(() => resolve(seen), 50) // any second callback would land by now
            })
        })
      })
      const xhr = Array.from({ length: 30 }, (_, i) => w.tracedXhr('GET', `/api/xhr/${i}`))
      const fetches = Array.from({ length: 30 }, (_, i) => fetch(`/api/fetch/${i}`).then((r) => r.json().then((b) => [r.status, b.path])))
      return { ajax: await Promise.all(ajax), xhr: await Promise.all(xhr), fetch: await Promise.all(fetches) }
    })
    await new Promise((resolve) => setTimeout(resolve, 100))

    expect(app.emulator.stats.refreshCalls - before.refreshCalls).toBe(1)
    expect(app.emulator.stats.reuseDetections).toBe(0)
    // Every call was refused once, then replayed: 90 × 401 then 90 × 200 at the server.
    expect(app.emulator.stats.resourceUnauthorized - before.resourceUnauthorized).toBe(90)
    expect(app.emulator.stats.resourceRequests - before.resourceRequests).toBe(180)
    expect(result.ajax).toEqual(Array(30).fill({ done: 1, fail: 0, always: 1, statuses: [200] }))
    for (const seen of result.xhr as Seen[]) {
      expect(seen.status).toBe(200)
      // No 401 and no second loadstart reaches a handler: the same events as a request that never needed a refresh.
      expect(seen.events.filter((e) => !e.startsWith('progress'))).toEqual(FINAL_200)
    }
    expect(result.fetch).toEqual(Array.from({ length: 30 }, (_, i) => [200, `/api/fetch/${i}`]))
  }, 60_000)

  it('an XHR that needed a refresh shows its handlers exactly what one that did not shows them', async () => {
    const page = await openPage()
    const fresh = (await page.evaluate(() => (window as any).tracedXhr('GET', '/api/plain'))) as Seen
    app.emulator.expireAccessTokens()
    const replayed = (await page.evaluate(() => (window as any).tracedXhr('GET', '/api/plain'))) as Seen
    expect(fresh.events).toEqual(FINAL_200)
    expect(replayed.events).toEqual(fresh.events)
  }, 30_000)

  it('a POST is replayed with the same body, headers and responseType', async () => {
    const page = await openPage()
    const sent: Array<{ body: string | null; header: string | undefined; auth: boolean }> = []
    page.on('request', (request) => {
      if (request.url().endsWith('/api/orders')) sent.push({ body: request.postData(), header: request.headers()['x-order'], auth: /^Bearer /.test(request.headers().authorization ?? '') })
    })
    app.emulator.expireAccessTokens()
    const seen = await page.evaluate(() =>
      new Promise<{ status: number; path: unknown }>((resolve) => {
        const xhr = new XMLHttpRequest()
        xhr.open('POST', '/api/orders')
        xhr.setRequestHeader('Content-Type', 'application/json')
        xhr.setRequestHeader('X-Order', '42')
        xhr.responseType = 'json'
        xhr.onload = () => resolve({ status: xhr.status, path: xhr.response?.path })
        xhr.send('{"item":"tea"}')
      }),
    )
    expect(seen).toEqual({ status: 200, path: '/api/orders' })
    expect(sent).toEqual([
      { body: '{"item":"tea"}', header: '42', auth: true },
      { body: '{"item":"tea"}', header: '42', auth: true },
    ])
  }, 30_000)

  it('as Firefox and Chrome < 105 (no Request.body) and < 93 (Error ignores its cause): a fetch POST is replayed with its body, errors keep their cause', async () => {
    const page = await openPage(() => {
      delete (Request.prototype as { body?: unknown }).body
      const NativeError = Error
      ;(window as any).Error = function OldError(this: unknown, message?: string) {
        return Reflect.construct(NativeError, [message], new.target ?? NativeError)
      }
      ;(window as any).Error.prototype = NativeError.prototype
      // What reaches the platform's fetch (tokenflight wraps this one): each POST's body as sent.
      const nativeFetch = window.fetch
      ;(window as any).sentBodies = []
      window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
        if (input instanceof Request && input.url.endsWith('/api/orders')) (window as any).sentBodies.push(await input.clone().text())
        return nativeFetch(input, init)
      }
    })
    app.emulator.expireAccessTokens()
    const result = await page.evaluate(async () => {
      const TF = (window as any).TokenFlight
      const response = await fetch('/api/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"item":"tea"}' })
      const root = new TypeError('root')
      const refused = new TF.RefreshError('refused', { transient: false, cause: root })
      const expired = new TF.SessionExpiredError(undefined, { cause: refused })
      const causes = [refused.cause === root, expired.cause === refused]
      return { status: response.status, path: (await response.json()).path, bodyGetter: 'body' in Request.prototype, causes, sent: (window as any).sentBodies }
    })
    expect(result).toEqual({ status: 200, path: '/api/orders', bodyGetter: false, causes: [true, true], sent: ['{"item":"tea"}', '{"item":"tea"}'] })
  }, 30_000)

  it('a page whose old library code put enumerable keys on Object.prototype: the script loads, and 10 XHR + 10 fetch after expiry share 1 refresh', async () => {
    const page = await openPage(() => {
      ;(Object.prototype as any).foo = 'bar'
      ;(Object.prototype as any).toJSONString = function toJSONString() {} // Crockford's old json.js
    })
    const before = app.emulator.stats.refreshCalls
    app.emulator.expireAccessTokens()
    const result = await page.evaluate(async () => {
      const w = window as any
      const xhr = Array.from({ length: 10 }, (_, i) => w.tracedXhr('GET', `/api/xhr/${i}`).then((seen: Seen) => seen.status))
      const fetches = Array.from({ length: 10 }, (_, i) => fetch(`/api/fetch/${i}`).then((r) => r.status))
      // A page may add its own things to the global, as before; the exports stay as they were.
      w.TokenFlight.pageOwn = 1
      w.TokenFlight.fib = null
      const global = { pageOwn: w.TokenFlight.pageOwn, fib: typeof w.TokenFlight.fib, exports: Object.keys(w.TokenFlight).length }
      return { xhr: await Promise.all(xhr), fetch: await Promise.all(fetches), names: [w.TokenFlight.createSession.name, w.TokenFlight.RefreshError.name], global }
    })
    expect(result).toEqual({ xhr: Array(10).fill(200), fetch: Array(10).fill(200), names: ['createSession', 'RefreshError'], global: { pageOwn: 1, fib: 'function', exports: 25 } })
    expect(app.emulator.stats.refreshCalls - before).toBe(1)
  }, 30_000)

  it('an XHR refused after the refresh already ended (replayed at once) shows its handlers no LOADING with status 0', async () => {
    const page = await openPage()
    app.emulator.expireAccessTokens()
    app.emulator.holdResourceRequests()
    const before = app.emulator.stats.resourceRequests
    const late = page.evaluate(() => Promise.all(Array.from({ length: 5 }, (_, i) => (window as any).tracedXhr('GET', `/api/late/${i}`))))
    await expect.poll(() => app.emulator.stats.resourceRequests - before).toBe(5)
    await page.evaluate(() => (window as any).session.refresh())
    app.emulator.releaseResourceRequests() // the refusals come for a token already replaced
    for (const seen of (await late) as Seen[]) {
      expect(seen.status).toBe(200)
      expect(seen.events.filter((e) => !e.startsWith('progress'))).toEqual(FINAL_200)
    }
    expect(app.emulator.stats.resourceRequests - before).toBe(10)
  }, 30_000)

  it('an XHR refused after the session expired (ended at once) fires the network error events once, and nothing after them', async () => {
    const page = await openPage()
    app.emulator.expireAccessTokens()
    app.emulator.holdResourceRequests()
    const before = app.emulator.stats.resourceRequests
    const late = page.evaluate(() =>
      Promise.all(
        Array.from({ length: 5 }, async (_, i) => {
          const seen = (await (window as any).tracedXhr('GET', `/api/signed-out/${i}`)) as Seen
          await new Promise((resolve) => setTimeout(resolve, 300)) // a stray event would land by now
          return seen
        }),
      ),
    )
    await expect.poll(() => app.emulator.stats.resourceRequests - before).toBe(5)
    app.emulator.logOut()
    await page.evaluate(() => (window as any).session.refresh().catch(() => {})) // refused for good: the session expires
    app.emulator.releaseResourceRequests()
    for (const seen of (await late) as Seen[]) {
      expect(seen.events).toEqual(['readystatechange:1:0', 'loadstart:1:0', 'readystatechange:4:0', 'error:4:0', 'loadend:4:0'])
    }
    expect(app.emulator.stats.resourceRequests - before).toBe(5)
  }, 30_000)

  it('a relative fetch and XHR waiting on the refresh while the page points its <base> at another origin: the replay goes where it was judged, the token never there', async () => {
    const reached: string[] = []
    const other = createServer((req, res) => {
      reached.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'}`)
      res.writeHead(200, { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*', 'content-type': 'application/json' }).end('{}')
    })
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
    try {
      const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}/`
      const page = await openPage()
      const before = app.emulator.stats.refreshCalls
      app.emulator.hangNextRefreshes(1)
      app.emulator.expireAccessTokens()
      const calls = page.evaluate(() => {
        const viaFetch = fetch('api/relative-fetch').then((r) => [r.status, new URL(r.url).pathname])
        const viaXhr = (window as any).tracedXhr('GET', 'api/relative-xhr').then((seen: Seen) => [seen.status, new URL((window as any).lastXhr.responseURL).pathname])
        return Promise.all([viaFetch, viaXhr])
      })
      await expect.poll(() => app.emulator.stats.refreshCalls - before).toBe(1) // the refusals wait on the hung refresh
      await page.evaluate((href) => {
        const base = document.createElement('base')
        base.href = href
        document.head.append(base)
      }, otherUrl)
      await answerHungRefresh(page)
      expect(await calls).toEqual([
        [200, '/api/relative-fetch'],
        [200, '/api/relative-xhr'],
      ])
      expect(reached).toEqual([])
    } finally {
      await new Promise((resolve) => other.close(resolve))
    }
  }, 30_000)

  it('abort() while the request waits for the refresh: abort handlers once, no load, nothing sent again', async () => {
    const page = await openPage()
    app.emulator.hangNextRefreshes(1)
    app.emulator.expireAccessTokens()
    const before = app.emulator.stats.resourceRequests
    const waiting = page.evaluate(() => (window as any).tracedXhr('GET', '/api/slow'))
    const ajaxWaiting = page.evaluate(
      () =>
        new Promise((resolve) => {
          const jq = (window as any).jQuery.ajax({ url: '/api/slow-ajax' })
          ;(window as any).lastJq = jq
          jq.fail((_: unknown, textStatus: string) => resolve(textStatus))
        }),
    )
    await expect.poll(() => app.emulator.stats.refreshCalls).toBeGreaterThan(0)
    await expect.poll(() => app.emulator.stats.resourceRequests - before).toBe(2)
    expect(await page.evaluate(() => [(window as any).lastXhr.readyState, (window as any).lastXhr.status])).toEqual([1, 0])
    await page.evaluate(() => {
      ;(window as any).lastXhr.abort()
      ;(window as any).lastJq.abort()
    })
    const seen = (await waiting) as Seen
    expect(seen.events).toEqual(['readystatechange:1:0', 'loadstart:1:0', 'readystatechange:4:0', 'abort:4:0', 'loadend:4:0'])
    expect(seen.status).toBe(0)
    expect(await page.evaluate(() => (window as any).lastXhr.readyState)).toBe(0)
    expect(await ajaxWaiting).toBe('abort')
    expect(app.emulator.stats.resourceRequests - before).toBe(2)
    await answerHungRefresh(page)
  }, 30_000)

  it('the timeout covers the wait for the refresh', async () => {
    const page = await openPage()
    app.emulator.hangNextRefreshes(1)
    app.emulator.expireAccessTokens()
    const seen = (await page.evaluate(() => (window as any).tracedXhr('GET', '/api/slow', (xhr: XMLHttpRequest) => {
          xhr.timeout = 300
        }))) as Seen
    expect(seen.events).toEqual(['readystatechange:1:0', 'loadstart:1:0', 'readystatechange:4:0', 'timeout:4:0', 'loadend:4:0'])
    await answerHungRefresh(page)
  }, 30_000)

  it('a failed refresh ends the XHR as a network error, SessionExpiredError on xhr.tokenflightError, as axios and fetch reject', async () => {
    const page = await openPage()
    app.emulator.logOut()
    app.emulator.expireAccessTokens()
    const result = await page.evaluate(async () => {
      const w = window as any
      const expired = new Promise((resolve) => w.session.on('expired', () => resolve(true)))
      const xhr = (await w.tracedXhr('GET', '/api/after-logout')) as Seen
      const reason = w.lastXhr.tokenflightError?.code
      const ajax = await new Promise((resolve) => w.jQuery.ajax({ url: '/api/after-logout-ajax' }).fail((jq: { status: number }) => resolve(jq.status)))
      const fetched = await fetch('/api/after-logout-fetch').then(
        () => 'resolved',
        (error: Error & { code?: string }) => `${error.code} ${error.constructor.name}`,
      )
      return { xhr, reason, ajax, fetched, expired: await expired }
    })
    expect(result.xhr.events).toEqual(['readystatechange:1:0', 'loadstart:1:0', 'readystatechange:4:0', 'error:4:0', 'loadend:4:0'])
    expect(result.reason).toBe('ERR_SESSION_EXPIRED')
    expect(result.ajax).toBe(0)
    expect(result.fetched).toBe('ERR_SESSION_EXPIRED SessionExpiredError') // the minified build keeps the class's name
    const errorClasses = ['TokenflightError', 'RefreshError', 'RefreshTimeoutError', 'SessionExpiredError', 'InvalidRefreshResponseError', 'BodyNotReplayableError', 'StoreTimeoutError', 'RuleTimeoutError']
    expect(await page.evaluate((names) => names.filter((name) => (window as any).TokenFlight[name]?.name !== name), errorClasses)).toEqual([])
    expect(result.expired).toBe(true)
  }, 30_000)

  it('<base href> to another loopback origin: relative XHR, $.ajax and fetch calls go there without the token', async () => {
    const page = await openPage()
    const other = app.url.replace('127.0.0.1', 'localhost') // same server, another origin
    const seen: Array<[string, string | undefined]> = []
    page.on('request', (request) => {
      if (request.url().includes('/api/based')) seen.push([new URL(request.url()).origin, request.headers().authorization])
    })
    await page.evaluate(async (base) => {
      const w = window as any
      const tag = document.createElement('base')
      tag.href = base
      document.head.prepend(tag)
      await w.tracedXhr('GET', 'api/based/xhr')
      await new Promise((resolve) => w.jQuery.ajax({ url: 'api/based/ajax' }).always(() => resolve(null)))
      await fetch('api/based/fetch').catch(() => undefined)
    }, other)
    const origin = new URL(other).origin
    expect(seen).toEqual([
      [origin, undefined],
      [origin, undefined],
      [origin, undefined],
    ])
  }, 30_000)

  it('synchronous XHR is left alone: no token, no refresh', async () => {
    const page = await openPage()
    const calls = app.emulator.stats.refreshCalls
    const sent: Array<string | undefined> = []
    page.on('request', (request) => {
      if (request.url().endsWith('/api/sync')) sent.push(request.headers().authorization)
    })
    const status = await page.evaluate(() => {
      const xhr = new XMLHttpRequest()
      xhr.open('GET', '/api/sync', false)
      xhr.send()
      return xhr.status
    })
    expect(status).toBe(401) // the emulator's resource server wants a token it was not given
    expect(sent).toEqual([undefined])
    expect(app.emulator.stats.refreshCalls).toBe(calls)
  }, 30_000)

  it('requests to other origins get no token, through XHR, $.ajax and fetch', async () => {
    const page = await openPage()
    const other = app.url.replace('127.0.0.1', 'localhost') // same server, another origin
    const seen: Array<[string, string | undefined]> = []
    page.on('request', (request) => {
      if (request.url().includes('/api/elsewhere')) seen.push([request.method(), request.headers().authorization])
    })
    await page.evaluate(async (base) => {
      const w = window as any
      await w.tracedXhr('GET', `${base}api/elsewhere/xhr`)
      await new Promise((resolve) => w.jQuery.ajax({ url: `${base}api/elsewhere/ajax` }).always(() => resolve(null))) // a jqXHR is a thenable
      await fetch(`${base}api/elsewhere/fetch`).catch(() => undefined)
    }, other)
    expect(seen).toEqual([
      ['GET', undefined],
      ['GET', undefined],
      ['GET', undefined],
    ])
  }, 30_000)

  it('uninstalling restores the native XMLHttpRequest and fetch; installing twice is refused', async () => {
    const page = await openPage()
    const result = await page.evaluate(() => {
      const w = window as any
      const session = w.TokenFlight.createSession({ strategy: w.TokenFlight.fib({ baseURL: location.origin }) })
      const twice = (install: () => void) => {
        try {
          install()
          return 'installed'
        } catch (error) {
          return (error as Error).name
        }
      }
      const patched = [w.XMLHttpRequest, w.fetch]
      // The page installed both already.
      const refused = [twice(() => w.TokenFlight.installXHR(session)), twice(() => w.TokenFlight.installFetch(session))]
      return { refused, patchedIsNative: patched.map((f: unknown) => /\[native code\]/.test(Function.prototype.toString.call(f))) }
    })
    expect(result.refused).toEqual(['TypeError', 'TypeError'])
    expect(result.patchedIsNative).toEqual([false, false])

    // A page of its own with only the script: install, then uninstall.
    const bare = await page.context().newPage()
    await bare.goto(`${app.url}tokenflight.iife.js`)
    const restored = await bare.evaluate(async (src) => {
      await new Promise((resolve, reject) => {
        const script = document.createElement('script')
        script.src = src
        script.onload = resolve
        script.onerror = reject
        document.head.append(script)
      })
      const w = window as any
      const native = [w.XMLHttpRequest, w.fetch]
      const session = w.TokenFlight.createSession({ strategy: w.TokenFlight.fib({ baseURL: location.origin }) })
      const undo = [w.TokenFlight.installXHR(session), w.TokenFlight.installFetch(session)]
      const patched = w.XMLHttpRequest !== native[0] && w.fetch !== native[1] && new XMLHttpRequest() instanceof XMLHttpRequest
      for (const u of undo) u()
      return { patched, restored: w.XMLHttpRequest === native[0] && w.fetch === native[1] }
    }, `${app.url}tokenflight.iife.js`)
    expect(restored).toEqual({ patched: true, restored: true })
  }, 30_000)
})
