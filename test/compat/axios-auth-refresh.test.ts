/**
 * tokenflight/compat/axios-auth-refresh against axios-auth-refresh 5's documented behaviour
 * (its README, its tests and its examples, restated here in our own words), and against the
 * two failures of the original: concurrent 401s rejected during a refresh (its issue #307)
 * and a hung refresh hanging every request.
 */
import axios, { AxiosError, type AxiosInstance, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios'
import { afterEach, describe, expect, it, vi } from 'vitest'
import createAuthRefreshInterceptor, { createAuthRefresh, type FailedRequest } from '../../src/compat/axios-auth-refresh.js'
import { RefreshTimeoutError } from '../../src/errors/index.js'
import peerCreateAuthRefresh from 'axios-auth-refresh'
import { type Emulator, startEmulator } from '../../src/testing/index.js'
import { deferred, flush } from '../_helpers/deferred.js'

// An in-memory API: `valid` is the token it accepts; every request is recorded.
function fakeApi(handle?: (config: InternalAxiosRequestConfig) => { status: number; data?: unknown } | 'network-error' | undefined) {
  const state = { valid: 'v1', seen: [] as Array<{ url: string; authorization: unknown; retry: unknown }> }
  const adapter = async (config: InternalAxiosRequestConfig): Promise<AxiosResponse> => {
    state.seen.push({ url: String(config.url), authorization: config.headers.Authorization, retry: config.headers['X-Retry'] })
    const forced = handle?.(config)
    if (forced === 'network-error') throw new AxiosError('Network Error', 'ERR_NETWORK', config, { status: 0 })
    const answer = forced ?? (config.headers.Authorization === `Bearer ${state.valid}` ? { status: 200, data: { ok: true } } : { status: 401, data: { error: 'invalid_token' } })
    const response = { ...answer, statusText: '', headers: {}, config, request: {} } as AxiosResponse
    if (config.validateStatus?.(answer.status) ?? true) return response
    throw new AxiosError(`Request failed with status code ${answer.status}`, 'ERR_BAD_REQUEST', config, {}, response)
  }
  const api = axios.create({ adapter, headers: { Authorization: 'Bearer v0' } })
  return { api, state }
}

// The README's refresh logic: get a new token, patch the failed request with it.
function readmeLogic(state: { valid: string }, calls: { n: number }, wait?: Promise<void>) {
  return async (failedRequest: FailedRequest) => {
    calls.n++
    await wait
    state.valid = `v${calls.n + 1}`
    failedRequest.response.config.headers.Authorization = `Bearer ${state.valid}`
  }
}

describe('the interceptor itself', () => {
  it('is exported under the names axios-auth-refresh uses (default, createAuthRefresh, createAuthRefreshInterceptor)', async () => {
    const compat = await import('../../src/compat/axios-auth-refresh.js')
    expect(compat.default).toBe(createAuthRefresh)
    expect(compat.createAuthRefreshInterceptor).toBe(createAuthRefresh)
  })

  it('throws when the refresh logic is not a function, or an option is unknown', () => {
    expect(() => createAuthRefreshInterceptor(axios.create(), null as never)).toThrow(TypeError)
    expect(() => createAuthRefreshInterceptor(axios.create(), async () => {}, { statusCode: [401] } as never)).toThrow(/statusCode/)
    expect(() => createAuthRefreshInterceptor(axios.create(), async () => {}, { maxRetries: -1 })).toThrow(/maxRetries/)
  })

  it('refuses at creation what would break or be misread at the first 401: statuses as strings, a retryInstance that is no instance, flags that are not booleans', () => {
    const create = (options: object) => () => createAuthRefreshInterceptor(axios.create(), async () => {}, options as never)
    expect(create({ statusCodes: ['401'] })).toThrow(/statusCodes/)
    expect(create({ retryInstance: {} })).toThrow(/retryInstance/)
    for (const flag of ['deduplicateRefresh', 'interceptNetworkError', 'pauseInstanceWhileRefreshing']) expect(create({ [flag]: 'false' })).toThrow(new RegExp(flag))
    expect(create({ statusCodes: [401, 403], retryInstance: axios.create(), deduplicateRefresh: false, interceptNetworkError: true })).not.toThrow()
  })

  it('returns the response interceptor id: ejecting it turns refreshing off', async () => {
    const { api, state } = fakeApi()
    const calls = { n: 0 }
    const id = createAuthRefreshInterceptor(api, readmeLogic(state, calls))
    expect(typeof id).toBe('number')
    expect(id).toBeGreaterThan(-1)
    api.interceptors.response.eject(id)
    await expect(api.get('/a')).rejects.toMatchObject({ response: { status: 401 } })
    expect(calls.n).toBe(0)
  })

  it('mounted and ejected again and again (an effect and its cleanup), it leaves no interceptor of its own behind', async () => {
    const { api, state } = fakeApi()
    const live = (manager: unknown) => (manager as { handlers: unknown[] }).handlers.filter(Boolean).length
    api.interceptors.request.use((config) => config)
    for (let i = 0; i < 50; i++) api.interceptors.response.eject(createAuthRefreshInterceptor(api, readmeLogic(state, { n: 0 })))
    // Each mount drops what the ejected ones before it left; the last one's goes at the next request.
    expect([live(api.interceptors.request), live(api.interceptors.response)]).toEqual([2, 0])
    await api.get('/a').catch(() => {})
    expect([live(api.interceptors.request), live(api.interceptors.response)]).toEqual([1, 0])
  })

  it("request interceptors cleared after it: the user's own added since are never taken for its own", async () => {
    const { api, state } = fakeApi()
    const calls = { n: 0 }
    api.interceptors.response.eject(createAuthRefreshInterceptor(api, readmeLogic(state, calls)))
    api.interceptors.request.clear()
    const seen: string[] = []
    api.interceptors.request.use((config) => {
      seen.push(String(config.url))
      return config
    })
    createAuthRefreshInterceptor(api, readmeLogic(state, calls))
    expect((await api.get('/b')).status).toBe(200)
    expect(seen).toEqual(['/b', '/b'])
    expect(calls.n).toBe(1)
  })

  it('leaves the other interceptors where they were', async () => {
    const { api, state } = fakeApi()
    const id = createAuthRefreshInterceptor(api, readmeLogic(state, { n: 0 }))
    const other = api.interceptors.response.use((r) => r)
    const handlers = (api.interceptors.response as unknown as { handlers: unknown[] }).handlers
    const before = [handlers[id], handlers[other]]
    await api.get('/a')
    expect([handlers[id], handlers[other]]).toEqual(before)
  })
})

describe('which failures are intercepted', () => {
  it('401 by default: refresh once, retry with the header the logic put on failedRequest.response.config', async () => {
    const { api, state } = fakeApi()
    const calls = { n: 0 }
    let failed: FailedRequest | undefined
    createAuthRefreshInterceptor(api, async (failedRequest) => {
      failed = failedRequest
      await readmeLogic(state, calls)(failedRequest)
    })
    const response = await api.get('/a')
    expect(response.status).toBe(200)
    expect(calls.n).toBe(1)
    expect(failed?.response.status).toBe(401)
    expect(state.seen.map((s) => s.authorization)).toEqual(['Bearer v0', 'Bearer v2'])
  })

  it('statusCodes: only the listed statuses', async () => {
    const { api, state } = fakeApi((config) => (config.url === '/forbidden' && config.headers.Authorization === 'Bearer v0' ? { status: 403 } : config.url === '/missing' ? { status: 404 } : undefined))
    const calls = { n: 0 }
    createAuthRefreshInterceptor(api, readmeLogic(state, calls), { statusCodes: [401, 403] })
    expect((await api.get('/forbidden')).status).toBe(200)
    await expect(api.get('/missing')).rejects.toMatchObject({ response: { status: 404 } })
    expect(calls.n).toBe(1)
  })

  it('shouldRefresh decides instead of statusCodes; a throwing one means no', async () => {
    const { api, state } = fakeApi((config) => (config.headers.Authorization === 'Bearer v0' ? { status: 400, data: { business_error_code: 100385 } } : undefined))
    const calls = { n: 0 }
    createAuthRefreshInterceptor(api, readmeLogic(state, calls), { shouldRefresh: (error) => (error.response?.data as { business_error_code?: number }).business_error_code === 100385 })
    expect((await api.get('/a')).status).toBe(200)

    const other = fakeApi()
    const otherCalls = { n: 0 }
    createAuthRefreshInterceptor(other.api, readmeLogic(other.state, otherCalls), {
      shouldRefresh: () => {
        throw new Error('bug in the callback')
      },
    })
    await expect(other.api.get('/a')).rejects.toMatchObject({ response: { status: 401 } })
    expect([calls.n, otherCalls.n]).toEqual([1, 0])
  })

  it('shouldRefresh: a truthy answer that is not `true` (1, a string) refreshes, as axios-auth-refresh reads it', async () => {
    for (const answer of [1, 'invalid_token']) {
      const { api, state } = fakeApi()
      const calls = { n: 0 }
      createAuthRefreshInterceptor(api, readmeLogic(state, calls), { shouldRefresh: () => answer as unknown as boolean })
      expect((await api.get('/a')).status).toBe(200)
      expect(calls.n).toBe(1)
    }
  })

  it.each([
    ['returns a copy of the config', (config: InternalAxiosRequestConfig) => ({ ...config })],
    ['returns a copy later (async)', async (config: InternalAxiosRequestConfig) => ({ ...config })],
  ])('a request interceptor added before it that %s: concurrent 401s still refresh once and retry', async (_, copy) => {
    const { api, state } = fakeApi()
    api.interceptors.request.use(copy)
    const calls = { n: 0 }
    createAuthRefreshInterceptor(api, readmeLogic(state, calls))
    const responses = await Promise.all([api.get('/a'), api.get('/b')])
    expect(responses.map((r) => r.status)).toEqual([200, 200])
    expect(calls.n).toBe(1)
  })

  it('request interceptors cleared after it: a 401 still refreshes and retries', async () => {
    const { api, state } = fakeApi()
    const calls = { n: 0 }
    createAuthRefreshInterceptor(api, readmeLogic(state, calls))
    api.interceptors.request.clear()
    expect((await api.get('/a')).status).toBe(200)
    expect(calls.n).toBe(1)
  })

  it.each([true, 1, 'true'])('skipAuthRefresh (%s: any truthy value, as axios-auth-refresh reads it): the 401 comes back as it is', async (skip) => {
    const { api, state } = fakeApi()
    const calls = { n: 0 }
    createAuthRefreshInterceptor(api, readmeLogic(state, calls))
    await expect(api.get('/a', { skipAuthRefresh: skip } as never)).rejects.toMatchObject({ response: { status: 401 } })
    expect(calls.n).toBe(0)
  })

  it('interceptNetworkError: a network error with request.status 0 refreshes and retries; without it, it does not', async () => {
    let down = true
    const { api, state } = fakeApi(() => (down ? 'network-error' : undefined))
    const calls = { n: 0 }
    createAuthRefreshInterceptor(
      api,
      async (failedRequest) => {
        down = false
        await readmeLogic(state, calls)(failedRequest) // failedRequest.response.config exists even without a response
      },
      { interceptNetworkError: true },
    )
    expect((await api.get('/a')).status).toBe(200)

    const off = fakeApi(() => 'network-error')
    const offCalls = { n: 0 }
    createAuthRefreshInterceptor(off.api, readmeLogic(off.state, offCalls))
    await expect(off.api.get('/a')).rejects.toMatchObject({ code: 'ERR_NETWORK' })
    expect([calls.n, offCalls.n]).toEqual([1, 0])
  })
})

describe('retrying', () => {
  it('retryInstance sends the retries (through its own interceptors, with the failed config)', async () => {
    const { api, state } = fakeApi()
    const retryInstance = axios.create()
    retryInstance.interceptors.request.use((config) => {
      config.headers['X-Retry'] = 'via retryInstance'
      return config
    })
    createAuthRefreshInterceptor(api, readmeLogic(state, { n: 0 }), { retryInstance })
    expect((await api.get('/a')).status).toBe(200)
    expect(state.seen.map((s) => s.retry)).toEqual([undefined, 'via retryInstance'])
  })

  it('onRetry changes the config before the retry (sync, async; a throwing one is ignored)', async () => {
    for (const onRetry of [
      (config: InternalAxiosRequestConfig) => {
        config.headers['X-Retry'] = 'true'
        return config
      },
      async (config: InternalAxiosRequestConfig) => {
        config.headers['X-Retry'] = 'true'
        return config
      },
    ]) {
      const { api, state } = fakeApi()
      createAuthRefreshInterceptor(api, readmeLogic(state, { n: 0 }), { onRetry })
      await api.get('/a')
      expect(state.seen.map((s) => s.retry)).toEqual([undefined, 'true'])
    }
    const { api, state } = fakeApi()
    createAuthRefreshInterceptor(api, readmeLogic(state, { n: 0 }), {
      onRetry: () => {
        throw new Error('bug')
      },
    })
    expect((await api.get('/a')).status).toBe(200)
  })

  it('onRetry returning what is not a config (the AxiosHeaders that headers.set() returns) fails that request; no other request goes in its place', async () => {
    const { api, state } = fakeApi()
    createAuthRefreshInterceptor(api, readmeLogic(state, { n: 0 }), { onRetry: (config) => config.headers.set('X-Retry', '1') as never })
    await expect(api.post('/orders', { item: 1 })).rejects.toThrow(/onRetry must return the request config/)
    expect(state.seen.map((s) => s.url)).toEqual(['/orders'])
  })

  it("a refused request carrying credentials of its own (Basic… to a partner) is retried with them: the refresh's token goes only where the token it replaced went", async () => {
    const { api, state } = fakeApi((config) => (config.url === '/partner' && state.seen.filter((s) => s.url === '/partner').length === 1 ? { status: 401 } : undefined))
    const calls = { n: 0 }
    const gate = deferred()
    createAuthRefreshInterceptor(api, readmeLogic(state, calls, gate.promise), { pauseInstanceWhileRefreshing: false })
    const first = api.get('/first')
    await vi.waitFor(() => expect(calls.n).toBe(1))
    const partner = api.get('/partner', { headers: { Authorization: 'Basic cGFydG5lcjpwdw==' } })
    const bare = api.get('/partner', { headers: { Authorization: null } })
    await flush()
    gate.resolve()
    await Promise.all([first, partner.catch(() => {}), bare.catch(() => {})])
    const tokens = state.seen.filter((s) => s.url === '/partner').map((s) => s.authorization)
    expect(tokens).not.toContain('Bearer v2')
    expect(tokens).toContain('Basic cGFydG5lcjpwdw==')
  })

  it('a request is retried once: a second 401 goes back to the caller, with one refresh', async () => {
    const { api } = fakeApi(() => ({ status: 401 }))
    const calls = { n: 0 }
    createAuthRefreshInterceptor(api, async () => void calls.n++)
    await expect(api.get('/a')).rejects.toMatchObject({ response: { status: 401 } })
    expect(calls.n).toBe(1)
  })

  it('maxRetries: 0 turns retrying off', async () => {
    const { api, state } = fakeApi()
    const calls = { n: 0 }
    createAuthRefreshInterceptor(api, readmeLogic(state, calls), { maxRetries: 0 })
    await expect(api.get('/a')).rejects.toMatchObject({ response: { status: 401 } })
    expect(calls.n).toBe(0)
  })

  it('maxRetries: Infinity (axios-auth-refresh takes it) is accepted; a request is still retried once', async () => {
    const { api, state } = fakeApi(() => ({ status: 401 }))
    const calls = { n: 0 }
    createAuthRefreshInterceptor(api, readmeLogic(state, calls), { maxRetries: Number.POSITIVE_INFINITY })
    await expect(api.get('/a')).rejects.toMatchObject({ response: { status: 401 } })
    expect([calls.n, state.seen.length]).toEqual([1, 2])
  })
})

describe('one refresh for everyone', () => {
  it('pauses the instance: requests started during the refresh wait for it, then go out once with the new token', async () => {
    const { api, state } = fakeApi()
    api.interceptors.request.use((config) => {
      if (state.valid !== 'v1') config.headers.Authorization = `Bearer ${state.valid}`
      return config
    })
    const calls = { n: 0 }
    const gate = deferred()
    createAuthRefreshInterceptor(api, readmeLogic(state, calls, gate.promise))
    const first = api.get('/first')
    await vi.waitFor(() => expect(calls.n).toBe(1))
    const later = Array.from({ length: 4 }, (_, i) => api.get(`/later/${i}`))
    await flush()
    expect(state.seen.map((s) => s.url)).toEqual(['/first']) // the later ones are held
    gate.resolve()
    expect((await Promise.all([first, ...later])).map((r) => r.status)).toEqual([200, 200, 200, 200, 200])
    expect(calls.n).toBe(1)
    expect(state.seen.filter((s) => s.url.startsWith('/later')).map((s) => s.authorization)).toEqual(Array(4).fill('Bearer v2'))
  })

  it("a paused request keeps an Authorization of its own: only the token the refresh replaced is updated", async () => {
    const { api, state } = fakeApi((config) => (config.url === '/basic' ? { status: 200 } : undefined))
    const calls = { n: 0 }
    const gate = deferred()
    createAuthRefreshInterceptor(api, readmeLogic(state, calls, gate.promise))
    const first = api.get('/first')
    await vi.waitFor(() => expect(calls.n).toBe(1))
    const own = api.get('/basic', { headers: { Authorization: 'Basic dXNlcjpwYXNz' } })
    const stale = api.get('/stale')
    await flush()
    gate.resolve()
    expect((await Promise.all([first, own, stale])).map((r) => r.status)).toEqual([200, 200, 200])
    const sent = (url: string) => state.seen.filter((s) => s.url === url).map((s) => s.authorization)
    expect([sent('/basic'), sent('/stale')]).toEqual([['Basic dXNlcjpwYXNz'], ['Bearer v2']])
  })

  it.each([
    ['the compat layer', createAuthRefreshInterceptor],
    ['axios-auth-refresh 5.0.2 itself', peerCreateAuthRefresh as unknown as typeof createAuthRefreshInterceptor],
  ])('deduplicateRefresh: false (and pauseInstanceWhileRefreshing: false, its 3.x name) holds them too, as the peer does (%s): one refresh, each request sent once', async (_, create) => {
    for (const options of [{ deduplicateRefresh: false }, { pauseInstanceWhileRefreshing: false }]) {
      const { api, state } = fakeApi()
      // The peer's README: a request interceptor puts the current token on every request.
      api.interceptors.request.use((config) => {
        if (state.valid !== 'v1') config.headers.Authorization = `Bearer ${state.valid}`
        return config
      })
      const calls = { n: 0 }
      const gate = deferred()
      create(api, readmeLogic(state, calls, gate.promise), options)
      const first = api.get('/first')
      await vi.waitFor(() => expect(calls.n).toBe(1))
      const later = Array.from({ length: 4 }, (_, i) => api.get(`/later/${i}`))
      await flush()
      expect(state.seen.map((s) => s.url)).toEqual(['/first']) // held back
      gate.resolve()
      expect((await Promise.all([first, ...later])).map((r) => r.status)).toEqual([200, 200, 200, 200, 200])
      expect(calls.n).toBe(1)
      expect(state.seen.filter((s) => s.url.startsWith('/later')).map((s) => s.authorization)).toEqual(Array(4).fill('Bearer v2'))
    }
  })

  it('a 401 arriving after the refresh for a request sent before it is retried without another refresh', async () => {
    const held = deferred()
    const { api, state } = fakeApi()
    const slowAdapter = api.defaults.adapter as (config: InternalAxiosRequestConfig) => Promise<AxiosResponse>
    api.defaults.adapter = async (config) => {
      if (config.url === '/slow' && config.headers.Authorization === 'Bearer v0') await held.promise
      return slowAdapter(config)
    }
    const calls = { n: 0 }
    createAuthRefreshInterceptor(api, readmeLogic(state, calls))
    const slow = api.get('/slow')
    await flush()
    expect((await api.get('/fast')).status).toBe(200) // refresh 1 happened here
    held.resolve()
    expect((await slow).status).toBe(200)
    expect(calls.n).toBe(1)
  })

  const ours = createAuthRefreshInterceptor
  const peer = peerCreateAuthRefresh as unknown as typeof createAuthRefreshInterceptor
  it.each([
    ['the compat layer', ours, false],
    ['axios-auth-refresh 5.0.2 itself', peer, false],
    ['the compat layer, a request interceptor of the caller setting its own signal after the pause', ours, true],
    ['axios-auth-refresh 5.0.2 itself, the same interceptor', peer, true],
  ] as const)('a request paused by a refresh that fails is cancelled, never sent (%s)', async (_, create, ownSignal) => {
    const { api, state } = fakeApi()
    // Registered before createAuthRefresh: axios runs it after the pause (a timeout set per request, say).
    if (ownSignal) {
      api.interceptors.request.use((config) => {
        config.signal = new AbortController().signal
        return config
      })
    }
    const gate = deferred()
    create(api, async () => {
      await gate.promise
      throw new Error('refresh endpoint said no')
    })
    const first = api.get('/a').catch((e: unknown) => e)
    await vi.waitFor(() => expect(state.seen).toHaveLength(1))
    await flush()
    const paused = api.get('/c').catch((e: unknown) => e)
    gate.resolve()
    const reason = await paused
    expect(axios.isCancel(reason)).toBe(true)
    expect((reason as Error).message).toBe('Request call failed')
    expect(axios.isCancel(await first)).toBe(false)
    expect(state.seen.map((s) => s.url)).toEqual(['/a'])
  })

  it('a failed refresh rejects every waiting request with its error and cancels every paused one; the next 401 tries again', async () => {
    const { api, state } = fakeApi()
    const gate = deferred()
    let attempt = 0
    const failure = new Error('refresh endpoint said no')
    createAuthRefreshInterceptor(api, async (failedRequest: FailedRequest) => {
      attempt++
      if (attempt === 1) {
        await gate.promise
        throw failure
      }
      state.valid = 'v2'
      failedRequest.response.config.headers.Authorization = 'Bearer v2'
    })
    const waiting = [api.get('/a'), api.get('/b')]
    await vi.waitFor(() => expect(attempt).toBe(1))
    const paused = api.get('/c')
    gate.resolve()
    const stackBefore = failure.stack
    const settled = await Promise.allSettled([...waiting, paused])
    const reasons = settled.map((s) => (s.status === 'rejected' ? s.reason : s.value.status))
    // Each request gets its own copy of the refresh's error (axios writes each caller's stack into it).
    for (const reason of reasons.slice(0, 2)) expect(Object.getPrototypeOf(reason)).toBe(failure)
    expect(new Set(reasons).size).toBe(3)
    // The paused one was never sent: axios's CanceledError, as axios-auth-refresh rejects it.
    expect(axios.isCancel(reasons[2])).toBe(true)
    expect(state.seen.map((s) => s.url)).not.toContain('/c')
    expect(failure.stack).toBe(stackBefore)
    expect((await api.get('/d')).status).toBe(200)
    expect(attempt).toBe(2)
  })

  it('a 401 arriving after a failed refresh, for a request sent before it, fails with that error: no second refresh', async () => {
    const held = deferred()
    const { api } = fakeApi()
    const plain = api.defaults.adapter as (config: InternalAxiosRequestConfig) => Promise<AxiosResponse>
    api.defaults.adapter = async (config) => {
      if (config.url === '/slow') await held.promise
      return plain(config)
    }
    let calls = 0
    const failure = new Error('refresh endpoint answered 500')
    createAuthRefreshInterceptor(api, async () => {
      calls++
      throw failure
    })
    const slow = api.get('/slow')
    await flush()
    await expect(api.get('/fast')).rejects.toMatchObject({ message: failure.message }) // the request that started it
    held.resolve()
    await expect(slow).rejects.toMatchObject({ message: failure.message })
    expect(calls).toBe(1)
  })

  it('a refresh past refreshTimeoutMs stays the running one until its logic settles: a 401 meanwhile waits on it, no second logic runs', async () => {
    const { api, state } = fakeApi()
    const calls = { n: 0 }
    const gate = deferred()
    createAuthRefreshInterceptor(api, readmeLogic(state, calls, gate.promise), { refreshTimeoutMs: 50 })
    await expect(api.get('/first')).rejects.toBeInstanceOf(RefreshTimeoutError)
    const late = api.get('/late')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(calls.n).toBe(1)
    gate.resolve()
    expect((await late).status).toBe(200)
    expect(calls.n).toBe(1)
  })

  it('refresh logic that returns no promise fails the refresh with a TypeError', async () => {
    const { api } = fakeApi()
    createAuthRefreshInterceptor(api, (() => undefined) as never)
    await expect(api.get('/a')).rejects.toThrow(/must return a promise/)
  })

  it.each([
    ['returns itself', (thenable: PromiseLike<void>) => thenable],
    ['returns a promise settled at once', () => Promise.resolve()],
  ])('refresh logic returning a thenable whose then %s is waited on as a promise: one logic run, every 401 replayed with its token', async (_, thenReturns) => {
    const { api, state } = fakeApi()
    const calls = { n: 0 }
    createAuthRefreshInterceptor(api, (failedRequest: FailedRequest) => {
      calls.n++
      const thenable: PromiseLike<void> = {
        // biome-ignore lint/suspicious/noThenProperty: a thenable is what this test gives the logic
        then(resolve) {
          setTimeout(() => {
            state.valid = 'v2'
            failedRequest.response.config.headers.Authorization = 'Bearer v2'
            resolve?.()
          }, 10)
          return thenReturns(thenable) as never
        },
      }
      return thenable as never
    })
    const responses = await Promise.all(['/a', '/b', '/c'].map((url) => api.get(url)))
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200])
    expect(calls.n).toBe(1)
  })

  it('the refresh logic may call the same instance: its own 401 does not wait on itself', async () => {
    const { api, state } = fakeApi((config) => (config.url === '/auth/refresh' ? { status: 401 } : undefined))
    createAuthRefreshInterceptor(api, async (failedRequest: FailedRequest) => {
      await api.post('/auth/refresh') // refused: the refresh fails with that error
      state.valid = 'v2'
      failedRequest.response.config.headers.Authorization = 'Bearer v2'
    })
    const started = Date.now()
    await expect(api.get('/a')).rejects.toMatchObject({ config: { url: '/auth/refresh' }, response: { status: 401 } })
    expect(Date.now() - started).toBeLessThan(5_000) // settled by the refusal, not by the refresh timeout
  })
})

