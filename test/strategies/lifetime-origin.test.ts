/**
 * A lifetime in a refresh answer (`expires_in`, `expirationTime`, `expire`…) starts when the
 * server wrote the answer, somewhere between the send and the read. Each strategy counts it from
 * the send: the expiry it reports may be early, never late. Counted from the read, a process slow
 * to read the answer would send tokens the server already refuses (issue 5's fleet did).
 */
import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Strategy, Tokens } from '../../src/index.js'
import { ags, ciam, fib, oauth2 } from '../../src/strategies/index.js'

const HOST = 'https://auth.example.com'
const LIFE = 300 // seconds, in every answer below
const READ_LATE = 5_000 // ms the clock moves between the send and the read of the answer

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())
afterAll(() => nock.enableNetConnect())

interface Case {
  strategy: Strategy<Tokens>
  method: 'post' | 'patch'
  path: string
  answer: Record<string, unknown>
  tokens: Tokens
  /** The expiries the answer's lifetimes give. */
  expiries: (tokens: Tokens) => Array<unknown>
}

const cases: Record<string, Case> = {
  fib: {
    strategy: fib({ baseURL: HOST }) as Strategy<Tokens>,
    method: 'patch',
    path: '/auth/api/v1/authentication-management/session',
    answer: { status: { code: 200, name: 'OK' }, data: { accessToken: 'a', refreshToken: 'r2', expirationTime: LIFE } },
    tokens: { accessToken: 'old', refreshToken: 'r1' },
    expiries: (t) => [t.expiresAt],
  },
  oauth2: {
    strategy: oauth2({ tokenEndpoint: `${HOST}/token`, clientId: 'c' }) as Strategy<Tokens>,
    method: 'post',
    path: '/token',
    answer: { access_token: 'a', token_type: 'Bearer', expires_in: LIFE },
    tokens: { accessToken: 'old', refreshToken: 'r1' },
    expiries: (t) => [t.expiresAt],
  },
  ags: {
    strategy: ags({ baseURL: HOST, authServiceId: 'sso-1' }) as Strategy<Tokens>,
    method: 'post',
    path: '/ags/refresh',
    answer: { access_token: 'a', refresh_token: 'r2', expires_in: LIFE, refresh_expires_in: LIFE, fixed_refresh_expires_in: LIFE },
    tokens: { accessToken: 'old', refreshToken: 'r1' },
    expiries: (t) => [t.expiresAt, t.refreshExpiresAt, t.sessionCapAt],
  },
  ciam: {
    strategy: ciam({ baseURL: HOST, clientId: 'c', device: { fingerprint: 'f', osVersion: 'o', agent: 'a' } }) as Strategy<Tokens>,
    method: 'post',
    path: '/api/v2/sdk/sso/session-token/id-token',
    answer: { session_token: 's2', expire: LIFE, id_token: 'e30.e30.sig' },
    tokens: { accessToken: 'old', sessionToken: 's1' },
    expiries: (t) => [t.sessionExpiresAt],
  },
}

describe('lifetimes in a refresh answer', () => {
  it.each(Object.keys(cases))('%s: count from the send, not from the late read of the answer', async (name) => {
    const { strategy, method, path, answer, tokens, expiries } = cases[name] as Case
    let time = 1_700_000_000_000
    const sentAt = time
    nock(HOST)
      [method](path)
      .reply(() => {
        time += READ_LATE
        return [200, answer]
      })
    const next = await strategy.refresh(tokens, { signal: new AbortController().signal, fetch, now: () => time })
    expect(expiries(next)).toEqual(expiries(next).map(() => sentAt + LIFE * 1000))
  })
})
