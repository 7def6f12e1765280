/**
 * axios-auth-refresh 5's public tests (its import checks and interceptor tests), its runnable
 * examples and its README's code, restated in our words and run against the built compat module
 * as `import` (dist/esm) and as `require()` (dist/cjs) load it: `require()` must return the
 * function itself, as the peer's CommonJS entry does.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import axiosLib, { AxiosError, type AxiosInstance, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type * as Compat from '../../src/compat/axios-auth-refresh.js'
import { type BuiltPackage, buildPackage } from '../_helpers/built-package.js'
import { deferred } from '../_helpers/deferred.js'

type CompatModule = typeof Compat
type CreateAuthRefresh = CompatModule['createAuthRefresh']

let built: BuiltPackage
const loaded: Record<'ESM' | 'CJS', { module: CompatModule; callable: CreateAuthRefresh }> = {} as never

beforeAll(async () => {
  built = buildPackage()
  const file = 'compat/axios-auth-refresh.js'
  const esm = (await import(join(built.esm, file))) as CompatModule
  const cjs = createRequire(import.meta.url)(join(built.cjs, file)) as CompatModule & CreateAuthRefresh
  loaded.ESM = { module: esm, callable: esm.default }
  // What `const createAuthRefreshInterceptor = require('tokenflight/compat/axios-auth-refresh')` gives.
  loaded.CJS = { module: cjs, callable: cjs }
}, 60_000)
afterAll(() => built?.remove())

// A stand-in API: accepts `Bearer <state.validToken>`, answers anything else with `failWith`.
interface ApiState {
  validToken: string
  refreshCount: number
}
function stubAdapter(state: ApiState, failWith: { status: number } | 'network-error' = { status: 401 }) {
  return async (config: InternalAxiosRequestConfig): Promise<AxiosResponse> => {
    if (config.headers.Authorization === `Bearer ${state.validToken}`) {
      return { status: 200, statusText: 'OK', data: { ok: true }, headers: {}, config }
    }
    if (failWith === 'network-error') throw new AxiosError('Network Error', AxiosError.ERR_NETWORK, config, { status: 0 })
    const response = { status: failWith.status, statusText: '', data: { message: 'Invalid token' }, headers: {}, config } as AxiosResponse
    throw new AxiosError('Unauthorized', AxiosError.ERR_BAD_REQUEST, config, {}, response)
  }
}
const staleClient = (state: ApiState, failWith?: { status: number } | 'network-error'): AxiosInstance =>
  axiosLib.create({ adapter: stubAdapter(state, failWith), headers: { Authorization: 'Bearer token-v1' } })

// The examples' refresh logic: count the call, put the new token on the failed request.
const refreshTo = (state: ApiState, wait?: () => Promise<void>) => async (failedRequest: Compat.FailedRequest) => {
  await wait?.()
  state.refreshCount++
  failedRequest.response.config.headers.Authorization = `Bearer ${state.validToken}`
}

describe.each(['ESM', 'CJS'] as const)('%s', (format) => {
  const createAuthRefreshInterceptor: CreateAuthRefresh = (...args) => loaded[format].callable(...args)

  describe('what the module exports (the peer’s import checks)', () => {
    it('the default export / require() result is the function, with createAuthRefresh and createAuthRefreshInterceptor beside it', () => {
      const { module, callable } = loaded[format]
      expect(typeof callable).toBe('function')
      expect(typeof module.createAuthRefresh).toBe('function')
      expect(typeof module.createAuthRefreshInterceptor).toBe('function')
      expect(module.default).toBe(module.createAuthRefresh)
      expect(module.createAuthRefreshInterceptor).toBe(module.createAuthRefresh)
      if (format === 'CJS') expect(callable).toBe(module.createAuthRefresh)
    })
  })

  describe('the interceptor (the peer’s public tests)', () => {
    it('throws when no refresh function is given', () => {
      expect(() => createAuthRefreshInterceptor(axiosLib.create(), null as never)).toThrow(TypeError)
    })

    it('returns the interceptor id, a number above -1', () => {
      const id = createAuthRefreshInterceptor(axiosLib.create(), async () => {})
      expect(typeof id).toBe('number')
      expect(id).toBeGreaterThan(-1)
    })

    it('leaves the instance’s other response interceptors where they were after a 401', async () => {
      const instance = staleClient({ validToken: 'token-v2', refreshCount: 0 })
      const id = createAuthRefreshInterceptor(instance, async () => {}) // refreshes nothing: the retry's 401 comes back
      const other = instance.interceptors.response.use((response) => response)
      const handlers = (instance.interceptors.response as unknown as { handlers: unknown[] }).handlers
      const before = [handlers[id], handlers[other]]
      await expect(instance.get('/protected')).rejects.toMatchObject({ response: { status: 401 } })
      expect([handlers[id], handlers[other]]).toEqual(before)
    })
  })

  describe('the peer’s runnable examples', () => {
    it('basic refresh: a 401, one refresh, the request retried with the new token', async () => {
      const state = { validToken: 'token-v2', refreshCount: 0 }
      const instance = staleClient(state)
      createAuthRefreshInterceptor(instance, refreshTo(state))
      expect((await instance.get('/protected')).status).toBe(200)
      expect(state.refreshCount).toBe(1)
    })

    it('skipAuthRefresh: the flagged request gets its 401, the next one refreshes', async () => {
      const state = { validToken: 'token-v2', refreshCount: 0 }
      const instance = staleClient(state)
      createAuthRefreshInterceptor(instance, refreshTo(state))
      await expect(instance.get('/protected', { skipAuthRefresh: true } as Compat.AxiosAuthRefreshRequestConfig)).rejects.toMatchObject({ response: { status: 401 } })
      expect(state.refreshCount).toBe(0)
      expect((await instance.get('/protected')).status).toBe(200)
      expect(state.refreshCount).toBe(1)
    })

    it('deduplicateRefresh: four requests sent while the refresh runs wait for it; one refresh, five 200s', async () => {
      const state = { validToken: 'token-v2', refreshCount: 0 }
      const instance = staleClient(state)
      instance.interceptors.request.use((config) => {
        if (state.refreshCount > 0) config.headers.Authorization = `Bearer ${state.validToken}`
        return config
      })
      const started = deferred()
      const finish = deferred()
      const logic = refreshTo(state, () => {
        started.resolve()
        return finish.promise
      })
      createAuthRefreshInterceptor(instance, logic, { deduplicateRefresh: true })
      const first = instance.get('/protected')
      await started.promise
      const stalled = Array.from({ length: 4 }, () => instance.get('/protected'))
      finish.resolve()
      const responses = await Promise.all([first, ...stalled])
      expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200])
      expect(state.refreshCount).toBe(1)
    })

    it('statusCodes [401, 403]: a 403 refreshes', async () => {
      const state = { validToken: 'token-v2', refreshCount: 0 }
      const instance = staleClient(state, { status: 403 })
      createAuthRefreshInterceptor(instance, refreshTo(state), { statusCodes: [401, 403] })
      expect((await instance.get('/protected')).status).toBe(200)
      expect(state.refreshCount).toBe(1)
    })

    it('shouldRefresh reads the error body and decides', async () => {
      const state = { validToken: 'token-v2', refreshCount: 0 }
      const instance = staleClient(state)
      const shouldRefresh = (error: AxiosError) => (error.response?.data as { message?: string } | undefined)?.message === 'Invalid token'
      createAuthRefreshInterceptor(instance, refreshTo(state), { shouldRefresh })
      expect((await instance.get('/protected')).status).toBe(200)
      expect(state.refreshCount).toBe(1)
    })

    it('onRetry: the header it adds is on the retried request', async () => {
      const state = { validToken: 'token-v2', refreshCount: 0 }
      const retried: unknown[] = []
      const adapter = stubAdapter(state)
      const instance = axiosLib.create({ headers: { Authorization: 'Bearer token-v1' } })
      instance.defaults.adapter = (config) => {
        retried.push(config.headers['X-Retry'])
        return adapter(config)
      }
      createAuthRefreshInterceptor(instance, refreshTo(state), {
        onRetry: (config) => {
          config.headers['X-Retry'] = 'true'
          return config
        },
      })
      expect((await instance.get('/protected')).status).toBe(200)
      expect(state.refreshCount).toBe(1)
      expect(retried).toEqual([undefined, 'true'])
    })

    it('interceptNetworkError: a network error refreshes, and the retry goes out with the new token', async () => {
      const state = { validToken: 'token-v2', refreshCount: 0 }
      let online = false
      const instance = axiosLib.create({ headers: { Authorization: 'Bearer token-v1' } })
      instance.defaults.adapter = (config) => stubAdapter(state, online ? { status: 401 } : 'network-error')(config)
      createAuthRefreshInterceptor(
        instance,
        async (failedRequest) => {
          state.refreshCount++
          online = true
          failedRequest.response.config.headers.Authorization = `Bearer ${state.validToken}`
        },
        { interceptNetworkError: true },
      )
      expect((await instance.get('/protected')).status).toBe(200)
      expect(state.refreshCount).toBe(1)
    })
  })

  describe('the peer’s README, against a loopback server', () => {
    let server: ReturnType<typeof createServer>
    let origin: string
    const storage = new Map<string, string>() // the README's localStorage
    let current = 'first'
    let refreshes = 0
    beforeAll(async () => {
      server = createServer((req: IncomingMessage, res: ServerResponse) => {
        const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
        if (req.url === '/auth/token/refresh' && req.method === 'POST') {
          refreshes++
          current = `token-${refreshes}`
          return json(200, { token: current })
        }
        if (req.url === '/restricted/area') return req.headers.authorization === `Bearer ${current}` ? json(200, { secret: 42 }) : json(401, {})
        json(404, {})
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    })
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))
    afterEach(() => {
      refreshes = 0
      current = 'first'
      storage.clear()
    })

    it('Usage + Request interceptor: ten concurrent 401s, one refresh through the same instance, ten answers', async () => {
      const axios = axiosLib.create()
      // "Function that will be called to refresh authorization"
      const refreshAuthLogic = (failedRequest: Compat.FailedRequest) =>
        axios.post(`${origin}/auth/token/refresh`).then((tokenRefreshResponse) => {
          storage.set('token', tokenRefreshResponse.data.token)
          failedRequest.response.config.headers.Authorization = `Bearer ${tokenRefreshResponse.data.token}`
          return Promise.resolve()
        })
      createAuthRefreshInterceptor(axios, refreshAuthLogic)
      // "Obtain the fresh token each time the function is called"
      const getAccessToken = () => storage.get('token') ?? 'stale'
      axios.interceptors.request.use((request) => {
        request.headers.Authorization = `Bearer ${getAccessToken()}`
        return request
      })
      const answers = await Promise.all(Array.from({ length: 10 }, () => axios.get(`${origin}/restricted/area`)))
      expect(answers.map((answer) => answer.data)).toEqual(Array(10).fill({ secret: 42 }))
      expect(refreshes).toBe(1)
    })

    it('Skipping the interceptor: axios.get(url, { skipAuthRefresh: true }) gets its 401', async () => {
      const axios = axiosLib.create()
      createAuthRefreshInterceptor(axios, () => axios.post(`${origin}/auth/token/refresh`))
      await expect(axios.get(`${origin}/restricted/area`, { skipAuthRefresh: true } as Compat.AxiosAuthRefreshRequestConfig)).rejects.toMatchObject({
        response: { status: 401 },
      })
      expect(refreshes).toBe(0)
    })

    it('Available options: every documented option is accepted as written', () => {
      const axios = axiosLib.create()
      const logic = async () => {}
      expect(() => createAuthRefreshInterceptor(axios, logic, { statusCodes: [401, 403] })).not.toThrow()
      expect(() => createAuthRefreshInterceptor(axios, logic, { shouldRefresh: (error) => (error?.response?.data as { business_error_code?: number })?.business_error_code === 100385 })).not.toThrow()
      expect(() => createAuthRefreshInterceptor(axios, logic, { retryInstance: axiosLib.create() })).not.toThrow()
      expect(() => createAuthRefreshInterceptor(axios, logic, { onRetry: (requestConfig) => ({ ...requestConfig, baseURL: '' }) })).not.toThrow()
      expect(() => createAuthRefreshInterceptor(axios, logic, { deduplicateRefresh: false })).not.toThrow()
      expect(() => createAuthRefreshInterceptor(axios, logic, { interceptNetworkError: true })).not.toThrow()
    })
  })

  describe('skipWhileRefreshing (removed by the peer in 5.0, still in many codebases)', () => {
    afterEach(() => vi.restoreAllMocks())

    it('is accepted with one DeprecationWarning per process, and changes nothing', async () => {
      const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
      const state = { validToken: 'token-v2', refreshCount: 0 }
      const instance = staleClient(state)
      createAuthRefreshInterceptor(instance, refreshTo(state), { skipWhileRefreshing: true })
      createAuthRefreshInterceptor(staleClient(state), refreshTo(state), { skipWhileRefreshing: false })
      expect(emitWarning).toHaveBeenCalledTimes(1)
      expect(emitWarning).toHaveBeenCalledWith(expect.stringContaining('skipWhileRefreshing'), {
        type: 'DeprecationWarning',
        code: 'TOKENFLIGHT_SKIP_WHILE_REFRESHING',
      })
      const answers = await Promise.all(Array.from({ length: 5 }, () => instance.get('/protected')))
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200])
      expect(state.refreshCount).toBe(1)
    })
  })
})

describe('where the process has no emitWarning (a page, a worker)', () => {
  it('skipWhileRefreshing is accepted silently', async () => {
    const fresh = buildPackage() // a module instance that has not warned yet
    const saved = process.emitWarning
    try {
      const { createAuthRefresh } = (await import(join(fresh.esm, 'compat/axios-auth-refresh.js'))) as CompatModule
      ;(process as { emitWarning?: unknown }).emitWarning = undefined
      expect(() => createAuthRefresh(axiosLib.create(), async () => {}, { skipWhileRefreshing: true })).not.toThrow()
    } finally {
      process.emitWarning = saved
      fresh.remove()
    }
  }, 60_000)
})
