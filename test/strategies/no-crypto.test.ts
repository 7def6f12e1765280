/**
 * S360's `X-Request-Id` and AGS's `x-correlation-id` are new UUIDs per call. Without a global
 * `crypto` (React Native without a polyfill, old WebViews) the refresh used to crash with
 * `TypeError … getRandomValues`; the ids only tie a call to logs, so a non-crypto UUID serves.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createSession } from '../../src/index.js'
import { type LoopbackServer, type ProviderCase, providerCases, startLoopback } from '../_helpers/strategy-harness.js'

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const servers: LoopbackServer[] = []
afterEach(async () => {
  vi.unstubAllGlobals()
  await Promise.all(servers.splice(0).map((server) => server.stop()))
})

describe.each([
  { name: 's360', header: 'x-request-id' },
  { name: 'ags', header: 'x-correlation-id' },
])('$name without a global crypto', ({ name, header }) => {
  it.each([
    { label: 'no crypto at all', crypto: undefined },
    { label: 'crypto without randomUUID or getRandomValues', crypto: {} },
  ])('$label: each call still carries a new UUID', async ({ crypto }) => {
    const provider = providerCases.find((p) => p.name === name) as ProviderCase
    const auth = await startLoopback((_request, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(provider.answer(300))))
    servers.push(auth)
    const strategy = provider.make(auth.url)
    vi.stubGlobal('crypto', crypto)
    expect(globalThis.crypto?.randomUUID).toBeUndefined()
    const session = createSession({ strategy, tokens: provider.tokens, retry: false })
    await session.refresh()
    await session.refresh()
    const ids = auth.requests.map((request) => request.headers[header])
    expect(ids).toHaveLength(2)
    for (const id of ids) expect(id).toMatch(UUID_V4)
    expect(ids[0]).not.toBe(ids[1])
  })
})
