import axios from 'axios'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createSession, SessionExpiredError } from '../../src/index.js'
import { attachAxios } from '../../src/interceptors/axios.js'
import { type EmulatedProvider, type Emulator, type EmulatorOptions, emulatedProviders, emulatorCredentials, startEmulator } from '../../src/testing/index.js'


const running: Emulator[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((emulator) => emulator.stop()))
})

async function start<P extends EmulatedProvider>(options: EmulatorOptions<P>): Promise<Emulator<P>> {
  const emulator = await startEmulator(options)
  running.push(emulator)
  return emulator
}

const post = (url: string, headers: Record<string, string>, body: string | null = null) =>
  fetch(url, { method: 'POST', headers, body }).then(async (r) => ({ status: r.status, body: await r.json() }))

describe('emulator wire formats', () => {
  it('S360 refuses a missing api_key (403) and a non-UUID X-Request-Id (400); logged-out users get ESB-IDP-E0004', async () => {
    const emulator = await start({ provider: 's360' })
    const tokens = emulator.signIn()
    const url = `${emulator.url}/idp/sso/v1/refresh`
    const body = JSON.stringify({ sessionToken: tokens.sessionToken, sessionId: tokens.sessionId })
    const json = { 'content-type': 'application/json' }
    expect((await post(url, { ...json, 'x-request-id': crypto.randomUUID() }, body)).status).toBe(403)
    expect((await post(url, { ...json, api_key: emulatorCredentials.apiKey, 'x-request-id': 'nope' }, body)).status).toBe(400)
    const ok = await post(url, { ...json, api_key: emulatorCredentials.apiKey, 'x-request-id': crypto.randomUUID() }, body)
    expect(ok).toMatchObject({ status: 200, body: { desc: { code: 'ESB-IDP-S0000' }, data: { accessToken: expect.any(String) } } })
    emulator.logOut()
    const out = await post(url, { ...json, api_key: emulatorCredentials.apiKey, 'x-request-id': crypto.randomUUID() }, body)
    expect(out).toMatchObject({ status: 401, body: { desc: { code: 'ESB-IDP-E0004' } } })
  })

  it.each<[{ device?: boolean; client?: string; session?: string }, string]>([
    [{}, 'IDAAS.SDK.PARAM.0001'],
    [{ device: true }, 'IDAAS.SDK.PARAM.0002'],
    [{ device: true, client: 'wrong' }, 'IDAAS.SDK.PARAM.0003'],
    [{ device: true, client: emulatorCredentials.clientId }, 'IDAAS.SDK.PARAM.0022'],
    [{ device: true, client: emulatorCredentials.clientId, session: 'forged' }, 'IDAAS.SDK.PARAM.0023'],
  ])('CIAM answers %o with 400 %s', async (given, code) => {
    const emulator = await start({ provider: 'ciam' })
    const { device } = emulatorCredentials
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (given.device) Object.assign(headers, { 'x-device-fingerprint': device.fingerprint, 'x-operating-sys-version': device.osVersion, 'x-agent': device.agent })
    if (given.client) headers['x-client-id'] = given.client
    if (given.session) headers['session-token'] = given.session
    expect(await post(`${emulator.url}/api/v2/sdk/sso/session-token/id-token`, headers)).toMatchObject({ status: 400, body: { error_code: code } })
  })

  it('AGS requires x-auth-service-id and a parameters array', async () => {
    const emulator = await start({ provider: 'ags' })
    const { refreshToken } = emulator.signIn()
    const url = `${emulator.url}/ags/refresh`
    const base = { 'content-type': 'application/json', authorization: refreshToken }
    expect((await post(url, base, '{"parameters":[]}')).status).toBe(400)
    expect((await post(url, { ...base, 'x-auth-service-id': emulatorCredentials.authServiceId }, '{}')).status).toBe(400)
    const ok = await post(url, { ...base, 'x-auth-service-id': emulatorCredentials.authServiceId }, '{"parameters":[]}')
    expect(ok.body).toMatchObject({ token_type: 'bearer', expires_in: 60, refresh_expires_in: 172800, fixed_refresh_expires_in: 2592000 })
  })

  it('OAuth2 answers invalid_client, unsupported_grant_type and invalid_grant per RFC 6749 §5.2', async () => {
    const emulator = await start({ provider: 'oauth2' })
    const { refreshToken } = emulator.signIn()
    const url = `${emulator.url}/oauth/token`
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    const send = (params: Record<string, string>) => post(url, form, new URLSearchParams(params).toString())
    const client = { client_id: emulatorCredentials.clientId, client_secret: emulatorCredentials.clientSecret }
    expect(await send({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'x' })).toMatchObject({ status: 401, body: { error: 'invalid_client' } })
    expect(await send({ grant_type: 'password', ...client })).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } })
    expect(await send({ grant_type: 'refresh_token', refresh_token: 'forged', ...client })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } })
    expect(await send({ grant_type: 'refresh_token', refresh_token: refreshToken, ...client })).toMatchObject({ status: 200, body: { token_type: 'Bearer' } })
  })
})

