/**
 * The same scenarios through axios, fetch and XMLHttpRequest (a fake native XHR in Node): one
 * refusal path, so every transport must end each scenario with the same outcome, the same
 * number of refreshes and the same requests at the server.
 */
import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession, RefreshError, type Session, type Tokens } from '../src/index.js'
import { custom } from '../src/strategies/index.js'
import { countingStrategy } from './_helpers/counting-strategy.js'
import { deferred, flush } from './_helpers/deferred.js'
import { type Refusal, startMatrixApi } from './_helpers/matrix-api.js'
import { clientOf, lastErrors, TRANSPORTS, type Transport } from './_helpers/transports.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.()
  lastErrors.length = 0
})

async function setUp(
  transport: Transport,
  refuses: Parameters<typeof startMatrixApi>[0],
  { session, refusal, options }: { session?: Session; refusal?: (path: string) => Refusal; options?: Parameters<typeof clientOf>[3] } = {},
) {
  const api = await startMatrixApi(refuses, refusal)
  cleanups.push(api.stop)
  const strategy = countingStrategy()
  const own = session ?? createSession({ strategy, tokens: { accessToken: 'token-0' } })
  const client = clientOf(transport, own, api.url, options)
  cleanups.push(client.detach)
  return { api, strategy, session: own, call: client.call, auths: () => api.seen.map((seen) => seen.authorization) }
}

// No token may be in any error tokenflight hands a caller, whatever form it is printed in.
function expectNoTokenInErrors(...tokens: string[]): void {
  for (const error of lastErrors) {
    const text = `${inspect(error, { depth: 8, showHidden: false })} ${JSON.stringify(error)} ${String(error)}`
    for (const token of tokens) expect(text).not.toContain(token)
  }
}

const UNAUTHENTICATED = { status: 200, body: '{"data":null,"errors":[{"extensions":{"code":"UNAUTHENTICATED"}}]}' }

