import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Readable } from 'node:stream'
import axios, { AxiosError, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios'
import { describe, expect, it } from 'vitest'
import { createSession, type Tokens } from '../../src/index.js'
import type { AuthFailureInput } from '../../src/interceptors/axios.js'
import { attachAxios } from '../../src/interceptors/axios.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { custom } from '../../src/strategies/index.js'
import { deferred, flush } from '../_helpers/deferred.js'

// A refused request's own response is no use once its replay is out (only the replay's outcome is
// returned): holding it for the replay's round trip keeps a burst's refused requests and
// responses alive beside their replays.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 5 && ref.deref(); i++) {
    await flush()
    gc()
  }
  return ref.deref() === undefined
}

const refreshedSession = () => createSession({ strategy: custom(async (tokens) => ({ ...tokens, accessToken: 'token-1' })), tokens: { accessToken: 'token-0' } })

// An axios API refusing token-0 with `refusal(config)`'s response and holding the replay (token-1)
// until `answer` resolves; `replaying` resolves once the replay is in.
function heldReplayApi(refusal: (config: InternalAxiosRequestConfig) => AxiosResponse) {
  const replaying = deferred()
  const answer = deferred()
  const state: { refused: WeakRef<object> | undefined } = { refused: undefined }
  const adapter: AxiosAdapter = async (config) => {
    if (config.headers.get('Authorization') === 'Bearer token-1') {
      replaying.resolve()
      await answer.promise
      return { data: 'ok', status: 200, statusText: 'OK', headers: {}, config }
    }
    const response = refusal(config)
    state.refused = new WeakRef(response)
    throw new AxiosError('Request failed with status code 401', AxiosError.ERR_BAD_REQUEST, config, response.request, response)
  }
  const api = axios.create({ baseURL: 'https://api.test', adapter })
  attachAxios(api, refreshedSession())
  return { api, replaying, answer, state }
}

describe('a refused response is let go once its replay is out', () => {
  it('through axios', async () => {
    const { api, replaying, answer, state } = heldReplayApi((config) => ({ data: 'x'.repeat(1_000), status: 401, statusText: '', headers: {}, config, request: { refused: true } }))
    const call = api.get('/me')
    await replaying.promise
    expect(await collected(state.refused as WeakRef<object>)).toBe(true)
    answer.resolve()
    expect((await call).data).toBe('ok')
  })

  it('through fetch', async () => {
    const replaying = deferred()
    const replayAnswer = deferred()
    let refused: WeakRef<object> | undefined
    const fakeFetch = (async (_input: RequestInfo | URL, init?: RequestInit) => {
      if (new Headers(init?.headers).get('authorization') === 'Bearer token-1') {
        replaying.resolve()
        await replayAnswer.promise
        return new Response('ok')
      }
      const response = new Response('x'.repeat(1_000), { status: 401, headers: { 'content-length': '1000' } })
      refused = new WeakRef(response)
      return response
    }) as typeof fetch
    const authedFetch = wrapFetch(fakeFetch, refreshedSession(), { origins: ['https://api.test'] })
    const call = authedFetch('https://api.test/me')
    await replaying.promise
    expect(await collected(refused as WeakRef<object>)).toBe(true)
    replayAnswer.resolve()
    expect(await (await call).text()).toBe('ok')
  })

  it('through fetch: what a rule read of the body is let go while the request waits on the refresh', async () => {
    const refresh = deferred<Tokens>()
    let read: WeakRef<object> | undefined
    const fakeFetch = (async (_input: RequestInfo | URL, init?: RequestInit) => {
      if (new Headers(init?.headers).get('authorization') === 'Bearer token-1') return new Response('ok')
      return new Response(JSON.stringify({ error: 'token_expired', detail: 'x'.repeat(100_000) }), { status: 401 })
    }) as typeof fetch
    const rule = async (response: AuthFailureInput) => {
      const body = (await response.body()) as { error: string }
      read = new WeakRef(body)
      return body.error === 'token_expired'
    }
    const refreshing = deferred()
    const strategy = custom(() => {
      refreshing.resolve()
      return refresh.promise
    })
    const session = createSession({ strategy, tokens: { accessToken: 'token-0' } })
    const call = wrapFetch(fakeFetch, session, { origins: ['https://api.test'], authFailure: rule })('https://api.test/me')
    await refreshing.promise
    expect(await collected(read as WeakRef<object>)).toBe(true)
    refresh.resolve({ accessToken: 'token-1' })
    expect(await (await call).text()).toBe('ok')
  })

  it('through axios, with a stream body the refused response holds on to', async () => {
    const { api, replaying, answer, state } = heldReplayApi((config) => {
      // As axios's own stream listeners do, the body reaches its response.
      const data = Object.assign(Readable.from(['x'.repeat(1_000)]), { response: undefined as AxiosResponse | undefined })
      const response = { data, status: 401, statusText: '', headers: {}, config, request: {} }
      data.response = response
      return response
    })
    const call = api.get('/me', { responseType: 'stream' })
    await replaying.promise
    expect(await collected(state.refused as WeakRef<object>)).toBe(true)
    answer.resolve()
    expect((await call).data).toBe('ok')
  })
})

