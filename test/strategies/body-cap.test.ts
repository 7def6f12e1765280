/**
 * A refresh answer is read up to 1 MiB. A server streaming 30 MB (success or error status) is cut
 * off: the body is cancelled, the refresh fails with InvalidRefreshResponseError (success) or the
 * status's RefreshError (error), and the server is not read to the end.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { InvalidRefreshResponseError, RefreshError } from '../../src/index.js'
import { type LoopbackServer, providerCases, refreshOnce, startLoopback } from '../_helpers/strategy-harness.js'

const TOTAL = 30 * 1024 * 1024
const CHUNK = Buffer.alloc(64 * 1024, 'a')

const servers: LoopbackServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()))
})

/** A server that streams `TOTAL` bytes of a JSON string, honouring backpressure; `written()` counts what went out. */
async function streaming(status: number) {
  let sent = 0
  let closed = false
  const server = await startLoopback((_request, res) => {
    res.on('close', () => {
      closed = true
    })
    res.writeHead(status, { 'content-type': 'application/json' })
    res.write('{"data":"')
    const pump = () => {
      while (!closed && sent < TOTAL) {
        sent += CHUNK.length
        if (!res.write(CHUNK)) return void res.once('drain', pump)
      }
      if (!closed) res.end('"}')
    }
    pump()
  })
  servers.push(server)
  return { url: server.url, written: () => sent, closed: () => closed }
}

describe.each(providerCases)('$name reads at most 1 MiB of an answer', (provider) => {
  it('a 30 MB success answer → InvalidRefreshResponseError, the stream cancelled', async () => {
    const server = await streaming(200)
    const { result } = refreshOnce(provider.make(server.url), provider.tokens)
    const error = (await result.catch((e: unknown) => e)) as InvalidRefreshResponseError
    expect(error).toBeInstanceOf(InvalidRefreshResponseError)
    expect(error.field).toBe('body')
    await expect.poll(server.closed).toBe(true)
    expect(server.written()).toBeLessThan(TOTAL / 2)
  })

  it('a 30 MB error answer → the status decides, the stream cancelled', async () => {
    const server = await streaming(503)
    const { result } = refreshOnce(provider.make(server.url), provider.tokens)
    await expect(result).rejects.toMatchObject({ name: 'RefreshError', status: 503, transient: true })
    await expect(result).rejects.toBeInstanceOf(RefreshError)
    await expect.poll(server.closed).toBe(true)
    expect(server.written()).toBeLessThan(TOTAL / 2)
  })
})
