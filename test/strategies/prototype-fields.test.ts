/**
 * A refresh answer is read by its own fields only: a token field the answer lacks is not supplied
 * by whatever code put on `Object.prototype` after the session was made, and a provider code named
 * like an `Object.prototype` member documents nothing.
 */
import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession, type Tokens } from '../../src/index.js'
import { type LoopbackServer, providerCases, startLoopback } from '../_helpers/strategy-harness.js'

const servers: LoopbackServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()))
})

async function answering(status: number, body: unknown): Promise<string> {
  const server = await startLoopback((_request, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)))
  servers.push(server)
  return server.url
}

// The answer without its token fields (strings), and those fields' names.
function withoutTokens(answer: unknown, names: Set<string> = new Set()): { skeleton: unknown; names: Set<string> } {
  if (typeof answer !== 'object' || answer === null) return { skeleton: answer, names }
  const skeleton: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(answer)) {
    if (typeof value === 'string' && /new|rotated/.test(value)) names.add(key)
    else skeleton[key] = withoutTokens(value, names).skeleton
  }
  return { skeleton, names }
}

describe.each(providerCases)('$name answers read by own fields', (provider) => {
  it('token fields missing from the answer are not taken from Object.prototype', async () => {
    const { skeleton, names } = withoutTokens(provider.answer(3600))
    const url = await answering(200, skeleton)
    const session = createSession({ strategy: provider.make(url), tokens: provider.tokens, retry: false })
    const prototype = Object.prototype as Record<string, unknown>
    for (const name of names) prototype[name] = `polluted-${name}`
    let outcome: unknown
    try {
      outcome = await session.refresh().then(
        async () => JSON.stringify(await session.getAccessToken()),
        (error: unknown) => error,
      )
    } finally {
      for (const name of names) delete prototype[name]
    }
    expect(names.size).toBeGreaterThan(0)
    expect(inspect(outcome, { depth: 10 })).not.toContain('polluted')
  })
})

describe('provider codes named like Object.prototype members', () => {
  const ciamCase = providerCases.find((c) => c.name === 'ciam')
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('CIAM error_code %s: a message without function source, terminal by the status', async (code) => {
    if (!ciamCase) throw new Error('no ciam case')
    const url = await answering(400, { error_code: code, error_msg: 'refused' })
    const session = createSession({ strategy: ciamCase.make(url), tokens: ciamCase.tokens as Tokens, retry: false })
    const error = await session.refresh().catch((caught: unknown) => caught)
    const text = inspect(error, { depth: 10 })
    expect(text).not.toContain('native code')
    expect(text).not.toContain('function')
    expect(session.state).toBe('expired')
  })
})
