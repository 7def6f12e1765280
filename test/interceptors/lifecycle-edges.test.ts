/**
 * A session or an attachment ending while requests wait on it, and axios's legacy cancellation:
 * whatever waits settles at once, and nothing goes out without the token it was refused for.
 */
import { inspect } from 'node:util'
import axios, { AxiosError, isCancel } from 'axios'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession, type Tokens } from '../../src/index.js'
import { attachAxios } from '../../src/interceptors/axios.js'
import { custom } from '../../src/strategies/index.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'
import { deferred, flush } from '../_helpers/deferred.js'
import { serverPool } from '../_helpers/resource-server.js'
import { clientOf, TRANSPORTS } from '../_helpers/transports.js'

const servers = serverPool()
afterEach(() => servers.stopAll())

const tokens: Tokens = { accessToken: 'token-0', refreshToken: 'refresh-0' }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.each(TRANSPORTS)('replays still queued when the session ends (%s)', (transport) => {
  // One replay slot: the first replay is held at the server while two more wait for the slot.
  async function queuedReplays() {
    const held = deferred<boolean>()
    let replays = 0
    const api = await servers.start((token) => (token === 'token-1' && ++replays === 1 ? held.promise : token === 'token-1'))
    // The refresh answers once all three were refused: all three replays queue.
    const strategy = countingStrategy(async (call, current) => {
      while (api.unauthorized < 3) await sleep(2)
      return { ...current, accessToken: `token-${call}` }
    })
    const session = createSession({ strategy, tokens, replayConcurrency: 1 })
    const { call, detach } = clientOf(transport, session, api.url)
    const calls = ['/a', '/b', '/c'].map((path) => call(path))
    while (replays < 1) await sleep(2)
    return { api, session, calls, held, detach }
  }

  it('destroy(): the queued ones fail with SessionExpiredError at once, not when the running replay ends', async () => {
    const { api, session, calls, held, detach } = await queuedReplays()
    const settled: string[] = []
    for (const [i, c] of calls.entries()) void c.then(() => settled.push(String(i)))
    await session.destroy()
    await sleep(20)
    expect(settled).toHaveLength(2)
    held.resolve(true)
    const outcomes = await Promise.all(calls)
    expect(outcomes.filter((o) => 'error' in o && o.error === 'ERR_SESSION_EXPIRED')).toHaveLength(2)
    expect(api.requests.filter((r) => r.authorization === 'Bearer token-1')).toHaveLength(1)
    detach()
  })

  it('clear(): the queued ones fail with SessionExpiredError, none goes out without a token', async () => {
    const { api, session, calls, held, detach } = await queuedReplays()
    await session.clear()
    held.resolve(true)
    const outcomes = await Promise.all(calls)
    expect(outcomes.filter((o) => 'error' in o && o.error === 'ERR_SESSION_EXPIRED')).toHaveLength(2)
    expect(api.requests.filter((r) => r.authorization === undefined)).toHaveLength(0)
    detach()
  })
})

describe('attachAxios detached while requests wait on a refresh', () => {
  it('each gets its refusal as it came; nothing is sent again without the token', async () => {
    const api = await servers.start((token) => token === 'token-1')
    const answer = deferred<void>()
    const strategy = countingStrategy(async (call, current) => {
      await answer.promise
      return { ...current, accessToken: `token-${call}` }
    })
    const session = createSession({ strategy, tokens })
    const client = axios.create({ baseURL: api.url })
    const detach = attachAxios(client, session)
    const calls = ['/a', '/b'].map((path) => client.get(path).catch((error: unknown) => error))
    while (api.unauthorized < 2) await sleep(2)
    detach()
    answer.resolve()
    const errors = await Promise.all(calls)
    for (const error of errors) {
      expect(error).toBeInstanceOf(AxiosError)
      expect((error as AxiosError).response?.status).toBe(401)
    }
    expect(api.requests).toHaveLength(2)
    // The refresh itself ended well: the session serves the next client.
    expect(await session.getAccessToken()).toBe('token-1')
  })
})

