import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { InvalidRefreshResponseError, SessionExpiredError } from '../../src/index.js'
import { s360 } from '../../src/strategies/index.js'
import { type Captured, type MalformedCase, malformedBodies, recordInto, refreshOnce, expectRefreshFailure } from '../_helpers/strategy-harness.js'

const API = 'https://apiqa.example.com'
const PATH = '/idp/sso/v1/refresh'
const tokens = { accessToken: 'old-jwt', sessionToken: 'session-token-1', sessionId: 'c9e12c13-589e-4f3a-9273-e9300fda0ef1' }
const strategy = () => s360({ baseURL: API, apiKey: '5k5a9rnknaj87kthytganapc' })
const success = { status: 200, esbUUID: '51368f50-4a67-42d4-803c-ddc80c0be491', desc: { en: 'Success', ar: 'نجاح', code: 'ESB-IDP-S0000' }, data: { accessToken: 'new-jwt' } }
const SUPPORT_ID = '51368f50-4a67-42d4-803c-ddc80c0be491'
const failure = (status: number, code: string) => ({ status, esbUUID: SUPPORT_ID, desc: { en: 'Error', ar: 'خطأ', code } })

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())
afterAll(() => nock.enableNetConnect())

describe('s360 strategy', () => {
  it('POSTs { sessionToken, sessionId } as JSON with api_key and a new X-Request-Id UUID per call', async () => {
    const requests: Captured[] = []
    nock(API).post(PATH).times(2).reply(recordInto(requests, 200, success))
    const { session, result } = refreshOnce(strategy(), tokens)
    await expect(result).resolves.toBe('new-jwt')
    await session.refresh()
    const [first, second] = requests
    expect(first?.method).toBe('POST')
    expect(JSON.parse(first?.body ?? '')).toEqual({ sessionToken: 'session-token-1', sessionId: tokens.sessionId })
    expect(first?.headers['content-type']).toBe('application/json')
    expect(first?.headers.api_key).toBe('5k5a9rnknaj87kthytganapc')
    const ids = requests.map((r) => r.headers['x-request-id'])
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(ids[0]).not.toBe(ids[1])
    // The session stays as it was; only the JWT changes.
    expect(JSON.parse(second?.body ?? '')).toEqual({ sessionToken: 'session-token-1', sessionId: tokens.sessionId })
  })

  it.each([
    { status: 401, code: 'ESB-IDP-E0003', terminal: true },
    { status: 401, code: 'ESB-IDP-E0004', terminal: true },
    { status: 403, code: 'APIMDeveloperInactive', terminal: true },
    { status: 503, code: 'APIMServiceUnavailable', terminal: false },
    { status: 504, code: 'APIMGatewayTimeout', terminal: false },
    { status: 404, code: 'FlogoException', terminal: false },
    { status: 500, code: 'ESB-IDP-E0500', terminal: false, shown: false }, // not in the document
  ])('HTTP $status $code → terminal: $terminal, providerCode and esbUUID kept', async ({ status, code, terminal, shown = true }) => {
    nock(API).post(PATH).reply(status, failure(status, code))
    const { session, result } = refreshOnce(strategy(), tokens)
    const refreshError = await expectRefreshFailure(session, result, terminal)
    expect(refreshError).toMatchObject({ status, providerCode: shown ? code : undefined, transient: !terminal })
    expect(refreshError.details).toEqual({ esbUUID: SUPPORT_ID })
    expect(refreshError.message).toBe(`S360 refresh failed with HTTP ${status}${shown ? ` (${code})` : ''}`)
  })

  it('an esbUUID that is not a UUID is not kept', async () => {
    nock(API).post(PATH).reply(401, { ...failure(401, 'ESB-IDP-E0003'), esbUUID: 'support-id-123' })
    const { session, result } = refreshOnce(strategy(), tokens)
    expect((await expectRefreshFailure(session, result, true)).details).toEqual({})
  })

  it.each<MalformedCase>([
    ...malformedBodies,
    { label: 'data.accessToken null', status: 200, body: { ...success, data: { accessToken: null } }, field: 'data.accessToken' },
    { label: 'data missing', status: 200, body: { status: 200, desc: success.desc }, field: 'data.accessToken' },
  ])('$label → InvalidRefreshResponseError', async ({ status, body, headers, field }) => {
    nock(API).post(PATH).reply(status, body, headers)
    const { session, result } = refreshOnce(strategy(), tokens)
    await expect(result).rejects.toMatchObject({ name: 'InvalidRefreshResponseError', field: field ?? 'data.accessToken' })
    await expect(result).rejects.toBeInstanceOf(InvalidRefreshResponseError)
    await expect(session.getAccessToken()).resolves.toBe('old-jwt')
  })

  it.each([
    { label: 'ESB-IDP-E0003 in a 200 envelope', body: { status: 200, esbUUID: 'u-2', desc: { code: 'ESB-IDP-E0003' } }, status: 200, terminal: true },
    { label: 'ESB-IDP-E0004 with envelope status 401', body: { status: 401, desc: { code: 'ESB-IDP-E0004' } }, status: 401, terminal: true },
    { label: 'an unknown code in a 200 envelope', body: { status: 200, desc: { code: 'ESB-IDP-E0999' } }, status: 200, terminal: false },
    { label: 'an unknown code with envelope status 503', body: { status: 503, desc: { code: 'ESB-IDP-E0999' } }, status: 503, terminal: false },
  ])('a 200 whose envelope says failure is that failure: $label', async ({ body, status, terminal }) => {
    nock(API).post(PATH).reply(200, body)
    const { session, result } = refreshOnce(strategy(), tokens)
    const refreshError = await expectRefreshFailure(session, result, terminal)
    expect(refreshError).toMatchObject({ status, providerCode: body.desc.code === 'ESB-IDP-E0999' ? undefined : body.desc.code, transient: !terminal })
  })

  it('expires the session without a call when sessionToken or sessionId is missing', async () => {
    const scope = nock(API).post(PATH).reply(200, success)
    const { result } = refreshOnce(strategy(), { accessToken: 'a', sessionToken: 's' } as never)
    await expect(result).rejects.toBeInstanceOf(SessionExpiredError)
    expect(scope.isDone()).toBe(false)
  })

  it('validates its options when called', () => {
    expect(() => s360({ baseURL: API } as never)).toThrow(/`apiKey`/)
    expect(() => s360({ apiKey: 'k' } as never)).toThrow(/`baseURL`/)
    expect(() => s360({ baseURL: API, apiKey: 'k', apikey: 'x' } as never)).toThrow(/Unknown option `apikey`/)
  })
})
