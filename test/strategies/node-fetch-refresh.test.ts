/**
 * node-fetch as the session's `fetch` (createSession({ fetch })): its body is a Node stream with no
 * `getReader` or `cancel`. A refresh answer is read, bounded and discarded through it as through a
 * web stream: every built-in strategy's outcome is the platform fetch's.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import nodeFetch from 'node-fetch'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession, InvalidRefreshResponseError, SessionExpiredError } from '../../src/index.js'
import { oauth2 } from '../../src/strategies/index.js'

type Answer = { status: number; body: string; headers?: Record<string, string> }
const stops: Array<() => void> = []
afterEach(() => {
  while (stops.length) stops.pop()?.()
})

async function tokenEndpoint(answer: Answer): Promise<string> {
  const server = createServer((req, res) => {
    req.resume()
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(answer.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  stops.push(() => {
    server.close()
    server.closeAllConnections()
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`
}

const tokens = { accessToken: 'nf-access-old', refreshToken: 'nf-refresh-Q4w8Lz' }

// What each answer gives through the platform's fetch and through node-fetch alike.
const cases: Array<[string, Answer, (outcome: unknown) => void]> = [
  [
    'a valid answer: refreshed, the rotated refresh token kept',
    { status: 200, body: JSON.stringify({ access_token: 'nf-access-new', refresh_token: 'nf-refresh-rotated', token_type: 'Bearer' }) },
    (outcome) => expect(outcome).toBe('nf-access-new'),
  ],
  [
    'a redirect: a transient RefreshError, REDIRECT_REFUSED',
    { status: 307, body: '', headers: { location: 'http://127.0.0.1:9/elsewhere' } },
    (outcome) => expect(outcome).toMatchObject({ name: 'RefreshError', transient: true, providerCode: 'REDIRECT_REFUSED' }),
  ],
  [
    'a 400 temporarily_unavailable (documented as retryable): transient, the session still active',
    { status: 400, body: JSON.stringify({ error: 'temporarily_unavailable' }) },
    (outcome) => expect(outcome).toMatchObject({ name: 'RefreshError', transient: true, providerCode: 'temporarily_unavailable' }),
  ],
  [
    'a 400 invalid_grant: the session expires, the code read from the body',
    { status: 400, body: JSON.stringify({ error: 'invalid_grant' }) },
    (outcome) => {
      expect(outcome).toBeInstanceOf(SessionExpiredError)
      expect((outcome as SessionExpiredError).cause).toMatchObject({ providerCode: 'invalid_grant', tokensRefused: true })
    },
  ],
  [
    'a 200 over 1 MiB: InvalidRefreshResponseError, not read whole',
    { status: 200, body: `{"access_token":"${'x'.repeat(1_100_000)}"}` },
    (outcome) => expect(outcome).toBeInstanceOf(InvalidRefreshResponseError),
  ],
]

describe.each([
  ['the platform fetch', globalThis.fetch],
  ['node-fetch 3', nodeFetch as unknown as typeof fetch],
])('refresh through %s', (_, fetchFn) => {
  it.each(cases)('%s', async (_label, answer, check) => {
    const url = await tokenEndpoint(answer)
    const strategy = oauth2({ tokenEndpoint: url, clientId: 'web', allowInsecureHttp: true })
    const stored: Array<typeof tokens> = []
    const store = { get: () => tokens, set: (t: typeof tokens) => void stored.push(t), delete: () => {} }
    const session = createSession({ strategy, tokens, retry: false, fetch: fetchFn, store })
    check(await session.refresh().catch((error: unknown) => error))
    const refreshed = answer.status === 200 && answer.body.length < 1_000
    expect(stored.map((t) => t.refreshToken)).toEqual(refreshed ? ['nf-refresh-rotated'] : [])
    await session.destroy()
  })
})
