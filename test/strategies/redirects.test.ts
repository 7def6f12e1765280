/**
 * A refresh call carries the session's credentials (FIB/AGS Authorization, CIAM's session-token,
 * S360's body and api_key, OAuth2's refresh_token and client_secret). A redirect from the auth
 * endpoint, to another origin or its own, is never followed: it is a transient RefreshError with
 * providerCode REDIRECT_REFUSED, and the redirect's target receives nothing.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createSession, RefreshError } from '../../src/index.js'
import { type LoopbackServer, providerCases, refreshOnce, startLoopback } from '../_helpers/strategy-harness.js'

const servers: LoopbackServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()))
})

async function redirecting(status: number, target: (auth: string) => string) {
  const foreign = await startLoopback((_request, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'))
  const auth = await startLoopback((request, res) => {
    if (request.path.startsWith('/landing')) return void res.writeHead(200).end('{}')
    res.writeHead(status, { location: target(authUrl) }).end()
  })
  const authUrl = auth.url
  servers.push(foreign, auth)
  return { auth, foreign }
}

describe.each(providerCases)('$name refresh call', (provider) => {
  it.each([301, 302, 303, 307, 308])('HTTP %i to another origin: not followed, the other origin receives nothing', async (status) => {
    let foreignUrl = ''
    const { auth, foreign } = await redirecting(status, () => `${foreignUrl}/landing`)
    foreignUrl = foreign.url
    const { session, result } = refreshOnce(provider.make(auth.url), provider.tokens)
    const error = await result.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RefreshError)
    expect(error).toMatchObject({ transient: true, status, providerCode: 'REDIRECT_REFUSED' })
    expect(auth.requests).toHaveLength(1)
    expect(foreign.requests).toEqual([])
    expect(session.state).toBe('active') // the credentials are still good: not signed out
  })

  it('a redirect to the same origin is refused too', async () => {
    const { auth } = await redirecting(307, (own) => `${own}/landing`)
    const { result } = refreshOnce(provider.make(auth.url), provider.tokens)
    await expect(result).rejects.toMatchObject({ name: 'RefreshError', transient: true, status: 307, providerCode: 'REDIRECT_REFUSED' })
    expect(auth.requests.map((r) => r.path)).toEqual([provider.path])
  })
})

describe.each(providerCases)('$name answers that came through a redirect', (provider) => {
  it("a browser's opaqueredirect answer (status 0) is refused", async () => {
    const opaque: typeof fetch = async () => Object.defineProperties(new Response(null), { type: { value: 'opaqueredirect' }, status: { value: 0 } })
    const session = createSession({ strategy: provider.make('https://auth.example.com'), tokens: provider.tokens, retry: false, fetch: opaque })
    await expect(session.refresh()).rejects.toMatchObject({ name: 'RefreshError', transient: true, providerCode: 'REDIRECT_REFUSED' })
  })

  it('a fetch that followed a redirect anyway: its answer is not adopted', async () => {
    const followed: typeof fetch = async () =>
      Object.defineProperty(new Response(JSON.stringify(provider.answer(300)), { headers: { 'content-type': 'application/json' } }), 'redirected', { value: true })
    const session = createSession({ strategy: provider.make('https://auth.example.com'), tokens: provider.tokens, retry: false, fetch: followed })
    await expect(session.refresh()).rejects.toMatchObject({ name: 'RefreshError', providerCode: 'REDIRECT_REFUSED' })
    await expect(session.getAccessToken()).resolves.toBe(provider.tokens.accessToken)
  })
})
