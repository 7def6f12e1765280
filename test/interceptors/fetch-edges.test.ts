/**
 * wrapFetch against a caller's odd but legal use, with a fake fetch that records what went out:
 * an options object reused between calls, a refusal from where a redirect led, a rule still
 * judging when the caller aborts.
 */
import { describe, expect, it } from 'vitest'
import { createSession } from '../../src/index.js'
import { installFetch, wrapFetch } from '../../src/interceptors/fetch.js'
import { custom } from '../../src/strategies/index.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'

const origin = 'https://api.test'

// A fetch answering 401 to token-0 and 200 to the rest, recording each send.
function recordingFetch(answer?: (url: string, token: string | null) => Response) {
  const sent: Array<{ url: string; method: string; token: string | null; tenant: string | null }> = []
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init)
    const token = request.headers.get('authorization')
    sent.push({ url: request.url, method: request.method, token, tenant: request.headers.get('x-tenant') })
    await new Promise((resolve) => setTimeout(resolve, 5))
    return answer?.(request.url, token) ?? new Response(null, { status: token === 'Bearer token-0' ? 401 : 200 })
  }) as typeof fetch
  return { fetchFn, sent }
}

function redirectedTo(url: string, status: number): Response {
  return Object.defineProperties(new Response(null, { status }), { redirected: { value: true }, url: { value: url } })
}

