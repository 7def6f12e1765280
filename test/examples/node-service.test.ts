/** examples/node-service: its clients' requests across an expiry all succeed, with one refresh. */
import { afterEach, describe, expect, it } from 'vitest'
import { type NodeService, startNodeService } from '../../examples/node-service/server.js'

describe('examples/node-service', () => {
  let service: NodeService | undefined
  afterEach(async () => {
    await service?.stop()
  })

  it('50 concurrent GET /orders after the API expired the token → all 200, one refresh call', async () => {
    // A token that lives a minute, so no refresh ahead of expiry happens during the test.
    service = await startNodeService({ accessTtlMs: 60_000 })
    const get = () => fetch(`${service?.url}/orders`).then(async (r) => [r.status, ((await r.json()) as { upstreamStatus: number }).upstreamStatus])
    expect(await get()).toEqual([200, 200])
    service.emulator.expireAccessTokens()
    const results = await Promise.all(Array.from({ length: 50 }, get))
    expect(results).toEqual(Array(50).fill([200, 200]))
    expect(service.emulator.stats.refreshCalls).toBe(1)
  })

  it('unknown routes are 404', async () => {
    service = await startNodeService()
    expect((await fetch(`${service.url}/nope`)).status).toBe(404)
  })
})
