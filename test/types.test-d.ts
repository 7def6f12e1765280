/**
 * The public types, checked by the compiler (vitest typecheck and `tsc`): what must compile does,
 * and each `@ts-expect-error` line must fail to compile, or the check fails.
 */
import axios, { type AxiosError, type AxiosResponse } from 'axios'
import { describe, expectTypeOf, it } from 'vitest'
import { createSession, type Session, type SessionEvents, type SessionListener, type Tokens, tabCoordinator } from '../src/index.js'
import { type RedisClient, redisCoordination } from '../src/redis.js'
import createAuthRefresh from '../src/compat/axios-auth-refresh.js'
import '../src/interceptors/axios.js'
import { custom, fib, s360, type FibTokens, type S360Tokens } from '../src/strategies/index.js'

const strategy = fib({ baseURL: 'https://auth.example.com' })
const session = createSession({ strategy, tokens: { accessToken: 'a', refreshToken: 'r' } })

describe('Session', () => {
  it('is what a user calls, with the strategy tokens type', () => {
    expectTypeOf(session).toEqualTypeOf<Session<FibTokens>>()
    expectTypeOf(session.getAccessToken).returns.toEqualTypeOf<Promise<string>>()
    expectTypeOf(session.refresh).returns.toEqualTypeOf<Promise<string>>()
    expectTypeOf(session.setTokens).parameter(0).toEqualTypeOf<FibTokens>()
    expectTypeOf(session.state).toEqualTypeOf<'loading' | 'signed-out' | 'active' | 'expired'>()
  })

  it('on returns an unsubscribe function', () => {
    const off = session.on('refreshed', () => {})
    expectTypeOf(off).toEqualTypeOf<() => void>()
  })

  it('has no interceptor plumbing and no emit', () => {
    expectTypeOf<keyof Session>().toEqualTypeOf<'getAccessToken' | 'refresh' | 'setTokens' | 'clear' | 'destroy' | 'state' | 'on' | 'off'>()
    // @ts-expect-error emit is not public: nothing outside the session can fake `expired`
    session.emit('expired', { error: new Error('fake') })
    // @ts-expect-error interceptors reach the session through their own port
    session.getTokens()
    // @ts-expect-error
    session.handleAuthFailure('a')
    // @ts-expect-error
    session.replayConcurrency
  })
})

describe('events', () => {
  it('listeners get the payload of their event', () => {
    session.on('refreshFailed', (event) => {
      expectTypeOf(event).toEqualTypeOf<SessionEvents['refreshFailed']>()
      expectTypeOf(event.terminal).toBeBoolean()
    })
    session.on('storeFailed', (event) => expectTypeOf(event.operation).toEqualTypeOf<'get' | 'set' | 'delete'>())
    expectTypeOf<SessionListener<'expired'>>().parameter(0).toEqualTypeOf<{ error: Error }>()
  })

  it('refuses a wrong payload or an unknown event', () => {
    // @ts-expect-error `refreshed` carries no token field
    session.on('refreshed', (event) => event.accessToken)
    // @ts-expect-error `expired` carries an error, not a reason
    session.on('expired', (event: { reason: string }) => event.reason)
    // @ts-expect-error no such event
    session.on('refresh', () => {})
  })
})

describe('per-request options', () => {
  it('axios requests take a typed tokenflight option', () => {
    const api = axios.create({ baseURL: 'https://api.example.com' })
    void api.get('/public', { tokenflight: { skip: true } })
    // @ts-expect-error skip is a boolean
    void api.get('/public', { tokenflight: { skip: 'yes' } })
    // @ts-expect-error no such option
    void api.get('/public', { tokenflight: { skipp: true } })
  })
})

describe('strategies and tokens', () => {
  it('initial tokens must fit the strategy', () => {
    const s360Strategy = s360({ baseURL: 'https://auth.example.com', apiKey: 'k' })
    createSession({ strategy: s360Strategy, tokens: { accessToken: 'a', sessionToken: 's', sessionId: 'i' } })
    // @ts-expect-error S360 needs its session token and id, not a refresh token
    createSession({ strategy: s360Strategy, tokens: { accessToken: 'a', refreshToken: 'r' } })
    const s = createSession({ strategy: s360Strategy })
    expectTypeOf(s.setTokens).parameter(0).toEqualTypeOf<S360Tokens>()
  })

  it('the strategy decides the tokens type: coordinators beside object-literal tokens take it (README, many processes and tabs)', () => {
    const signIn = { access_token: 'a', refresh_token: 'r' }
    const tokens = { accessToken: signIn.access_token, refreshToken: signIn.refresh_token }
    const fibStrategy = fib({ baseURL: 'https://auth.example.com' })
    createSession({ strategy: fibStrategy, tokens, coordinator: tabCoordinator() })
    expectTypeOf(createSession({ strategy: fibStrategy, tokens }).setTokens).parameter(0).toEqualTypeOf<FibTokens>()
    createSession({ strategy: fibStrategy, tokens, ...redisCoordination({ client: {} as RedisClient, key: 'tokenflight:svc' }) })
    const loose: Tokens = { accessToken: 'a' }
    // @ts-expect-error FIB refreshes with a refresh token, which tokens of the general type may lack
    createSession({ strategy: fibStrategy, tokens: loose })
  })

  it('a custom strategy returns the tokens it was given', () => {
    custom<Tokens & { tenant: string }>(async (current) => ({ ...current, accessToken: 'b' }))
    // @ts-expect-error the result must keep the tenant
    custom<Tokens & { tenant: string }>(async () => ({ accessToken: 'b' }))
  })

  it('options are checked', () => {
    // @ts-expect-error refreshTimeoutMs is a number of ms
    createSession({ strategy, refreshTimeoutMs: '10s' })
    // @ts-expect-error a misspelt option
    createSession({ strategy, refreshTimeout: 5 })
    // @ts-expect-error the tokens object, not a token
    createSession({ strategy, tokens: 'eyJ' })
  })
})

describe('the axios-auth-refresh compat module', () => {
  const api = axios.create()
  it("compiles the peer's own examples unchanged", () => {
    // examples/network-error.ts: the peer's argument is untyped, so any value goes into `response`.
    createAuthRefresh(
      api,
      async (failedRequest) => {
        failedRequest.response = failedRequest.response || {}
        failedRequest.response.config.headers.Authorization = 'Bearer x'
        expectTypeOf(failedRequest.response).toEqualTypeOf<AxiosResponse>()
      },
      { interceptNetworkError: true },
    )
    // examples/custom-status-codes.ts: a predicate typed for the body the API sends.
    createAuthRefresh(api, async () => undefined, { shouldRefresh: (error: AxiosError<{ message: string }>) => error.response?.data.message === 'expired' })
    createAuthRefresh(api, async () => undefined, { shouldRefresh: undefined })
    // @ts-expect-error the predicate answers a boolean
    createAuthRefresh(api, async () => undefined, { shouldRefresh: (error: AxiosError) => error.message })
  })
})
