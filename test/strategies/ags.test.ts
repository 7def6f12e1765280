import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createSession, SessionExpiredError } from '../../src/index.js'
import { ags } from '../../src/strategies/index.js'
import { type Captured, type MalformedCase, malformedBodies, recordInto, refreshOnce, expectRefreshFailure } from '../_helpers/strategy-harness.js'

const HOST = 'https://ags.example.com:8443'
const PATH = '/ags/refresh'
const NOW = 1_700_000_000_000
const tokens = { accessToken: 'old-access', refreshToken: 'refresh-1' }
const success = {
  access_token: 'new-access',
  refresh_token: 'refresh-2',
  client_id: 'PUB_989',
  accountId: '1663',
  token_type: 'bearer',
  expires_in: 3600,
  refresh_expires_in: 172800,
  fixed_refresh_expires_in: 2592000,
}

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())
afterAll(() => nock.enableNetConnect())

describe('ags strategy', () => {
  it('POSTs { parameters } with the raw refresh token, x-auth-service-id, nv-tenant-id and a new x-correlation-id per call', async () => {
    const requests: Captured[] = []
    nock(HOST).post(PATH).times(2).reply(recordInto(requests, 200, success))
    const strategy = ags({ baseURL: HOST, authServiceId: 'sso-1', tenantId: 'nagra', parameters: [{ name: 'username', value: 'dave' }] })
    const { session, result } = refreshOnce(strategy, tokens, () => NOW)
    await expect(result).resolves.toBe('new-access')
    await session.refresh()
    const [first, second] = requests
    expect(first?.headers).toMatchObject({ authorization: 'refresh-1', 'x-auth-service-id': 'sso-1', 'nv-tenant-id': 'nagra', 'content-type': 'application/json' })
    expect(JSON.parse(first?.body ?? '')).toEqual({ parameters: [{ name: 'username', value: 'dave' }] })
    expect(second?.headers.authorization).toBe('refresh-2') // rotated
    const ids = requests.map((r) => r.headers['x-correlation-id'])
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/)
    expect(ids[0]).not.toBe(ids[1])
  })

  it('sends an empty parameters array by default, no nv-tenant-id without a tenant, and the caller’s correlation id', async () => {
    const requests: Captured[] = []
    nock(HOST).post(PATH).reply(recordInto(requests, 200, success))
    await refreshOnce(ags({ baseURL: HOST, authServiceId: 'sso-1', correlationId: () => 'trace-42' }), tokens).result
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual({ parameters: [] })
    expect(requests[0]?.headers).not.toHaveProperty('nv-tenant-id')
    expect(requests[0]?.headers['x-correlation-id']).toBe('trace-42')
  })

  it('stores the lifetimes: access expiry, refresh expiry and the fixed cap', async () => {
    nock(HOST).post(PATH).reply(200, success)
    const writes: Array<Record<string, unknown>> = []
    const session = createSession({
      strategy: ags({ baseURL: HOST, authServiceId: 'sso-1' }),
      tokens,
      store: { get: () => undefined, set: (t) => void writes.push(t), delete: () => {} },
      now: () => NOW,
    })
    await session.refresh()
    expect(writes.at(-1)).toMatchObject({ refreshToken: 'refresh-2', expiresAt: NOW + 3_600_000, refreshExpiresAt: NOW + 172_800_000, sessionCapAt: NOW + 2_592_000_000 })
  })

  it.each([
    { label: 'the refresh token has expired', tokens: { ...tokens, refreshExpiresAt: NOW } },
    { label: 'the fixed session cap is reached', tokens: { ...tokens, refreshExpiresAt: NOW + 1000, sessionCapAt: NOW - 1 } },
  ])('goes straight to expired with no network call when $label', async ({ tokens: held }) => {
    const scope = nock(HOST).post(PATH).reply(200, success)
    const session = createSession({ strategy: ags({ baseURL: HOST, authServiceId: 'sso-1' }), tokens: held, now: () => NOW })
    let expired = 0
    session.on('expired', () => expired++)
    await expect(session.refresh()).rejects.toBeInstanceOf(SessionExpiredError)
    expect(scope.isDone()).toBe(false)
    expect(expired).toBe(1)
  })

  it.each([
    ['0', { refresh_expires_in: 0, fixed_refresh_expires_in: 0 }],
    ['a fraction of a second', { refresh_expires_in: 0.001, fixed_refresh_expires_in: 0.5 }],
  ])('refresh lifetimes of %s read as unknown: the next refresh asks the server, the session is not ended here', async (_, lifetimes) => {
    let time = NOW
    nock(HOST).post(PATH).reply(200, { ...success, ...lifetimes })
    const session = createSession({ strategy: ags({ baseURL: HOST, authServiceId: 'sso-1' }), tokens, now: () => time })
    await session.refresh()
    time += 1_000
    const scope = nock(HOST).post(PATH).reply(200, { ...success, access_token: 'newer' })
    await expect(session.refresh()).resolves.toBe('newer')
    expect(scope.isDone()).toBe(true)
  })

  it('never moves the fixed cap later, whatever a later answer says', async () => {
    nock(HOST).post(PATH).reply(200, { ...success, fixed_refresh_expires_in: 9_999_999 })
    const writes: Array<Record<string, unknown>> = []
    const session = createSession({
      strategy: ags({ baseURL: HOST, authServiceId: 'sso-1' }),
      tokens: { ...tokens, sessionCapAt: NOW + 1000 },
      store: { get: () => undefined, set: (t) => void writes.push(t), delete: () => {} },
      now: () => NOW,
    })
    await session.refresh()
    expect(writes.at(-1)?.sessionCapAt).toBe(NOW + 1000)
  })

  it.each([
    { status: 400, terminal: true },
    { status: 401, terminal: true },
    { status: 403, terminal: true },
    { status: 500, terminal: false },
    { status: 502, terminal: false },
    { status: 503, terminal: false },
  ])('HTTP $status → terminal: $terminal', async ({ status, terminal }) => {
    nock(HOST).post(PATH).reply(status, { error: `code_${status}` })
    const { session, result } = refreshOnce(ags({ baseURL: HOST, authServiceId: 'sso-1' }), tokens)
    const refreshError = await expectRefreshFailure(session, result, terminal)
    // The document names no codes: the body's stays in the hidden body.
    expect(refreshError).toMatchObject({ status, transient: !terminal, providerCode: undefined, message: `AGS refresh failed with HTTP ${status}` })
    expect(refreshError.body).toEqual({ error: `code_${status}` })
  })

  it.each<MalformedCase>([
    ...malformedBodies,
    { label: 'refresh_token a number', status: 200, body: { ...success, refresh_token: 7 }, field: 'refresh_token' },
  ])('$label → InvalidRefreshResponseError', async ({ status, body, headers, field }) => {
    nock(HOST).post(PATH).reply(status, body, headers)
    const { session, result } = refreshOnce(ags({ baseURL: HOST, authServiceId: 'sso-1' }), tokens)
    await expect(result).rejects.toMatchObject({ name: 'InvalidRefreshResponseError', field: field ?? 'access_token' })
    await expect(session.getAccessToken()).resolves.toBe('old-access')
  })

  it.each([
    { label: 'a number', id: 42 },
    { label: 'an empty string', id: '' },
    { label: 'a value with CR/LF', id: 'id\r\nX-Injected: 1' },
  ])('a correlationId callback returning $label fails the refresh with a TypeError naming it, before any call', async ({ id }) => {
    const scope = nock(HOST).post(PATH).reply(200, success)
    const strategy = ags({ baseURL: HOST, authServiceId: 'sso-1', correlationId: () => id as string })
    const error = await strategy.refresh(tokens, { signal: new AbortController().signal, fetch, now: () => NOW }).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'TypeError', message: expect.stringContaining('`correlationId()`') })
    expect(scope.isDone()).toBe(false)
  })

  it('refuses missing or malformed options at creation', () => {
    expect(() => ags({ baseURL: HOST } as never)).toThrow(/`authServiceId`/)
    expect(() => ags({ baseURL: HOST, authServiceId: 's', parameters: [{ name: 'u' }] } as never)).toThrow(/`parameters\[0\].value`/)
    expect(() => ags({ baseURL: HOST, authServiceId: 's', correlationId: 'fixed' } as never)).toThrow(/`correlationId`/)
  })
})
