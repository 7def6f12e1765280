import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createSession, SessionExpiredError } from '../../src/index.js'
import { oauth2 } from '../../src/strategies/index.js'
import { type Captured, type MalformedCase, malformedBodies, recordInto, refreshOnce, expectRefreshFailure } from '../_helpers/strategy-harness.js'

const ISSUER = 'https://id.example.com'
const PATH = '/oauth/token'
const NOW = 1_700_000_000_000
const tokens = { accessToken: 'old-access', refreshToken: 'refresh-1' }
const success = { access_token: 'new-access', token_type: 'Bearer', expires_in: 3600, refresh_token: 'refresh-2' }
const confidential = { tokenEndpoint: `${ISSUER}${PATH}`, clientId: 's6BhdRkqt3', clientSecret: 'gX1fBat3bV' }

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())
afterAll(() => nock.enableNetConnect())

async function captureOne(options: Parameters<typeof oauth2>[0]): Promise<Captured> {
  const requests: Captured[] = []
  nock(ISSUER).post(PATH).reply(recordInto(requests, 200, success))
  await refreshOnce(oauth2(options), tokens, () => NOW).result
  return requests[0] as Captured
}

describe('oauth2 strategy (RFC 6749 §6)', () => {
  it('basic: form-encoded refresh_token grant with HTTP Basic client credentials', async () => {
    const request = await captureOne({ ...confidential, clientAuth: 'basic' })
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from('s6BhdRkqt3:gX1fBat3bV').toString('base64')}`)
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({ grant_type: 'refresh_token', refresh_token: 'refresh-1' })
  })

  it('basic form-encodes the id and secret before base64 (§2.3.1)', async () => {
    const request = await captureOne({ ...confidential, clientId: 'a b:c', clientSecret: 'p&ss', clientAuth: 'basic' })
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from('a+b%3Ac:p%26ss').toString('base64')}`)
  })

  it('body: client_id and client_secret in the form, no Authorization header', async () => {
    const request = await captureOne({ ...confidential, clientAuth: 'body' })
    expect(request.headers).not.toHaveProperty('authorization')
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'refresh-1',
      client_id: 's6BhdRkqt3',
      client_secret: 'gX1fBat3bV',
    })
  })

  it('none: a public client sends only its client_id; scope when configured', async () => {
    const request = await captureOne({ tokenEndpoint: `${ISSUER}${PATH}`, clientId: 'spa', scope: 'openid profile' })
    expect(request.headers).not.toHaveProperty('authorization')
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({ grant_type: 'refresh_token', refresh_token: 'refresh-1', client_id: 'spa', scope: 'openid profile' })
  })

  it('rotates the refresh token when one is returned, keeps it when not, and reads expires_in', async () => {
    nock(ISSUER).post(PATH).reply(200, success)
    const writes: Array<Record<string, unknown>> = []
    const store = { get: () => undefined, set: (t: Record<string, unknown>) => void writes.push(t), delete: () => {} }
    const session = createSession({ strategy: oauth2(confidential), tokens, store, now: () => NOW })
    await session.refresh()
    expect(writes.at(-1)).toMatchObject({ accessToken: 'new-access', refreshToken: 'refresh-2', expiresAt: NOW + 3_600_000 })
    nock(ISSUER).post(PATH).reply(200, { access_token: 'newer', token_type: 'bearer', expires_in: '60' })
    await session.refresh()
    expect(writes.at(-1)).toMatchObject({ accessToken: 'newer', refreshToken: 'refresh-2', expiresAt: NOW + 60_000 })
  })

  it.each([
    ['scope a number', { scope: 42 }],
    ['scope an array', { scope: ['openid'] }],
    ['id_token an object', { id_token: { raw: 'x' } }],
    ['scope with a line break', { scope: 'read\nwrite' }],
    ['scope with a tab', { scope: 'read\twrite' }],
    ['id_token with CRLF', { id_token: 'eyJ\r\nX-Injected: 1' }],
  ])('an informative field that cannot be kept (%s) reads as absent: the rotated refresh token is kept, not the answer refused', async (_, odd) => {
    nock(ISSUER).post(PATH).reply(200, { ...success, ...odd })
    const session = createSession({ strategy: oauth2(confidential), tokens, now: () => NOW })
    await expect(session.refresh()).resolves.toBe('new-access')
    const presented: string[] = []
    nock(ISSUER)
      .post(PATH, (body: Record<string, string>) => Boolean(presented.push(body.refresh_token ?? '')))
      .reply(200, { ...success, access_token: 'newer', refresh_token: 'refresh-3' })
    await expect(session.refresh()).resolves.toBe('newer')
    expect(presented).toEqual(['refresh-2'])
  })

  it('optional fields written as null (scope, id_token, refresh_token) read as absent: the answer and its other tokens are kept', async () => {
    nock(ISSUER).post(PATH).reply(200, { ...success, scope: null, id_token: null })
    const session = createSession({ strategy: oauth2(confidential), tokens, now: () => NOW })
    await expect(session.refresh()).resolves.toBe('new-access')
    nock(ISSUER).post(PATH).reply(200, { ...success, access_token: 'newer', refresh_token: null })
    const presented: string[] = []
    nock(ISSUER)
      .post(PATH, (body: Record<string, string>) => Boolean(presented.push(body.refresh_token ?? '')))
      .reply(200, { ...success, access_token: 'newest', refresh_token: 'refresh-3' })
    await expect(session.refresh()).resolves.toBe('newer')
    await expect(session.refresh()).resolves.toBe('newest')
    expect(presented).toEqual(['refresh-2']) // the rotated one, kept through the null
  })

  it.each([
    { status: 400, error: 'invalid_grant', terminal: true },
    { status: 401, error: 'invalid_client', terminal: true },
    { status: 400, error: 'invalid_request', terminal: true },
    { status: 400, error: 'unauthorized_client', terminal: true },
    { status: 400, error: 'unsupported_grant_type', terminal: true },
    { status: 400, error: 'invalid_scope', terminal: true },
    { status: 500, error: 'server_error', terminal: false },
    { status: 503, error: 'temporarily_unavailable', terminal: false },
  ])('HTTP $status $error → terminal: $terminal', async ({ status, error, terminal }) => {
    nock(ISSUER).post(PATH).reply(status, { error, error_description: 'details' })
    const { session, result } = refreshOnce(oauth2(confidential), tokens)
    const refreshError = await expectRefreshFailure(session, result, terminal)
    expect(refreshError).toMatchObject({ status, providerCode: error, transient: !terminal })
  })

  it('429 honours Retry-After, then succeeds', async () => {
    nock(ISSUER).post(PATH).reply(429, { error: 'slow_down' }, { 'Retry-After': '1' }).post(PATH).reply(200, success)
    const session = createSession({ strategy: oauth2(confidential), tokens, retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2_000 } })
    const failures: number[] = []
    session.on('refreshFailed', () => failures.push(1))
    const began = performance.now()
    await expect(session.refresh()).resolves.toBe('new-access')
    expect(performance.now() - began).toBeGreaterThanOrEqual(990)
    expect(failures).toEqual([])
  })

  it.each<MalformedCase>([
    ...malformedBodies,
    { label: 'access_token empty', status: 200, body: { ...success, access_token: '' }, field: 'access_token' },
  ])('$label → InvalidRefreshResponseError', async ({ status, body, headers, field }) => {
    nock(ISSUER).post(PATH).reply(status, body, headers)
    const { session, result } = refreshOnce(oauth2(confidential), tokens)
    await expect(result).rejects.toMatchObject({ name: 'InvalidRefreshResponseError', field: field ?? 'access_token' })
    await expect(session.getAccessToken()).resolves.toBe('old-access')
  })

  it('token_type DPoP: a terminal RefreshError, so the refresh token the answer may have rotated is not presented again', async () => {
    const scope = nock(ISSUER).post(PATH).reply(200, { ...success, token_type: 'DPoP' })
    const { session, result } = refreshOnce(oauth2(confidential), tokens)
    const error = await expectRefreshFailure(session, result, true)
    expect([error.transient, error.status]).toEqual([false, 200])
    expect(error.message).not.toContain('DPoP')
    await expect(session.getAccessToken()).rejects.toBeInstanceOf(SessionExpiredError)
    expect(scope.isDone()).toBe(true)
  })

  // Refusing the answer over it would keep the refresh token the answer just rotated: spent.
  it.each([['empty', ''], ['a number', 123], ['null', null], ['padded', ' bearer ']])('token_type %s is read as Bearer: the rotated refresh token is kept', async (_label, tokenType) => {
    nock(ISSUER).post(PATH).reply(200, { ...success, token_type: tokenType })
    const { session, result } = refreshOnce(oauth2(confidential), tokens)
    await expect(result).resolves.toBe('new-access')
    expect(session.state).toBe('active')
    nock(ISSUER)
      .post(PATH, (body: Record<string, string>) => body.refresh_token === 'refresh-2')
      .reply(200, { ...success, access_token: 'newest' })
    await expect(session.refresh()).resolves.toBe('newest')
  })

  it('validates its options when called', () => {
    expect(() => oauth2({ clientId: 'c' } as never)).toThrow(/`tokenEndpoint`/)
    expect(() => oauth2({ tokenEndpoint: 'relative/path', clientId: 'c' })).toThrow(/`tokenEndpoint`.*https URL/)
    expect(() => oauth2({ tokenEndpoint: `${ISSUER}${PATH}`, clientId: 'c', clientAuth: 'basic' })).toThrow(/`clientSecret`/)
    expect(() => oauth2({ tokenEndpoint: `${ISSUER}${PATH}`, clientId: 'c', clientAuth: 'jwt' as never })).toThrow(/`clientAuth`/)
  })
})
