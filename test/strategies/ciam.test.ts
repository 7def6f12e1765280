import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createSession, SessionExpiredError } from '../../src/index.js'
import { ciam } from '../../src/strategies/index.js'
import { type Captured, type MalformedCase, malformedBodies, recordInto, refreshOnce, expectRefreshFailure } from '../_helpers/strategy-harness.js'

const DOMAIN = 'https://tenant.idaas.example.com'
const PATH = '/api/v2/sdk/sso/session-token/id-token'
const device = { fingerprint: '156aysdna213sc50', osVersion: 'windows10.1.1', agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 13_3 like Mac OS X)' }
const clientId = 'nTo1eRIub60vPb54WeE6aojPwYwImtl4'
const tokens = { accessToken: 'old-id-token', sessionToken: 'session-1' }
const jwt = (exp: number) => `e30.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.sig`
const NOW = 1_700_000_000_000

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())
afterAll(() => nock.enableNetConnect())

describe('ciam strategy', () => {
  it('POSTs with session-token, X-client-id, every device header and content-type; no body', async () => {
    const requests: Captured[] = []
    nock(DOMAIN).post(PATH).reply(recordInto(requests, 200, { session_token: 'session-1', expire: 604800, id_token: jwt(NOW / 1000 + 300) }))
    const strategy = ciam({ baseURL: DOMAIN, clientId, device: { ...device, ip: '192.168.1.2', language: 'zh' } })
    await refreshOnce(strategy, tokens, () => NOW).result
    const [request] = requests
    expect(request?.method).toBe('POST')
    expect(request?.body).toBe('')
    expect(request?.headers).toMatchObject({
      'session-token': 'session-1',
      'x-client-id': clientId,
      'x-device-fingerprint': device.fingerprint,
      'x-operating-sys-version': device.osVersion,
      'x-agent': device.agent,
      'x-device-ip': '192.168.1.2',
      'x-l': 'zh',
      'content-type': 'application/json',
    })
  })

  it('leaves the optional device headers out when not configured', async () => {
    const requests: Captured[] = []
    nock(DOMAIN).post(PATH).reply(recordInto(requests, 200, { session_token: 'session-1', expire: 60, id_token: 'x' }))
    await refreshOnce(ciam({ baseURL: DOMAIN, clientId, device }), tokens).result
    expect(requests[0]?.headers).not.toHaveProperty('x-device-ip')
    expect(requests[0]?.headers).not.toHaveProperty('x-l')
  })

  it('uses the id_token as access token with its JWT exp, and the rotated session_token next time', async () => {
    let time = NOW
    nock(DOMAIN).post(PATH).reply(200, { session_token: 'session-2', expire: 604800, id_token: jwt(NOW / 1000 + 300) })
    const session = createSession({ strategy: ciam({ baseURL: DOMAIN, clientId, device }), tokens, refreshAheadMs: 0, now: () => time })
    await expect(session.refresh()).resolves.toBe(jwt(NOW / 1000 + 300))
    time = NOW + 299_000
    await session.getAccessToken() // still valid: no call
    nock(DOMAIN).post(PATH).matchHeader('session-token', 'session-2').reply(200, { session_token: 'session-3', expire: 604800, id_token: jwt(NOW / 1000 + 900) })
    time = NOW + 300_000 // the id_token's exp: refreshed with the rotated session token
    await expect(session.getAccessToken()).resolves.toBe(jwt(NOW / 1000 + 900))
  })

  it('keeps the session_token when the answer does not rotate it, and does not call past its expire', async () => {
    let time = NOW
    nock(DOMAIN).post(PATH).reply(200, { session_token: 'session-1', expire: 10, id_token: 'opaque-1' })
    const session = createSession({ strategy: ciam({ baseURL: DOMAIN, clientId, device }), tokens, now: () => time })
    let expired = 0
    session.on('expired', () => expired++)
    await session.refresh()
    const scope = nock(DOMAIN).post(PATH).reply(200, { session_token: 'session-1', expire: 10, id_token: 'opaque-2' })
    time = NOW + 10_000 // the session_token's validity is over
    await expect(session.refresh()).rejects.toBeInstanceOf(SessionExpiredError)
    expect(scope.isDone()).toBe(false)
    expect(expired).toBe(1)
  })

  it.each([0, 0.001, '0'])('an expire of %s reads as unknown: the next refresh asks the server, the session is not ended here', async (expire) => {
    let time = NOW
    nock(DOMAIN).post(PATH).reply(200, { session_token: 'session-1', expire, id_token: 'opaque-1' })
    const session = createSession({ strategy: ciam({ baseURL: DOMAIN, clientId, device }), tokens, now: () => time })
    await session.refresh()
    time += 1_000
    const scope = nock(DOMAIN).post(PATH).reply(200, { session_token: 'session-2', expire: 604800, id_token: 'opaque-2' })
    await expect(session.refresh()).resolves.toBe('opaque-2')
    expect(scope.isDone()).toBe(true)
  })

  it.each([
    { code: 'IDAAS.SDK.PARAM.0001', terminal: true, hint: /X-device-fingerprint/ },
    { code: 'IDAAS.SDK.PARAM.0002', terminal: true, hint: /clientId/ },
    { code: 'IDAAS.SDK.PARAM.0003', terminal: true, hint: /not registered/ },
    { code: 'IDAAS.SDK.PARAM.0022', terminal: true, hint: /empty/ },
    { code: 'IDAAS.SDK.PARAM.0023', terminal: true, hint: /invalid or expired/ },
    { code: 'IDAAS.SDK.COM.0002', terminal: false, hint: /HTTP 400/ },
  ])('400 $code → terminal: $terminal, with a message that says what to fix', async ({ code, terminal, hint }) => {
    nock(DOMAIN).post(PATH).reply(400, { error_code: code, error_msg: 'message from the provider' })
    const { session, result } = refreshOnce(ciam({ baseURL: DOMAIN, clientId, device }), tokens)
    const refreshError = await expectRefreshFailure(session, result, terminal)
    expect(refreshError).toMatchObject({ status: 400, providerCode: code, transient: !terminal })
    expect(refreshError.message).toMatch(hint)
  })

  it('retries "system busy" and then succeeds', async () => {
    nock(DOMAIN).post(PATH).reply(400, { error_code: 'IDAAS.SDK.COM.0002' }).post(PATH).reply(200, { session_token: 's', expire: 60, id_token: 'after-busy' })
    const session = createSession({ strategy: ciam({ baseURL: DOMAIN, clientId, device }), tokens, retry: { retries: 1, minDelayMs: 1 } })
    await expect(session.refresh()).resolves.toBe('after-busy')
  })

  it.each<MalformedCase>([
    ...malformedBodies,
    { label: 'id_token a number', status: 200, body: { session_token: 's', expire: 60, id_token: 5 }, field: 'id_token' },
    { label: 'session_token empty', status: 200, body: { session_token: '', expire: 60, id_token: 'x' }, field: 'session_token' },
  ])('$label → InvalidRefreshResponseError', async ({ status, body, headers, field }) => {
    nock(DOMAIN).post(PATH).reply(status, body, headers)
    const { session, result } = refreshOnce(ciam({ baseURL: DOMAIN, clientId, device }), tokens)
    await expect(result).rejects.toMatchObject({ name: 'InvalidRefreshResponseError', field: field ?? 'id_token' })
    await expect(session.getAccessToken()).resolves.toBe('old-id-token')
  })

  it.each([
    { label: 'a rotated session_token with an unusable expire has an unknown deadline', answer: { session_token: 'session-2', expire: 'soon', id_token: 'x' }, expected: undefined },
    { label: 'the same session_token with an unusable expire keeps its deadline', answer: { session_token: 'session-1', expire: -1, id_token: 'x' }, expected: NOW + 60_000 },
  ])('$label', async ({ answer, expected }) => {
    nock(DOMAIN).post(PATH).reply(200, answer)
    const strategy = ciam({ baseURL: DOMAIN, clientId, device })
    const next = await strategy.refresh({ ...tokens, sessionExpiresAt: NOW + 60_000 }, { signal: new AbortController().signal, fetch, now: () => NOW })
    expect(next.sessionToken).toBe(answer.session_token)
    expect(next.sessionExpiresAt).toBe(expected)
  })

  it('refuses missing configuration at creation, naming the option', () => {
    expect(() => ciam({ baseURL: DOMAIN, device } as never)).toThrow(/`clientId`/)
    expect(() => ciam({ baseURL: DOMAIN, clientId } as never)).toThrow(/`device`/)
    expect(() => ciam({ baseURL: DOMAIN, clientId, device: { ...device, fingerprint: '' } })).toThrow(/`device.fingerprint`/)
    expect(() => ciam({ baseURL: DOMAIN, clientId, device: { fingerprint: 'f', agent: 'a' } as never })).toThrow(/`device.osVersion`/)
    expect(() => ciam({ baseURL: DOMAIN, clientId, device: { ...device, agent: undefined } as never })).toThrow(/`device.agent`/)
  })
})
