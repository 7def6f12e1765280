/**
 * Lifetimes in a refresh answer are the provider's word, and some providers get them wrong:
 * `expires_in: 1e308` used to give a session an expiry that made it refuse the tokens the provider
 * had just rotated. A lifetime is clamped to a year; a negative, non-numeric or missing one is
 * unknown. Either way the refresh succeeds, the rotated credential is kept, and no expiry is
 * non-finite.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createSession, type Tokens } from '../../src/index.js'
import { type LoopbackServer, type ProviderCase, providerCases, startLoopback } from '../_helpers/strategy-harness.js'

const NOW = 1_700_000_000_000
const YEAR_MS = 365 * 24 * 3600 * 1000
const withLifetimes = providerCases.filter((p) => p.expiries(p.tokens as Tokens).length > 0)

const servers: LoopbackServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()))
})

/** Answers with `answer(lifetime)` as raw JSON text, so `1e400` (Infinity once parsed) can be sent. */
async function refreshWith(provider: ProviderCase, lifetime: string) {
  const text = JSON.stringify(provider.answer('LIFETIME')).replaceAll('"LIFETIME"', lifetime)
  const server = await startLoopback((_request, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(text))
  servers.push(server)
  const writes: Tokens[] = []
  const store = { get: () => undefined, set: (t: Tokens) => void writes.push(t), delete: () => {} }
  const session = createSession({ strategy: provider.make(server.url), tokens: provider.tokens, store, retry: false, now: () => NOW })
  await session.refresh()
  return writes.at(-1) as Tokens
}

describe.each(withLifetimes)('$name lifetimes', (provider) => {
  it.each(['1e308', '1e400', '99999999999999999999', '"99999999999"'])('%s is clamped to a year', async (lifetime) => {
    const tokens = await refreshWith(provider, lifetime)
    expect(provider.credential(tokens)).toMatch(/rotated-2$/)
    for (const expiry of provider.expiries(tokens)) expect(expiry).toBe(NOW + YEAR_MS)
  })

  it.each(['0', '"0"', '-0', '-1', '-1e308', '"soon"', '"3600s"', 'null', 'true', '{}', '[]'])('%s is unknown: tokens kept, no expiry', async (lifetime) => {
    const tokens = await refreshWith(provider, lifetime)
    expect(provider.credential(tokens)).toMatch(/rotated-2$/)
    for (const expiry of provider.expiries(tokens)) expect(expiry === undefined || Number.isFinite(expiry)).toBe(true)
    expect(provider.expiries(tokens)[0]).toBeUndefined()
  })

  it.each([
    ['300', 300_000],
    ['"300"', 300_000],
    ['1', 1_000],
  ])('%s counts from the send', async (lifetime, ms) => {
    const tokens = await refreshWith(provider, lifetime)
    expect(provider.expiries(tokens)[0]).toBe(NOW + ms)
  })

  it('0.5 counts for an access token; a credential deadline (CIAM session, AGS refresh and cap) under a second is unknown', async () => {
    const tokens = await refreshWith(provider, '0.5')
    const [first, ...deadlines] = provider.expiries(tokens)
    expect(first).toBe(provider.name === 'ciam' ? undefined : NOW + 500)
    for (const deadline of deadlines) expect(deadline).toBeUndefined()
  })
})