describe('what a refusal rule reads stays readable after the replay leaves', () => {
  it('through axios: status, headers and body, as read before', async () => {
    let kept: AuthFailureInput | undefined
    const adapter: AxiosAdapter = async (config) => {
      if (config.headers.get('Authorization') === 'Bearer token-1') return { data: 'ok', status: 200, statusText: 'OK', headers: {}, config }
      const response = { data: '{"code":"EXPIRED"}', status: 401, statusText: '', headers: { 'www-authenticate': 'Bearer error="invalid_token"' }, config, request: {} }
      throw new AxiosError('Request failed with status code 401', AxiosError.ERR_BAD_REQUEST, config, response.request, response)
    }
    const api = axios.create({ baseURL: 'https://api.test', adapter })
    attachAxios(api, refreshedSession(), {
      authFailure: (input) => {
        kept = input
        return input.status === 401
      },
    })
    expect((await api.get('/me')).data).toBe('ok')
    const input = kept as AuthFailureInput
    expect(input.status).toBe(401)
    expect(input.headers.get('WWW-Authenticate')).toBe('Bearer error="invalid_token"')
    const body = await input.body()
    expect(body).toEqual({ code: 'EXPIRED' })
    expect(await input.body()).toBe(body)
  })

  // Through fetch the refused body is discarded before the refresh wait (it holds a connection).
  async function keptThroughFetch(readInRule: boolean) {
    let kept: AuthFailureInput | undefined
    let inRule: unknown
    const fakeFetch = (async (_input: RequestInfo | URL, init?: RequestInit) =>
      new Headers(init?.headers).get('authorization') === 'Bearer token-1'
        ? new Response('ok')
        : new Response('{"code":"EXPIRED"}', { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"', 'content-length': '18' } })) as typeof fetch
    const authedFetch = wrapFetch(fakeFetch, refreshedSession(), {
      origins: ['https://api.test'],
      authFailure: async (input) => {
        kept = input
        if (readInRule) inRule = await input.body()
        return input.status === 401
      },
    })
    expect(await (await authedFetch('https://api.test/me')).text()).toBe('ok')
    return { input: kept as AuthFailureInput, inRule }
  }

  it('through fetch: status and headers as read before, and a body read in the rule', async () => {
    const { input, inRule } = await keptThroughFetch(true)
    expect(input.status).toBe(401)
    expect(input.headers.get('WWW-Authenticate')).toBe('Bearer error="invalid_token"')
    expect(inRule).toEqual({ code: 'EXPIRED' })
    expect(await input.body()).toBe(inRule)
  })

  it('through fetch: a body first asked for after the refusal rejects, saying when to read it (never a throw)', async () => {
    const { input } = await keptThroughFetch(false)
    let read: Promise<unknown> | undefined
    expect(() => {
      read = input.body()
    }).not.toThrow()
    await expect(read).rejects.toThrow(/discarded once judged: with fetch, read body\(\) while the authFailure rule runs/)
    expect(input.status).toBe(401)
  })
})