describe("axios's legacy CancelToken", () => {
  async function waitingOnRefresh(initial = tokens) {
    const api = await servers.start((token) => token === 'token-1')
    const answer = deferred<void>()
    const strategy = countingStrategy(async (call, current) => {
      await answer.promise
      return { ...current, accessToken: `token-${call}` }
    })
    const session = createSession({ strategy, tokens: initial })
    const client = axios.create({ baseURL: api.url })
    attachAxios(client, session)
    return { api, client, answer, session, strategy }
  }
  const listenersOf = (token: unknown): number => ((token as { _listeners?: unknown[] })._listeners ?? []).length

  it('a cancel while the refused request waits on the refresh rejects at once with the CanceledError', async () => {
    const { api, client, answer, strategy } = await waitingOnRefresh()
    const source = axios.CancelToken.source()
    const call = client.get('/a', { cancelToken: source.token }).catch((error: unknown) => error)
    // Refused and waiting: the refresh has started (a cancel before would end the send itself).
    while (strategy.calls < 1) await sleep(2)
    source.cancel('left the page')
    const error = await Promise.race([call, sleep(1_000).then(() => 'still waiting')])
    expect(isCancel(error)).toBe(true)
    expect((error as Error).message).toBe('left the page')
    answer.resolve()
    await flush()
    expect(api.requests).toHaveLength(1)
  })

  it('a cancel while a first send waits for its expired token to be refreshed rejects at once', async () => {
    const { api, client, answer, session } = await waitingOnRefresh({ ...tokens, expiresAt: Date.now() - 1_000 })
    const refreshing = session.refresh()
    const source = axios.CancelToken.source()
    const call = client.get('/b', { cancelToken: source.token }).catch((error: unknown) => error)
    await sleep(10)
    source.cancel('gone')
    expect(isCancel(await Promise.race([call, sleep(1_000).then(() => 'still waiting')]))).toBe(true)
    answer.resolve()
    await refreshing
    expect(api.requests).toHaveLength(0)
  })

  it.each(['the token', 'the signal'])('with a signal too, cancelling %s while the request waits on the refresh rejects at once', async (which) => {
    const { api, client, answer, strategy } = await waitingOnRefresh()
    const source = axios.CancelToken.source()
    const controller = new AbortController()
    const call = client.get('/a', { cancelToken: source.token, signal: controller.signal }).catch((error: unknown) => error)
    while (strategy.calls < 1) await sleep(2)
    if (which === 'the token') source.cancel('gone')
    else controller.abort()
    expect(isCancel(await Promise.race([call, sleep(1_000).then(() => 'still waiting')]))).toBe(true)
    answer.resolve()
    await flush()
    expect(api.requests).toHaveLength(1)
  })

  it('a token shared by requests whose signal was aborted before they left keeps no listener of ours', async () => {
    const { client } = await waitingOnRefresh()
    const source = axios.CancelToken.source()
    const before = listenersOf(source.token)
    const controller = new AbortController()
    controller.abort()
    const calls = ['/a', '/b', '/c'].map((path) => client.get(path, { cancelToken: source.token, signal: controller.signal }).catch((error: unknown) => error))
    for (const error of await Promise.all(calls)) expect(isCancel(error)).toBe(true)
    expect(listenersOf(source.token)).toBe(before)
  })

  it('a token shared by many requests keeps no listener of ours once they settle', async () => {
    const { api, client, answer } = await waitingOnRefresh()
    const source = axios.CancelToken.source()
    const before = listenersOf(source.token)
    const calls = ['/a', '/b', '/c'].map((path) => client.get(path, { cancelToken: source.token }))
    while (api.unauthorized < 3) await sleep(2)
    answer.resolve()
    expect((await Promise.all(calls)).map((r) => r.status)).toEqual([200, 200, 200])
    expect(listenersOf(source.token)).toBe(before)
  })
})

describe("a custom strategy's own error", () => {
  it('reaches callers and events by its class and code only: an AxiosError quoting the refresh token does not', async () => {
    const api = await servers.start((token) => token === 'token-1')
    const secret = 'refresh-secret-0123456789'
    const strategy = custom(async (current) => {
      // What an axios refresh call rejects with: its config keeps the body and headers it sent.
      const config = { data: JSON.stringify({ token: current.refreshToken }), headers: { Authorization: `Bearer ${current.refreshToken}` } }
      throw new AxiosError(`Request failed for ${current.refreshToken}`, 'ERR_BAD_REQUEST', config as never)
    })
    const session = createSession({ strategy, tokens: { accessToken: 'token-0', refreshToken: secret } })
    const seen: unknown[] = []
    session.on('refreshFailed', (event) => seen.push(event))
    const client = axios.create({ baseURL: api.url })
    attachAxios(client, session)
    const errors = await Promise.all([client.get('/a').catch((e: unknown) => e), session.refresh().catch((e: unknown) => e)])
    for (const shown of [...errors, ...seen]) {
      expect(inspect(shown, { depth: 8, showHidden: true })).not.toContain(secret)
      expect(JSON.stringify(shown) ?? '').not.toContain(secret)
    }
    expect((errors[1] as Error).message).toBe("The strategy's refresh failed (AxiosError, ERR_BAD_REQUEST)")
    expect((errors[1] as { code?: string }).code).toBe('ERR_BAD_REQUEST')
    // Not retried and not terminal, as any error but RefreshError.
    expect(session.state).toBe('active')
  })

  it('a thrown string is no message either', async () => {
    const session = createSession({
      strategy: custom(async () => {
        throw 'refresh-secret-abc'
      }),
      tokens,
    })
    const error = await session.refresh().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect(String(error)).not.toContain('refresh-secret-abc')
  })
})
