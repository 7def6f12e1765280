import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createSession, InvalidRefreshResponseError, RefreshError, SessionExpiredError } from '../../src/index.js'
import { fib } from '../../src/strategies/index.js'

const AUTH = 'https://fib.example.com'
const PATH = '/auth/api/v1/authentication-management/session'
const tokens = { accessToken: 'old-access', refreshToken: 'refresh-1' }
const ok = (data: Record<string, unknown>) => ({ status: { code: 200, name: 'OK' }, data })

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())
afterAll(() => nock.enableNetConnect())

function refreshOnce(options: { retry?: false; now?: () => number } = {}) {
  const session = createSession({ strategy: fib({ baseURL: AUTH }), tokens, retry: options.retry ?? false, now: options.now })
  return { session, result: session.refresh() }
}

describe('fib strategy', () => {
  it('sends PATCH with Authorization: Bearer <refreshToken> and no body; rotates both tokens', async () => {
    let seen: { headers: Record<string, string | string[] | undefined>; body: unknown } | undefined
    nock(AUTH)
      .patch(PATH)
      .reply(function (_uri, body) {
        seen = { headers: this.req.headers, body }
        return [200, ok({ accessToken: 'new-access', refreshToken: 'refresh-2', expirationTime: 300 })]
      })
    const now = 1_700_000_000_000
    const { session, result } = refreshOnce({ now: () => now })
    await expect(result).resolves.toBe('new-access')
    expect(seen?.headers.authorization).toBe('Bearer refresh-1')
    expect(seen?.body).toBe('')
    // The rotated refresh token is the one presented next time.
    nock(AUTH)
      .patch(PATH)
      .matchHeader('authorization', 'Bearer refresh-2')
      .reply(200, ok({ accessToken: 'newer', refreshToken: 'refresh-3', expirationTime: 300 }))
    await expect(session.refresh()).resolves.toBe('newer')
  })

  it('turns expirationTime (seconds) into expiresAt', async () => {
    nock(AUTH).patch(PATH).reply(200, ok({ accessToken: 'a', refreshToken: 'r', expirationTime: 300 }))
    let time = 1_000_000
    const session = createSession({ strategy: fib({ baseURL: AUTH }), tokens, refreshAheadMs: 0, now: () => time })
    await session.refresh()
    time += 299_999
    await expect(session.getAccessToken()).resolves.toBe('a')
    nock(AUTH).patch(PATH).reply(200, ok({ accessToken: 'b', refreshToken: 'r2', expirationTime: 300 }))
    time += 1
    await expect(session.getAccessToken()).resolves.toBe('b')
  })

  it('keeps a path prefix of baseURL', async () => {
    nock(AUTH).patch(`/tenant-a${PATH}`).reply(200, ok({ accessToken: 'a', refreshToken: 'r', expirationTime: 60 }))
    const session = createSession({ strategy: fib({ baseURL: `${AUTH}/tenant-a/` }), tokens, retry: false })
    await expect(session.refresh()).resolves.toBe('a')
  })

  it.each([
    { status: 400, terminal: true },
    { status: 401, terminal: true },
    { status: 404, terminal: true },
    { status: 422, terminal: true },
    { status: 500, terminal: false },
    { status: 503, terminal: false },
  ])('HTTP $status → terminal: $terminal', async ({ status, terminal }) => {
    nock(AUTH).patch(PATH).reply(status, { status: { code: status, name: `NAME_${status}` } })
    const { session, result } = refreshOnce()
    const error = await result.catch((e: unknown) => e)
    if (terminal) {
      expect(error).toBeInstanceOf(SessionExpiredError)
      expect((error as SessionExpiredError).cause).toMatchObject({ status, transient: false, providerCode: undefined, message: `FIB refresh failed with HTTP ${status}` })
      expect(session.state).toBe('expired')
    } else {
      expect(error).toBeInstanceOf(RefreshError)
      expect(error).toMatchObject({ status, transient: true, providerCode: undefined, message: `FIB refresh failed with HTTP ${status}` })
      expect(session.state).toBe('active')
    }
  })

  it('retries a 500 and succeeds on the next answer', async () => {
    nock(AUTH).patch(PATH).reply(500).patch(PATH).reply(200, ok({ accessToken: 'after-500', refreshToken: 'r', expirationTime: 60 }))
    const session = createSession({ strategy: fib({ baseURL: AUTH }), tokens, retry: { retries: 1, minDelayMs: 1 } })
    await expect(session.refresh()).resolves.toBe('after-500')
  })

  it('a network failure is transient', async () => {
    nock(AUTH).patch(PATH).replyWithError('ECONNRESET')
    const { result } = refreshOnce()
    await expect(result).rejects.toMatchObject({ code: 'ERR_REFRESH_FAILED', transient: true })
  })

  it.each([
    { label: 'an HTML page behind a 200', reply: [200, '<html>Login</html>', { 'content-type': 'text/html' }], field: 'body' },
    { label: 'an empty body', reply: [200, ''], field: 'body' },
    { label: 'truncated JSON', reply: [200, '{"data":{"accessToken":"x"'], field: 'body' },
    { label: '{}', reply: [200, {}], field: 'data.accessToken' },
    { label: 'accessToken of the wrong type', reply: [200, ok({ accessToken: 42, refreshToken: 'r', expirationTime: 60 })], field: 'data.accessToken' },
    { label: 'refreshToken missing', reply: [200, ok({ accessToken: 'a', expirationTime: 60 })], field: 'data.refreshToken' },
  ])('$label → InvalidRefreshResponseError naming $field', async ({ reply, field }) => {
    nock(AUTH)
      .patch(PATH)
      .reply(...(reply as [number, string | object, Record<string, string>?]))
    const { session, result } = refreshOnce()
    const error = (await result.catch((e: unknown) => e)) as InvalidRefreshResponseError
    expect(error).toBeInstanceOf(InvalidRefreshResponseError)
    expect(error.field).toBe(field)
    expect(error.message).toContain(field)
    await expect(session.getAccessToken()).resolves.toBe('old-access') // nothing undefined was stored
  })

  it('refuses a session without a refresh token as terminal, without calling the endpoint', async () => {
    const scope = nock(AUTH).patch(PATH).reply(200, {})
    const session = createSession({ strategy: fib({ baseURL: AUTH }), tokens: { accessToken: 'a' } as never, retry: false })
    await expect(session.refresh()).rejects.toBeInstanceOf(SessionExpiredError)
    expect(scope.isDone()).toBe(false)
  })

  it('validates its options when called', () => {
    expect(() => fib({} as never)).toThrow(/`baseURL`/)
    expect(() => fib({ baseURL: AUTH, pth: '/x' } as never)).toThrow(/Unknown option `pth`/)
  })
})
