/**
 * A platform older than `AbortSignal.reason` (Chrome < 98, Safari < 15.4: targets of the
 * `<script>` build), where `abort(reason)` drops its argument: a caller's abort still ends a wait
 * with an `AbortError`, and tokenflight's own aborts still carry their errors.
 */
import axios, { isCancel } from 'axios'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSession, SessionExpiredError, type Tokens } from '../../src/index.js'
import { attachAxios } from '../../src/interceptors/axios.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'
import { deferred } from '../_helpers/deferred.js'
import { serverPool } from '../_helpers/resource-server.js'

const servers = serverPool()
const reason = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'reason')
beforeEach(() => {
  Reflect.deleteProperty(AbortSignal.prototype, 'reason')
})
afterEach(async () => {
  if (reason) Object.defineProperty(AbortSignal.prototype, 'reason', reason)
  await servers.stopAll()
})

const tokens: Tokens = { accessToken: 'token-0', refreshToken: 'refresh-0' }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function waitingOnRefresh() {
  const api = await servers.start((token) => token === 'token-1')
  const answer = deferred<void>()
  const strategy = countingStrategy(async (call, current) => {
    await answer.promise
    return { ...current, accessToken: `token-${call}` }
  })
  return { api, answer, strategy, session: createSession({ strategy, tokens }) }
}

describe('AbortSignal without `reason`', () => {
  it('the emulation holds: an aborted signal shows no reason', () => {
    const controller = new AbortController()
    controller.abort(new Error('dropped'))
    expect(controller.signal.reason).toBeUndefined()
  })

  it('fetch: an abort while waiting on the refresh rejects with an AbortError', async () => {
    const { api, answer, strategy, session } = await waitingOnRefresh()
    const controller = new AbortController()
    const call = wrapFetch(fetch, session, { origins: [api.url] })(`${api.url}/a`, { signal: controller.signal }).catch((error: unknown) => error)
    while (strategy.calls < 1) await sleep(2)
    controller.abort()
    const error = await call
    expect(error).toBeInstanceOf(DOMException)
    expect((error as DOMException).name).toBe('AbortError')
    answer.resolve()
  })

  it("axios: an abort while waiting on the refresh rejects with axios's CanceledError", async () => {
    const { api, answer, strategy, session } = await waitingOnRefresh()
    const client = axios.create({ baseURL: api.url })
    attachAxios(client, session)
    const controller = new AbortController()
    const call = client.get('/a', { signal: controller.signal }).catch((error: unknown) => error)
    while (strategy.calls < 1) await sleep(2)
    controller.abort()
    expect(isCancel(await call)).toBe(true)
    answer.resolve()
  })

  it('destroy() while a request waits: SessionExpiredError, as on a platform with reasons', async () => {
    const { api, answer, strategy, session } = await waitingOnRefresh()
    const call = wrapFetch(fetch, session, { origins: [api.url] })(`${api.url}/a`).catch((error: unknown) => error)
    while (strategy.calls < 1) await sleep(2)
    await session.destroy()
    expect(await call).toBeInstanceOf(SessionExpiredError)
    answer.resolve()
  })
})