describe('wrapFetch and the caller’s init', () => {
  it('an init object changed after the call changes neither that request nor its replay', async () => {
    const { fetchFn, sent } = recordingFetch()
    const strategy = countingStrategy()
    const authedFetch = wrapFetch(fetchFn, createSession({ strategy, tokens: { accessToken: 'token-0' } }), { origins: [origin] })
    const init: RequestInit = { method: 'GET', headers: { 'X-Tenant': 'A' } }
    const first = authedFetch(`${origin}/items/1`, init)
    init.method = 'DELETE'
    init.headers = { 'X-Tenant': 'B' }
    const second = authedFetch(`${origin}/items/2`, init)
    expect((await first).status).toBe(200)
    expect((await second).status).toBe(200)
    const of = (path: string) => sent.filter((s) => s.url.endsWith(path)).map((s) => `${s.method} ${s.tenant} ${s.token}`)
    expect(of('/items/1')).toEqual(['GET A Bearer token-0', 'GET A Bearer token-1'])
    expect(of('/items/2')).toEqual(['DELETE B Bearer token-0', 'DELETE B Bearer token-1'])
    expect(strategy.calls).toBe(1)
  })

  it('a caller’s Headers object changed while the request waits: the replay sends what the first send did', async () => {
    const { fetchFn, sent } = recordingFetch()
    const authedFetch = wrapFetch(fetchFn, createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' } }), { origins: [origin] })
    const headers = new Headers({ 'X-Tenant': 'A' })
    const call = authedFetch(`${origin}/items`, { headers })
    headers.set('X-Tenant', 'B')
    expect((await call).status).toBe(200)
    expect(sent.map((s) => s.tenant)).toEqual(['A', 'A'])
  })
})

describe('wrapFetch and a caller’s look-alike signal (an old polyfill’s, without removeEventListener)', () => {
  it('refused calls wait on the refresh and for replay slots, are replayed and settle; nothing goes unhandled', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const { fetchFn, sent } = recordingFetch()
      const plainFetch = ((input: string, init?: RequestInit) => fetchFn(input, { ...init, signal: null })) as typeof fetch
      const strategy = countingStrategy(async () => {
        await new Promise((resolve) => setTimeout(resolve, 20))
        return { accessToken: 'token-1' }
      })
      const session = createSession({ strategy, tokens: { accessToken: 'token-0' }, replayConcurrency: 1 })
      const authedFetch = wrapFetch(plainFetch, session, { origins: [origin] })
      const signal = { aborted: false, addEventListener() {} } as unknown as AbortSignal
      const responses = await Promise.all([1, 2, 3].map((i) => authedFetch(`${origin}/items/${i}`, { signal })))
      expect(responses.map((response) => response.status)).toEqual([200, 200, 200])
      expect(strategy.calls).toBe(1)
      expect(sent.map((one) => one.token)).toEqual([...Array(3).fill('Bearer token-0'), ...Array(3).fill('Bearer token-1')])
      await new Promise((resolve) => setTimeout(resolve, 10))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})

describe('wrapFetch and redirects', () => {
  it('a 401 from another origin a redirect led to (the token never went there) starts no refresh', async () => {
    const { fetchFn } = recordingFetch(() => redirectedTo('https://elsewhere.test/login', 401))
    const strategy = countingStrategy()
    const authedFetch = wrapFetch(fetchFn, createSession({ strategy, tokens: { accessToken: 'token-0' } }), { origins: [origin] })
    const responses = await Promise.all([1, 2, 3].map((i) => authedFetch(`${origin}/moved/${i}`)))
    expect(responses.map((r) => [r.status, r.url])).toEqual(Array(3).fill([401, 'https://elsewhere.test/login']))
    expect(strategy.calls).toBe(0)
  })

  it('a 401 after a redirect within the allowed origins is a refusal as any other', async () => {
    const { fetchFn, sent } = recordingFetch((_, token) => (token === 'Bearer token-0' ? redirectedTo(`${origin}/new`, 401) : new Response(null, { status: 200 })))
    const strategy = countingStrategy()
    const authedFetch = wrapFetch(fetchFn, createSession({ strategy, tokens: { accessToken: 'token-0' } }), { origins: [origin] })
    expect((await authedFetch(`${origin}/old`)).status).toBe(200)
    expect(strategy.calls).toBe(1)
    expect(sent.map((s) => s.token)).toEqual(['Bearer token-0', 'Bearer token-1'])
  })
})

describe('wrapFetch and a rule still judging', () => {
  it('a refusal rule that never settles lets go of the request when the caller aborts', async () => {
    const { fetchFn } = recordingFetch()
    const strategy = countingStrategy()
    const authedFetch = wrapFetch(fetchFn, createSession({ strategy, tokens: { accessToken: 'token-0' } }), {
      origins: [origin],
      authFailure: () => new Promise<boolean>(() => {}),
    })
    const reason = new Error('gave up')
    const controller = new AbortController()
    const call = authedFetch(`${origin}/slow-rule`, { signal: controller.signal })
    setTimeout(() => controller.abort(reason), 30)
    await expect(call).rejects.toBe(reason)
    expect(strategy.calls).toBe(0)
  })
})

describe('installFetch and sessions made after it', () => {
  const scope = globalThis as { fetch: typeof fetch }
  // A session made after installFetch, refreshing through `given` (or the global when undefined).
  async function refreshAfterInstall(given: (installed: typeof fetch) => typeof fetch | undefined) {
    const before = scope.fetch
    const { fetchFn, sent } = recordingFetch(() => new Response('{}', { status: 200 }))
    scope.fetch = fetchFn
    const first = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-A' } })
    const uninstall = installFetch(first, { origins: [origin] })
    try {
      const refreshing = custom(async (_, context) => {
        await context.fetch(`${origin}/auth/refresh`, { headers: { Authorization: 'Bearer refresh-B' } })
        return { accessToken: 'token-B1' }
      })
      const fetchOption = given(scope.fetch)
      const second = createSession({ strategy: refreshing, tokens: { accessToken: 'token-B0' }, ...(fetchOption ? { fetch: fetchOption } : {}) })
      await second.refresh()
      return { sent: sent.map((s) => s.token), first: first.state }
    } finally {
      uninstall()
      scope.fetch = before
    }
  }

  it.each([
    ['the global (installFetch’s wrapper)', () => undefined],
    ['the wrapper given as `fetch`', (installed: typeof fetch) => installed],
    ['a bound copy of it', (installed: typeof fetch) => installed.bind(globalThis)],
    ['an arrow around it', (installed: typeof fetch) => ((input, init) => installed(input, init)) as typeof fetch],
    ['an instrumentation layer around it', (installed: typeof fetch) => (async (input, init) => {
      const response = await installed(input, init)
      return response
    }) as typeof fetch],
  ])('refreshing through %s: the refresh call goes through untouched, carrying its own credential', async (_, given) => {
    expect(await refreshAfterInstall(given)).toEqual({ sent: ['Bearer refresh-B'], first: 'active' })
  })
})

describe('installFetch uninstalled while something else wraps it', () => {
  it('what is left of ours passes requests straight through: no token, no refusal handling', async () => {
    const scope = globalThis as { fetch: typeof fetch }
    const before = scope.fetch
    const { fetchFn, sent } = recordingFetch()
    scope.fetch = fetchFn
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' } })
    const uninstall = installFetch(session, { origins: [origin] })
    const ours = scope.fetch
    scope.fetch = ((input, init) => ours(input, init)) as typeof fetch // an instrumentation library wraps it
    try {
      uninstall() // cannot put the original back: the global is not ours any more
      await session.destroy()
      const response = await scope.fetch(`${origin}/after-logout`)
      expect(response.status).toBe(200)
      expect(sent.map((s) => s.token)).toEqual([null])
    } finally {
      scope.fetch = before
    }
  })
})
