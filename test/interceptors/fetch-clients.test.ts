/**
 * wrapFetch as the `fetch` of ky and ofetch: the libraries build their own requests (ky a
 * `Request` object, ofetch a URL with init), and a refused burst still costs one refresh, each
 * call is replayed once with the same body, and the libraries see only the final answers.
 */
import ky from 'ky'
import { createFetch } from 'ofetch'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession } from '../../src/index.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'
import { serverPool } from '../_helpers/resource-server.js'

const servers = serverPool()
afterEach(() => servers.stopAll())

async function setUp() {
  const api = await servers.start((token) => token === 'token-1')
  const strategy = countingStrategy()
  const session = createSession({ strategy, tokens: { accessToken: 'token-0' } })
  const authedFetch = wrapFetch(fetch, session, { origins: [api.url] })
  return { api, strategy, authedFetch }
}

// What both libraries must show: every call answered, one refresh, the POST sent twice with its body.
async function expectOneRefreshAndReplayedPost(calls: Array<Promise<{ path: string }>>, { api, strategy }: Awaited<ReturnType<typeof setUp>>) {
  const results = await Promise.all(calls)
  expect(results.map((r) => r.path)).toEqual([...Array.from({ length: 10 }, (_, i) => `/items/${i}`), '/orders'])
  expect(strategy.calls).toBe(1)
  const orders = api.requests.filter((r) => r.path === '/orders')
  expect(orders.map((r) => [r.authorization, r.body.toString()])).toEqual([
    ['Bearer token-0', '{"item":"tea"}'],
    ['Bearer token-1', '{"item":"tea"}'],
  ])
}

describe('wrapFetch behind other fetch clients', () => {
  it('ky: 10 concurrent refused GETs and a JSON POST → 1 refresh, all succeed, the POST body replayed', async () => {
    const setup = await setUp()
    const { api, authedFetch } = setup
    const client = ky.create({ prefixUrl: api.url, fetch: authedFetch as typeof fetch, retry: 0 })
    const gets = Array.from({ length: 10 }, (_, i) => client.get(`items/${i}`).json<{ path: string }>())
    const post = client.post('orders', { json: { item: 'tea' } }).json<{ path: string }>()
    await expectOneRefreshAndReplayedPost([...gets, post], setup)
  })

  it('ofetch: 10 concurrent refused GETs and a JSON POST → 1 refresh, all succeed, the POST body replayed', async () => {
    const setup = await setUp()
    const { api, authedFetch } = setup
    const $fetch = createFetch({ fetch: authedFetch as typeof fetch }).create({ baseURL: api.url, retry: 0 })
    const gets = Array.from({ length: 10 }, (_, i) => $fetch<{ path: string }>(`/items/${i}`))
    const post = $fetch<{ path: string }>('/orders', { method: 'POST', body: { item: 'tea' } })
    await expectOneRefreshAndReplayedPost([...gets, post], setup)
  })

  it('ky and ofetch: a replay refused again reaches the library as the 401 it is (HTTPError / FetchError)', async () => {
    const api = await servers.start(() => false)
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' } })
    const authedFetch = wrapFetch(fetch, session, { origins: [api.url] }) as typeof fetch
    const kyError = await ky.get(`${api.url}/me`, { fetch: authedFetch, retry: 0 }).catch((e: { response?: Response }) => e)
    expect((kyError as { response: Response }).response.status).toBe(401)
    const ofetchError = await createFetch({ fetch: authedFetch })(`${api.url}/me`, { retry: 0 }).catch((e: { status?: number }) => e)
    expect((ofetchError as { status: number }).status).toBe(401)
    expect(api.requests).toHaveLength(4)
  })
})
