/**
 * The emulators refuse what the providers' documents forbid, with the documents' codes, so a
 * user's test cannot pass where the real provider would refuse. Each provider: one request the
 * document allows (answered 200), then each forbidden variation of it and the answer it gets.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type EmulatedProvider, type Emulator, emulatorCredentials, startEmulator } from '../../src/testing/index.js'

const running: Emulator[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((emulator) => emulator.stop()))
})

async function start<P extends EmulatedProvider>(provider: P): Promise<Emulator<P>> {
  const emulator = await startEmulator({ provider })
  running.push(emulator)
  return emulator
}

interface Call {
  headers: Record<string, string>
  body?: string | undefined
}

async function send(emulator: Emulator, method: string, path: string, call: Call): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(`${emulator.url}${path}`, { method, headers: call.headers, body: call.body ?? null })
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
}

const without = (headers: Record<string, string>, name: string): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).filter(([key]) => key.toLowerCase() !== name.toLowerCase()))

const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

describe('CIAM refuses what its document forbids', () => {
  const path = '/api/v2/sdk/sso/session-token/id-token'
  const allowed = (sessionToken: string): Call => {
    const { device, clientId } = emulatorCredentials
    return {
      headers: {
        'content-type': 'application/json',
        'x-client-id': clientId,
        'x-device-fingerprint': device.fingerprint,
        'x-operating-sys-version': device.osVersion,
        'x-agent': device.agent,
        'session-token': sessionToken,
      },
    }
  }

  it('the allowed request gets 200', async () => {
    const emulator = await start('ciam')
    expect((await send(emulator, 'POST', path, allowed(emulator.signIn().sessionToken))).status).toBe(200)
  })

  it.each([
    ['without content-type', (call: Call) => ({ headers: without(call.headers, 'content-type') })],
    ['with content-type text/plain', (call: Call) => ({ headers: { ...call.headers, 'content-type': 'text/plain' } })],
  ])('%s: 415, with no error_code (the document lists none for it)', async (_, change) => {
    const emulator = await start('ciam')
    const answer = await send(emulator, 'POST', path, change(allowed(emulator.signIn().sessionToken)))
    expect(answer.status).toBe(415)
    expect(answer.body.error_code).toBeUndefined()
    expect(emulator.stats.refreshSucceeded).toBe(0)
  })

  it.each([
    ['x-agent', 'IDAAS.SDK.PARAM.0001'],
    ['x-client-id', 'IDAAS.SDK.PARAM.0002'],
    ['session-token', 'IDAAS.SDK.PARAM.0022'],
  ])('without %s: 400 %s', async (header, code) => {
    const emulator = await start('ciam')
    const call = allowed(emulator.signIn().sessionToken)
    expect(await send(emulator, 'POST', path, { headers: without(call.headers, header) })).toMatchObject({ status: 400, body: { error_code: code } })
  })
})

describe('AGS refuses what its document forbids', () => {
  const path = '/ags/refresh'
  const allowed = (refreshToken: string): Call => ({
    headers: {
      'content-type': 'application/json',
      authorization: refreshToken,
      'x-auth-service-id': emulatorCredentials.authServiceId,
      'nv-tenant-id': emulatorCredentials.tenantId,
    },
    body: '{"parameters":[]}',
  })

  it('the allowed request gets 200, also without the optional nv-tenant-id', async () => {
    const emulator = await start('ags')
    const call = allowed(emulator.signIn().refreshToken)
    expect((await send(emulator, 'POST', path, call)).status).toBe(200)
    const again = allowed(emulator.signIn().refreshToken)
    expect((await send(emulator, 'POST', path, { ...again, headers: without(again.headers, 'nv-tenant-id') })).status).toBe(200)
  })

  it.each([
    ['Authorization with a Bearer prefix (the document sends the refresh token itself)', 401, (call: Call) => ({ ...call, headers: { ...call.headers, authorization: `Bearer ${call.headers.authorization}` } })],
    ['another tenant in nv-tenant-id', 403, (call: Call) => ({ ...call, headers: { ...call.headers, 'nv-tenant-id': 'someone-else' } })],
    ['without x-auth-service-id (mandatory)', 400, (call: Call) => ({ ...call, headers: without(call.headers, 'x-auth-service-id') })],
    ['another x-auth-service-id', 403, (call: Call) => ({ ...call, headers: { ...call.headers, 'x-auth-service-id': 'other-sso' } })],
    ['without parameters (mandatory)', 400, (call: Call) => ({ ...call, body: '{}' })],
    ['without Authorization (mandatory)', 401, (call: Call) => ({ ...call, headers: without(call.headers, 'authorization') })],
  ] as const)('%s: %i, with no error code (the document defines none)', async (_, status, change) => {
    const emulator = await start('ags')
    const answer = await send(emulator, 'POST', path, change(allowed(emulator.signIn().refreshToken)))
    expect(answer.status).toBe(status)
    expect(answer.body).not.toHaveProperty('error')
    expect(answer.body).not.toHaveProperty('access_token')
  })
})

describe('OAuth2 refuses what RFC 6749 forbids', () => {
  const path = '/oauth/token'
  const { clientId, clientSecret, publicClientId } = emulatorCredentials
  const form = (params: Record<string, string>): string => new URLSearchParams(params).toString()
  const formType = { 'content-type': 'application/x-www-form-urlencoded' }
  const allowed = (refreshToken: string): Call => ({
    headers: { ...formType, authorization: basic(clientId, clientSecret) },
    body: form({ grant_type: 'refresh_token', refresh_token: refreshToken }),
  })

  it('allowed: Basic client auth, body client auth, a public client with only its id, a narrower scope', async () => {
    const emulator = await start('oauth2')
    const ok = (call: Call) => send(emulator, 'POST', path, call).then((answer) => answer.status)
    expect(await ok(allowed(emulator.signIn().refreshToken))).toBe(200)
    const refresh_token = emulator.signIn().refreshToken
    expect(await ok({ headers: formType, body: form({ grant_type: 'refresh_token', refresh_token, client_id: clientId, client_secret: clientSecret }) })).toBe(200)
    expect(await ok({ headers: formType, body: form({ grant_type: 'refresh_token', refresh_token: emulator.signIn().refreshToken, client_id: publicClientId }) })).toBe(200)
    const narrower = await send(emulator, 'POST', path, { ...allowed(emulator.signIn().refreshToken), body: form({ grant_type: 'refresh_token', refresh_token: emulator.signIn().refreshToken, scope: 'read' }) })
    expect(narrower.status).toBe(200)
  })

  it('signIn() states the scope granted', async () => {
    const emulator = await start('oauth2')
    expect(emulator.signIn().scope).toBe(emulatorCredentials.scope)
  })

  it.each([
    ['without grant_type', 400, 'invalid_request', (call: Call, rt: string) => ({ ...call, body: form({ refresh_token: rt }) })],
    ['another grant_type', 400, 'unsupported_grant_type', (call: Call, rt: string) => ({ ...call, body: form({ grant_type: 'password', refresh_token: rt }) })],
    ['without refresh_token', 400, 'invalid_request', (call: Call) => ({ ...call, body: form({ grant_type: 'refresh_token' }) })],
    ['a body that is not a form', 400, 'invalid_request', (call: Call) => ({ ...call, headers: { ...call.headers, 'content-type': 'application/json' } })],
    [
      'Basic and a client_secret in the body (two authentication methods, §2.3)',
      400,
      'invalid_request',
      (call: Call, rt: string) => ({ ...call, body: form({ grant_type: 'refresh_token', refresh_token: rt, client_secret: clientSecret }) }),
    ],
    [
      'the confidential client’s id without its secret (§2.3.1)',
      401,
      'invalid_client',
      (_: Call, rt: string) => ({ headers: formType, body: form({ grant_type: 'refresh_token', refresh_token: rt, client_id: clientId }) }),
    ],
    ['a wrong secret', 401, 'invalid_client', (call: Call) => ({ ...call, headers: { ...call.headers, authorization: basic(clientId, 'wrong') } })],
    ['an unknown client', 401, 'invalid_client', (_: Call, rt: string) => ({ headers: formType, body: form({ grant_type: 'refresh_token', refresh_token: rt, client_id: 'stranger' }) })],
    [
      'a scope wider than the grant (§6)',
      400,
      'invalid_scope',
      (call: Call, rt: string) => ({ ...call, body: form({ grant_type: 'refresh_token', refresh_token: rt, scope: `${emulatorCredentials.scope} admin` }) }),
    ],
    ['a refresh token it never issued', 400, 'invalid_grant', (call: Call) => ({ ...call, body: form({ grant_type: 'refresh_token', refresh_token: 'forged' }) })],
  ] as const)('%s: %i %s', async (_, status, error, change) => {
    const emulator = await start('oauth2')
    const refreshToken = emulator.signIn().refreshToken
    const answer = await send(emulator, 'POST', path, change(allowed(refreshToken), refreshToken))
    expect(answer).toMatchObject({ status, body: { error } })
    expect(answer.headers.get('cache-control')).toBe('no-store')
  })

  it('a wrong Basic secret: 401 invalid_client with WWW-Authenticate (§5.2)', async () => {
    const emulator = await start('oauth2')
    const call = allowed(emulator.signIn().refreshToken)
    const answer = await send(emulator, 'POST', path, { ...call, headers: { ...call.headers, authorization: basic(clientId, 'wrong') } })
    expect(answer).toMatchObject({ status: 401, body: { error: 'invalid_client' } })
    expect(answer.headers.get('www-authenticate')).toMatch(/^Basic /)
  })

  it('a refused refresh token stays valid: refusals do not spend it', async () => {
    const emulator = await start('oauth2')
    const refreshToken = emulator.signIn().refreshToken
    await send(emulator, 'POST', path, { ...allowed(refreshToken), body: form({ grant_type: 'refresh_token', refresh_token: refreshToken, scope: 'admin' }) })
    expect((await send(emulator, 'POST', path, allowed(refreshToken))).status).toBe(200)
  })

  it('answers without `scope` when it is the scope requested (§5.1 lets it), so clients must keep their own', async () => {
    const emulator = await start('oauth2')
    const refreshToken = emulator.signIn().refreshToken
    const answer = await send(emulator, 'POST', path, { ...allowed(refreshToken), body: form({ grant_type: 'refresh_token', refresh_token: refreshToken, scope: 'read' }) })
    expect(answer.status).toBe(200)
    expect(answer.body).not.toHaveProperty('scope')
  })
})

describe('S360 answers only with what its document lists', () => {
  const path = '/idp/sso/v1/refresh'
  // Every code the document names; the emulator invents none.
  const documented = ['ESB-IDP-S0000', 'ESB-IDP-E0003', 'ESB-IDP-E0004', 'APIMDeveloperInactive', 'FlogoException', 'APIMServiceUnavailable', 'APIMGatewayTimeout']
  const allowed = (tokens: { sessionToken: string; sessionId: string }): Call => ({
    headers: { 'content-type': 'application/json', api_key: emulatorCredentials.apiKey, 'x-request-id': crypto.randomUUID() },
    body: JSON.stringify({ sessionToken: tokens.sessionToken, sessionId: tokens.sessionId }),
  })

  it.each([
    ['without api_key', 403, 'APIMDeveloperInactive', (call: Call) => ({ ...call, headers: without(call.headers, 'api_key') })],
    ['an X-Request-Id that is not a UUID', 400, undefined, (call: Call) => ({ ...call, headers: { ...call.headers, 'x-request-id': 'nope' } })],
    ['a body that is not JSON', 400, undefined, (call: Call) => ({ ...call, body: 'sessionToken=x' })],
    ['content-type text/plain', 400, undefined, (call: Call) => ({ ...call, headers: { ...call.headers, 'content-type': 'text/plain' } })],
    ['an unknown session', 401, 'ESB-IDP-E0003', (call: Call) => ({ ...call, body: JSON.stringify({ sessionToken: 'forged', sessionId: 'forged' }) })],
  ] as const)('%s: %i %s', async (_, status, code, change) => {
    const emulator = await start('s360')
    const answer = await send(emulator, 'POST', path, change(allowed(emulator.signIn())))
    expect(answer.status).toBe(status)
    expect((answer.body.desc as { code?: string }).code).toBe(code)
  })

  it.each([500, 503, 504, 404, 403, 418])('a forced %i answers a documented code or none', async (status) => {
    const emulator = await start('s360')
    emulator.failNextRefreshes(1, { status })
    const answer = await send(emulator, 'POST', path, allowed(emulator.signIn()))
    expect(answer.status).toBe(status)
    const code = (answer.body.desc as { code?: string }).code
    if (code !== undefined) expect(documented).toContain(code)
  })

  it('a forced 200 with a failure code answers the failure envelope with status 200 and no data', async () => {
    const emulator = await start('s360')
    emulator.failNextRefreshes(1, { status: 200, code: 'ESB-IDP-E0003' })
    const answer = await send(emulator, 'POST', path, allowed(emulator.signIn()))
    expect(answer).toMatchObject({ status: 200, body: { desc: { code: 'ESB-IDP-E0003' } } })
    expect(answer.body).not.toHaveProperty('data')
    expect(emulator.stats).toMatchObject({ refreshSucceeded: 0, refreshRefused: 1 })
  })
})

describe('FIB refuses what its document forbids', () => {
  const path = '/auth/api/v1/authentication-management/session'
  it.each([
    ['without Authorization', () => ({})],
    ['a refresh token without the Bearer scheme (its 401: the Bearer token could not be parsed)', (rt: string) => ({ authorization: rt })],
    ['a refresh token it never issued', () => ({ authorization: 'Bearer forged' })],
  ])('%s: 401', async (_, headers) => {
    const emulator = await start('fib')
    const answer = await send(emulator, 'PATCH', path, { headers: headers(emulator.signIn().refreshToken) })
    expect(answer).toMatchObject({ status: 401, body: { status: { code: 401 } } })
  })
})