describe.each(TRANSPORTS)('%s', (transport) => {
  it('burst: 20 concurrent refusals cost 1 refresh, then each call is replayed once and succeeds', async () => {
    const { call, strategy, auths } = await setUp(transport, (token) => token !== 'token-1')
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => call(`/items/${i}`)))
    expect(outcomes).toEqual(Array.from({ length: 20 }, (_, i) => ({ status: 200, body: { ok: true, path: `/items/${i}` } })))
    expect(strategy.calls).toBe(1)
    expect(auths().filter((a) => a === 'Bearer token-0')).toHaveLength(20)
    expect(auths().filter((a) => a === 'Bearer token-1')).toHaveLength(20)
  })

  // The event says a replay went: a listener that signs out on hearing it cannot make that untrue.
  it('a replayed listener that signs out: the replay it was told of still goes and answers the call', async () => {
    const { call, session, strategy, auths } = await setUp(transport, (token) => token !== 'token-1')
    const told: number[] = []
    session.on('replayed', ({ queueDepth }) => {
      told.push(queueDepth)
      session.clear()
    })
    expect(await call('/me')).toEqual({ status: 200, body: { ok: true, path: '/me' } })
    expect(told).toEqual([0])
    expect(strategy.calls).toBe(1)
    expect(auths()).toEqual(['Bearer token-0', 'Bearer token-1'])
    expect(session.state).toBe('signed-out')
  })

  it('stale refusal: a token replaced meanwhile starts no refresh; the call is replayed with the current one', async () => {
    const held = deferred()
    const { call, strategy, session, auths } = await setUp(transport, async (token) => {
      if (token === 'token-0') await held.promise
      return token === 'token-0'
    })
    const pending = call('/stale')
    await expect.poll(() => auths().length).toBe(1)
    await session.setTokens({ accessToken: 'token-new' })
    held.resolve()
    expect(await pending).toEqual({ status: 200, body: { ok: true, path: '/stale' } })
    expect(strategy.calls).toBe(0)
    expect(auths()).toEqual(['Bearer token-0', 'Bearer token-new'])
  })

  it('replay refused again: returned as it came, one refresh, two sends', async () => {
    const { call, strategy, auths } = await setUp(transport, () => true)
    expect(await call('/never')).toEqual({ status: 401, body: { error: 'invalid_token' } })
    expect(strategy.calls).toBe(1)
    expect(auths()).toEqual(['Bearer token-0', 'Bearer token-1'])
  })

  // A replay the server never answers gives its slot back after refreshTimeoutMs: the calls queued
  // behind it are replayed, not held for as long as the server likes.
  it('a replay the server never answers holds its slot no longer than refreshTimeoutMs: the call behind it is served', async () => {
    const never = deferred<boolean>()
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' }, replayConcurrency: 1, refreshTimeoutMs: 300 })
    const { call } = await setUp(
      transport,
      async (token, path) => {
        if (path === '/stuck') return token === 'token-0' || never.promise
        if (token === 'token-0') await new Promise((resolve) => setTimeout(resolve, 50)) // refused after /stuck: queued behind its replay
        return token === 'token-0'
      },
      { session },
    )
    const stuck = call('/stuck')
    const fast = call('/fast')
    const within = await Promise.race([fast, new Promise((resolve) => setTimeout(() => resolve('still waiting after 3 s'), 3_000))])
    expect(within).toEqual({ status: 200, body: { ok: true, path: '/fast' } })
    never.resolve(true) // the stuck replay is answered at last: refused again, returned as it came
    expect(await stuck).toEqual({ status: 401, body: { error: 'invalid_token' } })
  })

  it('abort while waiting for the refresh: rejected at once, nothing sent again, no token in the error', async () => {
    const refresh = deferred<Tokens>()
    const session = createSession({ strategy: custom(() => refresh.promise), tokens: { accessToken: 'token-0' } })
    const { call, auths } = await setUp(transport, (token) => token === 'token-0', { session })
    const controller = new AbortController()
    const pending = call('/abort', { signal: controller.signal })
    await expect.poll(() => auths().length).toBe(1)
    await flush()
    controller.abort()
    expect(await pending).toEqual({ error: 'abort' })
    refresh.resolve({ accessToken: 'token-1' })
    await flush()
    expect(auths()).toEqual(['Bearer token-0'])
    expectNoTokenInErrors('token-0', 'token-1')
  })

  it.each(['setTokens', 'clear'] as const)('%s during a hung refresh: the waiting call is answered at once, not at the deadline', async (method) => {
    const refresh = deferred<Tokens>()
    const session = createSession({ strategy: custom(() => refresh.promise), tokens: { accessToken: 'token-0' }, refreshTimeoutMs: 60_000 })
    const { call, auths } = await setUp(transport, (token) => token !== 'token-set', { session })
    const pending = call('/overtaken')
    await expect.poll(() => auths().length).toBe(1)
    await flush()
    await (method === 'setTokens' ? session.setTokens({ accessToken: 'token-set' }) : session.clear())
    const outcome = await Promise.race([pending, new Promise((resolve) => setTimeout(resolve, 1_000, 'still waiting'))])
    if (method === 'setTokens') expect(outcome).toEqual({ status: 200, body: { ok: true, path: '/overtaken' } })
    else expect(outcome).toEqual({ error: 'ERR_SESSION_EXPIRED' })
    refresh.resolve({ accessToken: 'token-1' })
    expect(auths()).toEqual(method === 'setTokens' ? ['Bearer token-0', 'Bearer token-set'] : ['Bearer token-0'])
    expectNoTokenInErrors('token-0', 'token-set')
  })

  it.each([
    ['the client rule', { authFailure: async (res: { body(): Promise<unknown> }) => JSON.stringify(await res.body()).includes('UNAUTHENTICATED') }, undefined],
    ['the strategy rule', {}, async (res: { body(): Promise<unknown> }) => JSON.stringify(await res.body()).includes('UNAUTHENTICATED')],
  ] as const)('a body-reading predicate (%s): a GraphQL 200 with UNAUTHENTICATED is refreshed and replayed', async (_, options, strategyRule) => {
    const strategy = countingStrategy()
    if (strategyRule) strategy.isAuthFailure = strategyRule
    const session = createSession({ strategy, tokens: { accessToken: 'token-0' } })
    const { call, auths } = await setUp(transport, (token) => token === 'token-0', { session, refusal: () => UNAUTHENTICATED, options })
    expect(await call('/graphql', { method: 'POST', body: '{"query":"{ me }"}' })).toEqual({ status: 200, body: { ok: true, path: '/graphql' } })
    expect(strategy.calls).toBe(1)
    expect(auths()).toEqual(['Bearer token-0', 'Bearer token-1'])
  })

  it('terminal refresh failure: the call fails with SessionExpiredError, no token in the error', async () => {
    const strategy = custom(() => {
      throw new RefreshError('revoked', { transient: false })
    })
    const session = createSession({ strategy, tokens: { accessToken: 'token-0' } })
    const { call, auths } = await setUp(transport, () => true, { session })
    expect(await call('/terminal')).toEqual({ error: 'ERR_SESSION_EXPIRED' })
    expect(auths()).toEqual(['Bearer token-0'])
    expectNoTokenInErrors('token-0')
  })

  it('expired session: a request to an allowed origin fails with SessionExpiredError and never leaves', async () => {
    const strategy = custom(() => {
      throw new RefreshError('revoked', { transient: false })
    })
    const session = createSession({ strategy, tokens: { accessToken: 'token-0' } })
    await session.refresh().catch(() => {})
    const { call, auths } = await setUp(transport, () => false, { session })
    expect(await call('/sign-in-needed')).toEqual({ error: 'ERR_SESSION_EXPIRED' })
    expect(auths()).toEqual([])
    // The per-request opt-out is how a sign-in call still goes out.
    expect(await call('/login', { tokenflight: { skip: true } })).toEqual({ status: 200, body: { ok: true, path: '/login' } })
    expect(auths()).toEqual([undefined])
  })

  it('per-request opt-out: no token, and its refusal comes back as it came, with no refresh', async () => {
    const { call, strategy, auths } = await setUp(transport, () => true)
    expect(await call('/public', { tokenflight: { skip: true } })).toEqual({ status: 401, body: { error: 'invalid_token' } })
    expect(strategy.calls).toBe(0)
    expect(auths()).toEqual([undefined])
  })

  it('status list: [401, 403] on the client refreshes a 403; a request rule of [401] does not', async () => {
    const forbidden = () => ({ status: 403, body: '{"error":"forbidden"}' })
    const { call, strategy, auths } = await setUp(transport, (token) => token === 'token-0', { refusal: forbidden, options: { authFailure: [401, 403] } })
    expect(await call('/client-rule')).toEqual({ status: 200, body: { ok: true, path: '/client-rule' } })
    expect(strategy.calls).toBe(1)
    expect(auths()).toEqual(['Bearer token-0', 'Bearer token-1'])
    const { call: callOnly401, strategy: second } = await setUp(transport, () => true, { refusal: forbidden, options: { authFailure: [401, 403] } })
    expect(await callOnly401('/request-rule', { tokenflight: { authFailure: [401] } })).toEqual({ status: 403, body: { error: 'forbidden' } })
    expect(second.calls).toBe(0)
  })

  it('header predicate: WWW-Authenticate invalid_token is a refusal, insufficient_scope is not', async () => {
    const refusal = (path: string): Refusal => ({
      status: 401,
      headers: { 'www-authenticate': `Bearer error="${path === '/scope' ? 'insufficient_scope' : 'invalid_token'}"` },
      body: '{}',
    })
    const authFailure = (res: { status: number; headers: { get(name: string): string | null } }) => res.status === 401 && /invalid_token/.test(res.headers.get('WWW-Authenticate') ?? '')
    const { call, strategy, auths } = await setUp(transport, (token, path) => path === '/scope' || token === 'token-0', { refusal, options: { authFailure } })
    expect(await call('/scope')).toEqual({ status: 401, body: {} })
    expect(strategy.calls).toBe(0)
    expect(await call('/token')).toEqual({ status: 200, body: { ok: true, path: '/token' } })
    expect(strategy.calls).toBe(1)
    expect(auths()).toEqual(['Bearer token-0', 'Bearer token-0', 'Bearer token-1'])
  })

  // A rule reads headers the same way wherever it runs: fetch's Headers.get throws on a bad name,
  // axios's object answered `constructor` from its prototype, XHR returns null.
  it('a rule reading headers by any name gets the same answers: any case, none for a name no header can have', async () => {
    const refusal = (): Refusal => ({ status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' }, body: '{}' })
    const names = ['WWW-Authenticate', 'www-authenticate', 'bad name', 'constructor', '__proto__', 'toString', 'x-missing', '', 'Www-Authenticate\n']
    const seen: Array<Array<string | null>> = []
    const authFailure = (res: { status: number; headers: { get(name: string): string | null } }) => {
      seen.push(names.map((name) => res.headers.get(name)))
      return res.status === 401
    }
    const { call, strategy } = await setUp(transport, (token) => token === 'token-0', { refusal, options: { authFailure } })
    expect(await call('/me')).toEqual({ status: 200, body: { ok: true, path: '/me' } })
    expect(strategy.calls).toBe(1)
    const challenge = 'Bearer error="invalid_token"'
    expect(seen).toEqual([[challenge, challenge, null, null, null, null, null, null, null]])
  })

  it('a throwing rule fails the call with its own error; nothing hangs, no refresh', async () => {
    const authFailure = () => {
      throw new TypeError('rule broke')
    }
    const { call, strategy } = await setUp(transport, () => true, { options: { authFailure } })
    expect(await call('/broken-rule')).toEqual({ error: 'TypeError' })
    expect(await call('/bad-request-rule', { tokenflight: { authFailure: '401' as never } })).toEqual({ error: 'ERR_INVALID_ARG_TYPE' })
    expect(await call('/bad-skip', { tokenflight: { skip: 'false' as never } })).toEqual({ error: 'ERR_INVALID_ARG_TYPE' })
    expect(strategy.calls).toBe(0)
  })

  it('an authorize that throws on the replay fails the call with its own error; nothing hangs, and the next call is served', async () => {
    let refuseNext = true
    const authorize = (tokens: Tokens, headers: Headers) => {
      if (tokens.accessToken === 'token-1' && refuseNext) throw new RangeError('authorize refuses token-1')
      headers.set('Authorization', `Bearer ${tokens.accessToken}`)
    }
    const session = createSession({ strategy: custom(async () => ({ accessToken: 'token-1' }), { authorize }), tokens: { accessToken: 'token-0' } })
    const { call, auths } = await setUp(transport, (token) => token !== 'token-1', { session })
    expect(await call('/a')).toEqual({ error: 'RangeError' })
    refuseNext = false
    expect(await call('/b')).toEqual({ status: 200, body: { ok: true, path: '/b' } })
    expect(auths()).toEqual(['Bearer token-0', 'Bearer token-1'])
  })

  // The strategy's `authorization` option is set on the client's own headers; a hand-written
  // `authorize` writes on a real Headers. Either way the replay carries the new token once and
  // nothing of the refused send's.
  it.each([
    { label: "authorization: { header: 'X-Auth-Token', scheme: '' }", extra: { authorization: { header: 'X-Auth-Token', scheme: '' } }, sent: (token: string) => ({ 'x-auth-token': token }) },
    {
      label: 'a hand-written authorize (set and append)',
      extra: {
        authorize: (tokens: Tokens, headers: Headers) => {
          headers.set('X-Signed', `sig:${tokens.accessToken}`)
          headers.append('X-Trace', 'tf')
        },
      },
      sent: (token: string) => ({ 'x-signed': `sig:${token}`, 'x-trace': 'tf' }),
    },
  ])('where the token goes, $label: on the first send and on the replay', async ({ extra, sent }) => {
    const names = ['authorization', 'x-auth-token', 'x-signed', 'x-trace']
    const seen: Array<Record<string, string>> = []
    const api = await startMatrixApi((_token, _path, headers) => {
      seen.push(Object.fromEntries(names.filter((name) => headers[name] !== undefined).map((name) => [name, String(headers[name])])))
      return seen.length === 1
    })
    cleanups.push(api.stop)
    let calls = 0
    const strategy = custom(async (current: Tokens) => ({ ...current, accessToken: `token-${++calls}` }), extra)
    const client = clientOf(transport, createSession({ strategy, tokens: { accessToken: 'token-0' } }), api.url)
    cleanups.push(client.detach)
    expect(await client.call('/placed')).toEqual({ status: 200, body: { ok: true, path: '/placed' } })
    expect(seen).toEqual([sent('token-0'), sent('token-1')])
  })

  it('a rule that never settles releases its call with a RuleTimeoutError after refreshTimeoutMs, as the strategy\'s own; no refresh', async () => {
    const never = () => new Promise<boolean>(() => {})
    const strategy = countingStrategy()
    const session = createSession({ strategy: { ...strategy, isAuthFailure: never }, tokens: { accessToken: 'token-0' }, refreshTimeoutMs: 150 })
    const { call } = await setUp(transport, () => true, { session })
    expect(await call('/stalled-strategy-rule')).toEqual({ error: 'ERR_RULE_TIMEOUT' })
    const other = await setUp(transport, () => true, { session: createSession({ strategy, tokens: { accessToken: 'token-0' }, refreshTimeoutMs: 150 }), options: { authFailure: never } })
    const burst = await Promise.all(['/a', '/b', '/c'].map((path) => other.call(path)))
    expect(burst).toEqual(Array(3).fill({ error: 'ERR_RULE_TIMEOUT' }))
    expect(lastErrors.at(-1)).toMatchObject({ name: 'RuleTimeoutError', timeoutMs: 150 })
    expect(strategy.calls).toBe(0)
  })

  it.each([
    // Not a native async function (a transpiled one), which createSession refuses at once.
    ['a promise (an async signer)', (_tokens: Tokens, headers: Headers) => Promise.reject(new Error(`signer down ${headers.has('x')}`))],
    [
      'an object whose then cannot be read',
      () => ({
        // biome-ignore lint/suspicious/noThenProperty: a then that throws when read is what this authorize returns
        get then() {
          throw new Error('then getter')
        },
      }),
    ],
    // A generator wrapped or transpiled: createSession cannot tell it from a plain function, and its body never runs.
    [
      'a generator object',
      (tokens: Tokens, headers: Headers) =>
        (function* sign() {
          headers.set('Authorization', `Bearer ${tokens.accessToken}`)
          yield
        })(),
    ],
  ])('an authorize that returns %s fails its call with a TypeError: nothing sent, its rejection handled', async (_label, authorize) => {
    const api = await startMatrixApi(() => false)
    cleanups.push(api.stop)
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    cleanups.push(async () => void process.off('unhandledRejection', onUnhandled))
    const strategy = custom(async (current: Tokens) => current, { authorize: authorize as unknown as (tokens: Tokens, headers: Headers) => void })
    const client = clientOf(transport, createSession({ strategy, tokens: { accessToken: 'token-0' } }), api.url)
    cleanups.push(client.detach)
    expect(await client.call('/signed')).toEqual({ error: 'ERR_INVALID_RETURN_VALUE' })
    expect(await client.call('/signed-again')).toEqual({ error: 'ERR_INVALID_RETURN_VALUE' })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(api.seen).toEqual([])
    expect(unhandled).toEqual([])
  })

  // Refusals that come back after the refresh their burst started has ended (a slow or spread-out
  // API) are answered by it: they start no refresh each. `refuses(nth)`: whether a path's nth send is refused.
  async function lateBurst(session: Session, refuses: (nth: number) => boolean) {
    const ended = deferred()
    session.on('refreshFailed', () => ended.resolve())
    session.on('refreshed', () => ended.resolve())
    let seen: (path?: string) => number = () => 0
    const { call, api, auths } = await setUp(
      transport,
      async (_token, path) => {
        const nth = seen(path)
        // The late ones left before the refresh started, and come back after it ended.
        if (nth === 1 && path === '/first') await expect.poll(() => seen()).toBe(5)
        else if (nth === 1) await ended.promise
        return refuses(nth)
      },
      { session },
    )
    seen = (path) => api.seen.filter((one) => path === undefined || one.path === path).length
    const paths = ['/first', '/late-1', '/late-2', '/late-3', '/late-4']
    return { call, auths, burst: () => Promise.all(paths.map((path) => call(path))) }
  }

  it('late refusals after a failed refresh share its failure: 1 refresh call; a call sent after it starts the next', async () => {
    const strategy = countingStrategy(() => {
      throw new RefreshError('unavailable', { transient: true, status: 503 })
    })
    const session = createSession({ strategy, tokens: { accessToken: 'token-0' }, retry: false })
    const { call, burst } = await lateBurst(session, () => true)
    expect(await burst()).toEqual(Array(5).fill({ error: 'ERR_REFRESH_FAILED' }))
    expect(strategy.calls).toBe(1)
    expect(await call('/after')).toEqual({ error: 'ERR_REFRESH_FAILED' })
    expect(strategy.calls).toBe(2)
  })

  it('late refusals after a refresh that handed back the same access token replay with it: 1 refresh call', async () => {
    const strategy = countingStrategy((_call, current) => current)
    const session = createSession({ strategy, tokens: { accessToken: 'token-0' } })
    const { burst, auths } = await lateBurst(session, (nth) => nth === 1)
    expect(await burst()).toEqual(['/first', '/late-1', '/late-2', '/late-3', '/late-4'].map((path) => ({ status: 200, body: { ok: true, path } })))
    expect(strategy.calls).toBe(1)
    expect(auths()).toEqual(Array(10).fill('Bearer token-0'))
  })

  it('a 401 from another allowed origin a redirect led to, which never got the token, starts no refresh', async () => {
    const landing = await startMatrixApi(() => true)
    cleanups.push(landing.stop)
    const { call, strategy, api } = await setUp(transport, (_token, path) => path === '/moved', {
      refusal: () => ({ status: 307, headers: { location: `${landing.url}/file` }, body: '' }),
      options: { origins: [/^http:\/\/127\.0\.0\.1:\d+$/] }, // both origins allowed
    })
    expect(await call('/moved')).toEqual({ status: 401, body: { error: 'invalid_token' } })
    expect(strategy.calls).toBe(0)
    expect(api.seen.map((seen) => seen.authorization)).toEqual(['Bearer token-0'])
    expect(landing.seen.map((seen) => seen.authorization)).toEqual([undefined])
  })
})
