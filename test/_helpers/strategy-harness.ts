import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type nock from 'nock'
import { expect } from 'vitest'
import { createSession, RefreshError, type Session, SessionExpiredError, type Strategy, type Tokens } from '../../src/index.js'
import { ags, ciam, fib, oauth2, s360 } from '../../src/strategies/index.js'

/** One refresh of `strategy` from `tokens`, without retries, on a fixed clock. */
export function refreshOnce<T extends Tokens>(strategy: Strategy<T>, tokens: T, now = () => 1_700_000_000_000) {
  const session = createSession({ strategy, tokens, retry: false, now })
  return { session, result: session.refresh() }
}

/**
 * Awaits a refresh that must fail: terminal failures surface as `SessionExpiredError` and expire
 * the session, transient ones as the `RefreshError` itself. Returns the `RefreshError` to inspect.
 */
export async function expectRefreshFailure(session: Session, result: Promise<unknown>, terminal: boolean): Promise<RefreshError> {
  const error = await result.catch((e: unknown) => e)
  expect(error).toBeInstanceOf(terminal ? SessionExpiredError : RefreshError)
  expect(session.state).toBe(terminal ? 'expired' : 'active')
  return (terminal ? (error as SessionExpiredError).cause : error) as RefreshError
}

/** What one intercepted request looked like. */
export interface Captured {
  method: string
  path: string
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** Makes a nock interceptor record the request it answers. */
export function recordInto(requests: Captured[], status: number, body: unknown, headers: Record<string, string> = {}) {
  return function (this: nock.ReplyFnContext, uri: string, requestBody: nock.Body): [number, unknown, Record<string, string>] {
    requests.push({
      method: this.req.method ?? '',
      path: uri,
      headers: this.req.headers,
      body: typeof requestBody === 'string' ? requestBody : JSON.stringify(requestBody),
    })
    return [status, body, headers]
  }
}

/** A success answer a strategy must refuse; `field` is the field the error must name (`undefined`: the first required one). */
export interface MalformedCase {
  label: string
  status: number
  body: string | object
  headers?: Record<string, string>
  field?: string
}

/** Success bodies no provider may accept. */
export const malformedBodies: MalformedCase[] = [
  { label: 'an HTML page behind a 200', status: 200, body: '<!doctype html><html>Sign in</html>', headers: { 'content-type': 'text/html' }, field: 'body' },
  { label: 'an empty body', status: 200, body: '', field: 'body' },
  { label: 'truncated JSON', status: 200, body: '{"data":{"access', field: 'body' },
  { label: 'an empty object', status: 200, body: {} },
  { label: 'a JSON array', status: 200, body: [] },
]

/** One provider as the cross-provider tests drive it: a factory taking the endpoint, tokens, a success answer. */
export interface ProviderCase {
  name: 'fib' | 's360' | 'ciam' | 'ags' | 'oauth2'
  /** The strategy for an auth server at `url`, with `extra` options (allowInsecureHttp, authorization…). */
  make: (url: string, extra?: Record<string, unknown>) => Strategy<Tokens>
  /** The option that holds the URL. */
  urlOption: 'baseURL' | 'tokenEndpoint'
  method: 'PATCH' | 'POST'
  path: string
  tokens: Tokens
  /** The credential fields the refresh call carries (never to be seen elsewhere). */
  secrets: string[]
  /** A success answer with every token field, and `lifetime` as each lifetime field. */
  answer: (lifetime: unknown) => Record<string, unknown>
  /** The credential the next refresh presents, from the tokens a refresh returned. */
  credential: (tokens: Tokens) => unknown
  /** The expiries (epoch ms) a refresh returned. */
  expiries: (tokens: Tokens) => unknown[]
}

const device = { fingerprint: 'fp-1', osVersion: 'windows10.1.1', agent: 'agent/1' }
const api = 'api-key-0123456789'
// Credentials look random: a word-like one (`refresh-token`) would match file names in stack traces.
const secret = 'cs-K7v2Qp9Wz3Rt8Y'

/** Every built-in provider, with credentials long and distinct enough to search for in text. */
export const providerCases: ProviderCase[] = [
  {
    name: 'fib',
    make: (url, extra = {}) => fib({ baseURL: url, ...extra }) as Strategy<Tokens>,
    urlOption: 'baseURL',
    method: 'PATCH',
    path: '/auth/api/v1/authentication-management/session',
    tokens: { accessToken: 'fib-access-token-old', refreshToken: 'fib-rt-Vb3Nq8Xw1Lp6' },
    secrets: ['fib-rt-Vb3Nq8Xw1Lp6'],
    answer: (lifetime) => ({ status: { code: 200, name: 'OK' }, data: { accessToken: 'fib-access-new', refreshToken: 'fib-refresh-rotated-2', expirationTime: lifetime } }),
    credential: (t) => t.refreshToken,
    expiries: (t) => [t.expiresAt],
  },
  {
    name: 's360',
    make: (url, extra = {}) => s360({ baseURL: url, apiKey: api, ...extra }) as Strategy<Tokens>,
    urlOption: 'baseURL',
    method: 'POST',
    path: '/idp/sso/v1/refresh',
    tokens: { accessToken: 's360-access-token-old', sessionToken: 's360-st-Hj5Tz2Kc9Rm4', sessionId: 's360-sid-Pw7Dg3Ys8Fq1' },
    secrets: ['s360-st-Hj5Tz2Kc9Rm4', 's360-sid-Pw7Dg3Ys8Fq1', api],
    answer: () => ({ status: 200, esbUUID: 'u-1', desc: { code: 'ESB-IDP-S0000' }, data: { accessToken: 's360-access-new' } }),
    credential: (t) => t.sessionToken,
    expiries: () => [],
  },
  {
    name: 'ciam',
    make: (url, extra = {}) => ciam({ baseURL: url, clientId: 'ciam-client', device, ...extra }) as Strategy<Tokens>,
    urlOption: 'baseURL',
    method: 'POST',
    path: '/api/v2/sdk/sso/session-token/id-token',
    tokens: { accessToken: 'ciam-id-token-old', sessionToken: 'ciam-st-Ux4Mb9Ze2Wn7' },
    secrets: ['ciam-st-Ux4Mb9Ze2Wn7'],
    answer: (lifetime) => ({ session_token: 'ciam-session-rotated-2', expire: lifetime, id_token: 'ciam-id-token-new' }),
    credential: (t) => t.sessionToken,
    expiries: (t) => [t.sessionExpiresAt],
  },
  {
    name: 'ags',
    make: (url, extra = {}) => ags({ baseURL: url, authServiceId: 'sso-1', tenantId: 'acme', ...extra }) as Strategy<Tokens>,
    urlOption: 'baseURL',
    method: 'POST',
    path: '/ags/refresh',
    tokens: { accessToken: 'ags-access-token-old', refreshToken: 'ags-rt-Gt6Cy1Ra5Hv8' },
    secrets: ['ags-rt-Gt6Cy1Ra5Hv8'],
    answer: (lifetime) => ({
      access_token: 'ags-access-new',
      refresh_token: 'ags-refresh-rotated-2',
      token_type: 'bearer',
      expires_in: lifetime,
      refresh_expires_in: lifetime,
      fixed_refresh_expires_in: lifetime,
    }),
    credential: (t) => t.refreshToken,
    expiries: (t) => [t.expiresAt, t.refreshExpiresAt, t.sessionCapAt],
  },
  {
    name: 'oauth2',
    make: (url, extra = {}) => oauth2({ tokenEndpoint: `${url}/oauth/token`, clientId: 'web', clientSecret: secret, clientAuth: 'body', ...extra }) as Strategy<Tokens>,
    urlOption: 'tokenEndpoint',
    method: 'POST',
    path: '/oauth/token',
    tokens: { accessToken: 'oauth2-access-token-old', refreshToken: 'oauth2-rt-9Qx7Lm2Vz4Jk' },
    secrets: ['oauth2-rt-9Qx7Lm2Vz4Jk', secret],
    answer: (lifetime) => ({ access_token: 'oauth2-access-new', token_type: 'Bearer', refresh_token: 'oauth2-refresh-rotated-2', expires_in: lifetime }),
    credential: (t) => t.refreshToken,
    expiries: (t) => [t.expiresAt],
  },
]

/** One request a loopback server received, whole. */
export interface Received {
  method: string
  path: string
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** A loopback HTTP server that records every request and answers with `handle`. */
export interface LoopbackServer {
  url: string
  requests: Received[]
  stop(): Promise<void>
}

/** Starts a loopback server on a random port; `handle` writes the answer. */
export async function startLoopback(handle: (request: Received, res: ServerResponse) => void): Promise<LoopbackServer> {
  const requests: Received[] = []
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() }
    requests.push(request)
    handle(request, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
