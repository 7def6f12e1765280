/**
 * The ends of the axios peer range, each real: 1.6.0 (the oldest allowed, before
 * `allowAbsoluteUrls`), 1.8.1 (whose Node adapter ignores `allowAbsoluteUrls` while `getUri`
 * honours it, and which reads it as `== false`) and the version the rest of the tests run.
 */
import axios, { type AxiosInstance, type AxiosRequestTransformer, type AxiosStatic, type InternalAxiosRequestConfig } from 'axios'
import axios160 from 'axios-1.6.0'
import axios181 from 'axios-1.8.1'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createSession } from '../../src/index.js'
import { attachAxios } from '../../src/interceptors/axios.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'
import { deferred } from '../_helpers/deferred.js'
import { serverPool, statusOf } from '../_helpers/resource-server.js'

const servers = serverPool()
afterEach(() => servers.stopAll())

const versions = [
  ['1.6.0', axios160],
  ['1.8.1', axios181],
  [axios.VERSION, axios],
] as unknown as Array<[string, AxiosStatic]>


// An instance of `lib` on a server that accepts `token-1` only, attached to a session holding `token-0`.
async function attached(lib: AxiosStatic, config: Record<string, unknown> = {}, answer?: Parameters<typeof countingStrategy>[0]) {
  const home = await servers.start((token) => token === 'token-1')
  const foreign = await servers.start(() => false)
  const strategy = countingStrategy(answer)
  const session = createSession({ strategy, tokens: { accessToken: 'token-0' } })
  const instance = lib.create({ baseURL: home.url, ...config }) as unknown as AxiosInstance
  attachAxios(instance, session, { origins: [home.url] })
  const tokensAt = (server: typeof home) => server.requests.map((r) => r.authorization)
  return { home, foreign, strategy, session, instance, tokensAt }
}

describe.each(versions)('axios %s', (_, lib) => {
  it('a burst of 20 on a refused token: 1 refresh, every request replayed with the new token, JSON bodies intact', async () => {
    const { instance, strategy, home } = await attached(lib)
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => statusOf(instance.post('/x', { i }))))
    expect(statuses).toEqual(Array(20).fill(200))
    expect(strategy.calls).toBe(1)
    const replayed = home.requests.filter((r) => r.authorization === 'Bearer token-1').map((r) => JSON.parse(r.body.toString()).i)
    expect(replayed.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i))
  })

  it('allowAbsoluteUrls: false and an absolute URL to another origin: the token never reaches that origin, wherever this version sends it', async () => {
    const { instance, foreign, tokensAt } = await attached(lib, { allowAbsoluteUrls: false })
    await statusOf(instance.get(`${foreign.url}/x`))
    await statusOf(instance.get(`//${new URL(foreign.url).host}/y`))
    expect(tokensAt(foreign).filter(Boolean)).toEqual([])
  })

  it('allowAbsoluteUrls: 0 (read as false by some versions) with a foreign baseURL: the token never reaches that baseURL', async () => {
    const { home, foreign, strategy } = await attached(lib)
    const session = createSession({ strategy, tokens: { accessToken: 'token-1' } })
    const instance = lib.create({ baseURL: foreign.url, allowAbsoluteUrls: 0 } as never) as unknown as AxiosInstance
    attachAxios(instance, session, { origins: [home.url] })
    await statusOf(instance.get(`${home.url}/x`))
    expect(foreign.requests.map((r) => r.authorization).filter(Boolean)).toEqual([])
  })

  it('a same-origin absolute URL under allowAbsoluteUrls: false still carries the token', async () => {
    const { instance, home } = await attached(lib, { allowAbsoluteUrls: false })
    expect(await statusOf(instance.get(`${home.url}/x`))).toBe(200)
  })

  it('a transformRequest step an interceptor adds to the replay that moves it elsewhere: the new token stays home', async () => {
    const { instance, foreign, tokensAt } = await attached(lib)
    let sends = 0
    // Registered after attachAxios: axios runs it before tokenflight's, on the first send and the replay.
    instance.interceptors.request.use((config) => {
      const move = sends++ === 1
      const moveThere: AxiosRequestTransformer = function (this: InternalAxiosRequestConfig, data) {
        if (move) this.url = `${foreign.url}/stolen`
        return data
      }
      config.transformRequest = [...[config.transformRequest ?? []].flat(), moveThere]
      return config
    })
    await statusOf(instance.get('/me'))
    expect(foreign.requests.map((r) => r.path)).toEqual(['/stolen'])
    expect(tokensAt(foreign)).toEqual([undefined])
  })

  // Added before attachAxios, so this version runs it after tokenflight's (its own order, whether or not it can be told otherwise).
  async function interceptedFirst(interceptor: (config: InternalAxiosRequestConfig) => InternalAxiosRequestConfig) {
    const home = await servers.start((token) => token === 'token-1')
    const foreign = await servers.start(() => true)
    const instance = lib.create({ baseURL: home.url }) as unknown as AxiosInstance
    instance.interceptors.request.use(interceptor)
    attachAxios(instance, createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' } }))
    return { home, foreign, instance }
  }

  it('an interceptor running after tokenflight that moves the request and assigns steps of its own: sent without the token', async () => {
    let foreignUrl = ''
    const { foreign, instance } = await interceptedFirst((config) => {
      config.baseURL = foreignUrl
      config.transformRequest = [(data) => data]
      return config
    })
    foreignUrl = foreign.url
    expect(await statusOf(instance.get('/me'))).toBe(200)
    expect(foreign.requests.map((r) => r.authorization)).toEqual([undefined])
  })

  it('an interceptor running after tokenflight that pushes a body-changing step: the replay sends the bytes first sent', async () => {
    const bang: AxiosRequestTransformer = (data) => (typeof data === 'string' ? `${data}!` : data)
    const { home, instance } = await interceptedFirst((config) => {
      config.transformRequest = [...[config.transformRequest ?? []].flat(), bang]
      return config
    })
    expect(await statusOf(instance.post('/x', { item: 42 }))).toBe(200)
    expect(home.requests.map((r) => r.body.toString())).toEqual(['{"item":42}!', '{"item":42}!'])
  })

  it('a redirect to another origin: the token does not follow it', async () => {
    const { instance, foreign, tokensAt } = await attached(lib)
    await statusOf(instance.get(`/redirect?to=${encodeURIComponent(`${foreign.url}/landed`)}`))
    expect(foreign.requests.map((r) => r.path)).toEqual(['/landed'])
    expect(tokensAt(foreign)).toEqual([undefined])
  })

  it('aborted while waiting for the refresh: a cancel error at once, the others replayed', async () => {
    const refresh = deferred<void>()
    const { instance, strategy } = await attached(lib, {}, async (call) => {
      await refresh.promise
      return { accessToken: `token-${call}` }
    })
    const controller = new AbortController()
    const waiting = instance.get('/x', { signal: controller.signal }).catch((e: unknown) => e)
    const other = statusOf(instance.get('/y'))
    await vi.waitFor(() => expect(strategy.calls).toBe(1))
    controller.abort()
    expect(lib.isCancel(await waiting)).toBe(true)
    refresh.resolve()
    expect(await other).toBe(200)
  })
})