describe('a refresh call through the intercepted instance itself', () => {
  it('sent after an await, it would wait on its own refresh: the refresh times out and everyone settles', async () => {
    const { api } = fakeApi((config) => (config.url === '/auth/refresh' ? { status: 401 } : undefined))
    createAuthRefreshInterceptor(
      api,
      async () => {
        await flush()
        await api.post('/auth/refresh') // held back by the pause it is part of
      },
      { refreshTimeoutMs: 200 },
    )
    const settled = await Promise.allSettled([api.get('/a'), api.get('/b')])
    expect(settled.map((s) => s.status === 'rejected' && s.reason instanceof RefreshTimeoutError)).toEqual([true, true])
  })
})

describe('against a real server: the bursts axios-auth-refresh 5 gets wrong', () => {
  let emulator: Emulator<'fib'>
  afterEach(async () => {
    await emulator?.stop()
  })

  // The README's setup, with tokenflight's module in place of axios-auth-refresh.
  function readmeClient(deduplicateRefresh: boolean, refreshTimeoutMs?: number): AxiosInstance {
    let current = emulator.signIn()
    const api = axios.create({ baseURL: emulator.url })
    api.interceptors.request.use((config) => {
      config.headers.Authorization = `Bearer ${current.accessToken}`
      return config
    })
    createAuthRefreshInterceptor(
      api,
      async (failedRequest: FailedRequest) => {
        const { data } = await axios.patch(`${emulator.url}/auth/api/v1/authentication-management/session`, undefined, { headers: { Authorization: `Bearer ${current.refreshToken}` } })
        current = { ...current, accessToken: data.data.accessToken, refreshToken: data.data.refreshToken }
        failedRequest.response.config.headers.Authorization = `Bearer ${current.accessToken}`
      },
      { deduplicateRefresh, ...(refreshTimeoutMs ? { refreshTimeoutMs } : {}) },
    )
    return api
  }

  for (const deduplicateRefresh of [true, false]) {
    it(`1,000 concurrent 401s (deduplicateRefresh: ${deduplicateRefresh}) → 1 refresh, 0 failures, 0 reuse`, async () => {
      emulator = await startEmulator({ provider: 'fib', rotateRefreshTokens: true, reuseDetection: true })
      const api = readmeClient(deduplicateRefresh)
      emulator.expireAccessTokens()
      const settled = await Promise.allSettled(Array.from({ length: 1000 }, (_, i) => api.get(`/api/burst/${i}`)))
      expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(0)
      expect(emulator.stats.refreshCalls).toBe(1)
      expect(emulator.stats.reuseDetections).toBe(0)
    }, 30_000)
  }

  it('a hung refresh (deduplicateRefresh: false): all 100 waiting requests settle with RefreshTimeoutError', async () => {
    emulator = await startEmulator({ provider: 'fib' })
    const api = readmeClient(false, 300)
    emulator.hangNextRefreshes(1)
    emulator.expireAccessTokens()
    const settled = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => api.get(`/api/hung/${i}`)))
    expect(settled.map((s) => s.status === 'rejected' && s.reason instanceof RefreshTimeoutError)).toEqual(Array(100).fill(true))
  }, 30_000)
})