describe('emulator behaviour', () => {
  it('reuse detection: a spent refresh token presented again revokes the whole family', async () => {
    const emulator = await start({ provider: 'fib', rotateRefreshTokens: true, reuseDetection: true })
    const tokens = emulator.signIn()
    const url = `${emulator.url}/auth/api/v1/authentication-management/session`
    const refresh = (token: string) => fetch(url, { method: 'PATCH', headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({ status: r.status, body: await r.json() }))
    const first = await refresh(tokens.refreshToken)
    expect(first.status).toBe(200)
    expect((await refresh(tokens.refreshToken)).status).toBe(401) // reuse
    expect(emulator.stats.reuseDetections).toBe(1)
    expect((await refresh(first.body.data.refreshToken)).status).toBe(401) // the family is dead
  })

  it('a session past its known refresh expiry ends without a call (AGS)', async () => {
    const emulator = await start({ provider: 'ags', refreshTtlMs: 30 })
    const session = createSession({ strategy: emulator.strategy(), tokens: emulator.signIn() })
    await new Promise((resolve) => setTimeout(resolve, 40))
    emulator.expireAccessTokens()
    const api = axios.create({ baseURL: emulator.url })
    attachAxios(api, session)
    await expect(api.get('/api/x')).rejects.toBeInstanceOf(SessionExpiredError)
    expect(emulator.stats.refreshCalls).toBe(0)
  })

  it.each(emulatedProviders)('%s: failNextRefreshes answers with the provider error, then recovers', async (provider) => {
    const emulator = await start({ provider })
    emulator.failNextRefreshes(2, { status: 503 })
    const session = createSession({ strategy: emulator.strategy(), tokens: emulator.signIn(), retry: { retries: 2, minDelayMs: 1 } })
    await expect(session.refresh()).resolves.toEqual(expect.any(String))
    expect(emulator.stats).toMatchObject({ refreshCalls: 3, refreshRefused: 2, refreshSucceeded: 1 })
  })

  it('hangNextRefreshes holds the answer until the client gives up', async () => {
    const emulator = await start({ provider: 'fib' })
    emulator.hangNextRefreshes(1)
    const session = createSession({ strategy: emulator.strategy(), tokens: emulator.signIn(), refreshTimeoutMs: 50, retry: false })
    await expect(session.refresh()).rejects.toMatchObject({ code: 'ERR_REFRESH_TIMEOUT' })
    await expect(session.refresh()).resolves.toEqual(expect.any(String))
  })

  it('releaseHungRefreshes answers the hung calls as they would have been answered', async () => {
    const emulator = await start({ provider: 'fib' })
    emulator.hangNextRefreshes(1)
    const session = createSession({ strategy: emulator.strategy(), tokens: emulator.signIn(), refreshTimeoutMs: 5_000, retry: false })
    const refreshed = session.refresh()
    await expect.poll(() => emulator.stats.refreshCalls).toBe(1)
    expect(emulator.stats.refreshSucceeded).toBe(0)
    emulator.releaseHungRefreshes()
    await expect(refreshed).resolves.toEqual(expect.any(String))
    expect(emulator.stats.refreshSucceeded).toBe(1)
  })

  it('opaqueAccessTokens: access tokens carry no exp (not a JWT), and the server still accepts them until their TTL', async () => {
    const emulator = await start({ provider: 'fib', opaqueAccessTokens: true, accessTtlMs: 100 })
    const { accessToken } = emulator.signIn()
    expect(accessToken.split('.')).toHaveLength(1)
    const get = () => fetch(`${emulator.url}/api/me`, { headers: { authorization: `Bearer ${accessToken}` } }).then((r) => r.status)
    expect(await get()).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(await get()).toBe(401)
  })

  it('holdResourceRequests keeps resource answers back (counted) until releaseResourceRequests answers them all', async () => {
    const emulator = await start({ provider: 'fib' })
    const { accessToken } = emulator.signIn()
    emulator.holdResourceRequests()
    let answered = 0
    const pending = Array.from({ length: 3 }, (_, i) =>
      fetch(`${emulator.url}/api/held/${i}`, { headers: { authorization: `Bearer ${accessToken}` } }).then((r) => {
        answered++
        return r.status
      }),
    )
    await vi.waitFor(() => expect(emulator.stats.resourceRequests).toBe(3))
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect({ answered, counted: emulator.stats.resourceRequests }).toEqual({ answered: 0, counted: 3 })
    emulator.releaseResourceRequests()
    expect(await Promise.all(pending)).toEqual([200, 200, 200])
    // No longer holding: the next request is answered at once.
    expect(await fetch(`${emulator.url}/api/after`, { headers: { authorization: `Bearer ${accessToken}` } }).then((r) => r.status)).toBe(200)
  })

  it('refuses an unknown provider', async () => {
    await expect(startEmulator({ provider: 'okta' as never })).rejects.toThrow(/`provider`/)
  })
})

describe('the emulator checks what a test suite asks of it', () => {
  it.each([
    [undefined, /startEmulator options/],
    [{ provider: 'fib', accessTtlMs: '1000' }, /`accessTtlMs`/],
    [{ provider: 'fib', accessTtlMs: Number.NaN }, /`accessTtlMs`/],
    [{ provider: 'fib', latencyMs: -1 }, /`latencyMs`/],
    [{ provider: 'fib', rotateRefreshTokens: 'yes' }, /`rotateRefreshTokens`/],
    [{ provider: 'fib', accesTtlMs: 10 }, /Unknown option `accesTtlMs`/],
  ])('startEmulator(%j) → a TypeError naming the option', async (options, message) => {
    await expect(startEmulator(options as never)).rejects.toThrow(message)
  })

  it.each([
    ['bogus', /`fault`/],
    [null, /`fault`/],
    [{ status: 99 }, /`fault.status`/],
    [{ status: 1000 }, /`fault.status`/],
    [{ status: 500, cdoe: 'x' }, /Unknown option `cdoe` in fault/],
  ])('failNextRefreshes(1, %j) → a TypeError; a count must be a whole number', async (fault, message) => {
    const emulator = await start({ provider: 'fib' })
    expect(() => emulator.failNextRefreshes(1, fault as never)).toThrow(message)
    expect(() => emulator.failNextRefreshes(1.5, { status: 500 })).toThrow(/`count`/)
    expect(() => emulator.hangNextRefreshes(-2)).toThrow(/`count`/)
    expect(() => emulator.serveFile('no-slash', 'text/plain', 'x')).toThrow(/`path`/)
    // Nothing was queued by the refused calls: the next refresh answers.
    const session = createSession({ strategy: emulator.strategy(), tokens: emulator.signIn() })
    await expect(session.refresh()).resolves.toEqual(expect.any(String))
  })
})
