/**
 * A resource server that flaps between 401 and 200 for the same valid token: every request
 * settles, none is sent more than twice, and there is never more than one refresh in flight.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import axios from 'axios'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession } from '../../src/index.js'
import { attachAxios } from '../../src/interceptors/axios.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'

const stops: Array<() => void> = []
afterEach(() => {
  for (const stop of stops.splice(0)) stop()
})

async function flappingServer() {
  const sends = new Map<string, number>()
  let n = 0
  const server = createServer((req, res) => {
    sends.set(req.url ?? '', (sends.get(req.url ?? '') ?? 0) + 1)
    res.writeHead(n++ % 2 === 0 ? 401 : 200).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  stops.push(() => server.close())
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sends }
}

describe.each(['axios', 'fetch'])('a flapping resource server through %s', (client) => {
  it('settles every request, sends none more than twice, refreshes one at a time', async () => {
    const api = await flappingServer()
    let inFlight = 0
    let peak = 0
    const strategy = countingStrategy(async (call, current) => {
      peak = Math.max(peak, ++inFlight)
      await new Promise((resolve) => setTimeout(resolve, 5))
      inFlight--
      return { ...current, accessToken: `token-${call}` }
    })
    const session = createSession({ strategy, tokens: { accessToken: 'token-0' } })
    let send: (path: string) => Promise<number>
    if (client === 'axios') {
      const instance = axios.create({ baseURL: api.url, validateStatus: () => true })
      attachAxios(instance, session)
      send = (path) => instance.get(path).then((r) => r.status)
    } else {
      const authedFetch = wrapFetch(fetch, session, { origins: [api.url] })
      send = (path) => authedFetch(api.url + path).then((r) => r.status)
    }
    const statuses = await Promise.all(Array.from({ length: 100 }, (_, i) => send(`/flap/${i}`)))
    expect(statuses.every((status) => status === 200 || status === 401)).toBe(true)
    expect(Math.max(...api.sends.values())).toBeLessThanOrEqual(2)
    expect(peak).toBe(1)
  })
})
