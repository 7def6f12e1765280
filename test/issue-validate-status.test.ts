/**
 * Regression: with `validateStatus: () => true` axios resolves a 401 instead of rejecting it, so
 * an interceptor that only watched rejections never refreshed and handed the 401 to the caller.
 */
import axios from 'axios'
import { afterEach, expect, it } from 'vitest'
import { createSession } from '../src/index.js'
import { attachAxios } from '../src/interceptors/axios.js'
import { countingStrategy } from './_helpers/counting-strategy.js'
import { type ResourceServer, startResourceServer } from './_helpers/resource-server.js'

let api: ResourceServer | undefined
afterEach(() => api?.stop())

it('refreshes and replays a 401 that validateStatus let through as a success', async () => {
  api = await startResourceServer((token) => token === 'token-1')
  const strategy = countingStrategy()
  const session = createSession({ strategy, tokens: { accessToken: 'token-0' } })
  const client = axios.create({ baseURL: api.url, validateStatus: () => true })
  attachAxios(client, session)
  const statuses = await Promise.all(Array.from({ length: 10 }, () => client.get('/x').then((r) => r.status)))
  expect(statuses).toEqual(Array(10).fill(200))
  expect(strategy.calls).toBe(1)
})

it('still returns a replay that is refused again as it came, fulfilled', async () => {
  api = await startResourceServer(() => false)
  const strategy = countingStrategy()
  const session = createSession({ strategy, tokens: { accessToken: 'token-0' } })
  const client = axios.create({ baseURL: api.url, validateStatus: () => true })
  attachAxios(client, session)
  await expect(client.get('/x')).resolves.toMatchObject({ status: 401 })
  expect(strategy.calls).toBe(1)
  expect(api.requests).toHaveLength(2)
})
