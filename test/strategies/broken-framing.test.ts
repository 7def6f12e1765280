/**
 * An answer whose HTTP framing breaks mid-body (a chunk size that is not hex, a proxy gone wrong):
 * undici's parser error carries the raw bytes it read, tokens of the answer and of an echoed
 * request included. What reaches callers and events keeps only safe words of it.
 */
import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession, InvalidRefreshResponseError } from '../../src/index.js'
import { type LoopbackServer, providerCases, startLoopback } from '../_helpers/strategy-harness.js'

const servers: LoopbackServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()))
})

describe.each(providerCases)('$name: a success answer whose chunked framing breaks', (provider) => {
  it('fails with InvalidRefreshResponseError whose cause chain, inspect and refreshFailed event show no token', async () => {
    const echoed = JSON.stringify({ echo: provider.secrets, ...provider.answer(300) })
    const server = await startLoopback((_request, res) => {
      // The first chunk size is not hex: the parser gives up holding what it read.
      res.socket?.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nZZZ\r\n${echoed}\r\n0\r\n\r\n`)
    })
    servers.push(server)
    const session = createSession({ strategy: provider.make(server.url), tokens: provider.tokens, retry: false })
    const events: unknown[] = []
    session.on('refreshFailed', (event) => events.push(event))
    const error = await session.refresh().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRefreshResponseError)
    const texts = [inspect(error, { depth: 10, showHidden: true }), inspect(events, { depth: 10, showHidden: true })]
    const answered = Object.values(provider.answer(300)).flatMap((value) => (typeof value === 'object' && value ? Object.values(value) : [value]))
    const tokens = [...provider.secrets, ...answered.filter((value): value is string => typeof value === 'string' && /-(new|rotated-2)$/.test(value))]
    expect(tokens.length).toBeGreaterThanOrEqual(2)
    for (const text of texts) for (const token of tokens) expect(text).not.toContain(token)
    expect(String((error as Error).cause)).toMatch(/^Error: reading the body failed/)
  })
})
