import axios from 'axios'
import { describe, expect, it } from 'vitest'
import { createSession, createSessionPool, memoryStore, tabCoordinator, type Tokens, webStorageStore } from '../src/index.js'
import { attachAxios } from '../src/interceptors/axios.js'
import { wrapFetch } from '../src/interceptors/fetch.js'
import { redisCoordination, redisStore } from '../src/redis.js'
import { custom, defineStrategy, fib, oauth2 } from '../src/strategies/index.js'

const strategy = custom(async (t) => t)
const tokens = { accessToken: 'secret-value' }

describe('createSession validates its options at creation', () => {
  it.each([
    [{ strategy, refreshTimeoutMs: -1 }, 'ERR_INVALID_ARG_VALUE', 'Expected `refreshTimeoutMs` to be a whole number of milliseconds from 1 to 2147483647, got `-1` (number)'],
    [{ strategy, refreshTimeoutMs: '10' }, 'ERR_INVALID_ARG_TYPE', 'Expected `refreshTimeoutMs` to be a whole number of milliseconds from 1 to 2147483647, got string'],
    // Timers fire at once past 2^31 - 1 ms: a longer duration would time out after ~2 ms.
    [{ strategy, refreshTimeoutMs: 2 ** 31 }, 'ERR_INVALID_ARG_VALUE', '`refreshTimeoutMs`'],
    [{ strategy, refreshTimeoutMs: 1.5 }, 'ERR_INVALID_ARG_VALUE', '`refreshTimeoutMs`'],
    [{ strategy, refreshAheadMs: 2 ** 31 }, 'ERR_INVALID_ARG_VALUE', '`refreshAheadMs`'],
    [{ strategy, retry: { minDelayMs: 2 ** 33 } }, 'ERR_INVALID_ARG_VALUE', '`retry.minDelayMs`'],
    [{ strategy, retry: { maxDelayMs: Number.POSITIVE_INFINITY } }, 'ERR_INVALID_ARG_VALUE', '`retry.maxDelayMs`'],
    [{ strategy, retry: { minDelayMs: 0.5 } }, 'ERR_INVALID_ARG_VALUE', '`retry.minDelayMs`'],
    [{ strategy, retry: { minDelayMs: 2_000, maxDelayMs: 1_000 } }, 'ERR_INVALID_ARG_VALUE', 'Expected `retry.minDelayMs` to be at most retry.maxDelayMs (1000), got `2000`'],
    [{ strategy, retry: { minDelayMs: 10_000 } }, 'ERR_INVALID_ARG_VALUE', 'at most retry.maxDelayMs (5000)'],
    [{ strategy, retry: { retries: 1.5 } }, 'ERR_INVALID_ARG_VALUE', '`retry.retries`'],
    [{ strategy, retry: { retries: 2 ** 60 } }, 'ERR_INVALID_ARG_VALUE', '`retry.retries`'],
    [{ strategy, replayConcurrency: 2.5 }, 'ERR_INVALID_ARG_VALUE', '`replayConcurrency`'],
    [{ strategy, retry: 'yes' }, 'ERR_INVALID_ARG_TYPE', '`retry`'],
    [{ strategy, coordinator: { refresh: 1 } }, 'ERR_INVALID_ARG_TYPE', '`coordinator.refresh`'],
    [{ strategy: { refresh: () => {}, isAuthFailure: 'no' } }, 'ERR_INVALID_ARG_TYPE', '`strategy.isAuthFailure`'],
    // An async authorize would set its headers after the request left.
    [{ strategy: custom(async (t) => t, { authorize: async () => {} }) }, 'ERR_INVALID_ARG_VALUE', 'Expected `strategy.authorize` to be a synchronous function'],
    [{ strategy: { refresh: async (t: Tokens) => t, async authorize() {} } }, 'ERR_INVALID_ARG_VALUE', '`strategy.authorize`'],
    // A generator's body never runs: requests would go without a token.
    [{ strategy: custom(async (t) => t, { authorize: function* () {} as unknown as () => void }) }, 'ERR_INVALID_ARG_VALUE', 'Expected `strategy.authorize` to be a synchronous function'],
    [{ strategy: { refresh: async (t: Tokens) => t, async *authorize() {} } }, 'ERR_INVALID_ARG_VALUE', '`strategy.authorize`'],
    [{ strategy, refreshAheadMs: Number.NaN }, 'ERR_INVALID_ARG_VALUE', '`refreshAheadMs`'],
    [{ strategy, replayConcurrency: 0 }, 'ERR_INVALID_ARG_VALUE', '`replayConcurrency`'],
    [{ strategy, replayConcurrency: Number.NEGATIVE_INFINITY }, 'ERR_INVALID_ARG_VALUE', '`replayConcurrency`'],
    [{ strategy, replayConcurrency: Number.NaN }, 'ERR_INVALID_ARG_VALUE', '`replayConcurrency`'],
    [{ strategy, retry: { retries: -1 } }, 'ERR_INVALID_ARG_VALUE', '`retry.retries`'],
    [{ strategy, retry: { tries: 3 } }, 'ERR_INVALID_ARG_VALUE', 'Unknown option `tries`'],
    [{ strategy, now: 5 }, 'ERR_INVALID_ARG_TYPE', '`now` to be a function'],
    [{ strategy, store: { get: () => undefined } }, 'ERR_INVALID_ARG_TYPE', '`store.set`'],
    [{ strategy: {} }, 'ERR_INVALID_ARG_TYPE', '`strategy.refresh`'],
    [{}, 'ERR_INVALID_ARG_TYPE', '`strategy`'],
    [{ strategy, refreshTimeout: 5 }, 'ERR_INVALID_ARG_VALUE', 'Unknown option `refreshTimeout`'],
    [{ strategy, tokens: { accessToken: 42 } }, 'ERR_INVALID_ARG_TYPE', '`tokens.accessToken`'],
    [{ strategy, tokens: { accessToken: 'a', expiresAt: 'soon' } }, 'ERR_INVALID_ARG_TYPE', '`tokens.expiresAt`'],
  ])('%o → %s', (options, code, message) => {
    expect(() => createSession(options as never)).toThrow(expect.objectContaining({ name: 'TypeError', code, message: expect.stringContaining(message) }))
  })

  it('accepts replayConcurrency: Infinity (no cap: every refused request replays at once)', () => {
    expect(() => createSession({ strategy, replayConcurrency: Number.POSITIVE_INFINITY })).not.toThrow()
  })

  it('options with a getter that throws: a TypeError of ours, without the getter\'s own text', () => {
    const options = Object.defineProperty({ strategy }, 'refreshTimeoutMs', {
      enumerable: true,
      get() {
        throw new Error('secret-in-getter')
      },
    })
    const error = (() => {
      try {
        createSession(options as never)
      } catch (caught) {
        return caught as TypeError & { code?: string }
      }
    })()
    expect(error).toBeInstanceOf(TypeError)
    expect(error?.code).toBe('ERR_INVALID_ARG_VALUE')
    expect(`${error?.message} ${error?.stack}`).not.toContain('secret-in-getter')
  })

  it('describes a wrong token by its type only', () => {
    const error = (() => {
      try {
        createSession({ strategy, tokens: { accessToken: 'a', refreshToken: 'secret-value' } as never, refreshAheadMs: -1 })
      } catch (e) {
        return e as Error
      }
    })()
    expect(error?.message).not.toContain('secret-value')
    expect(() => createSession({ strategy, tokens: { accessToken: '' } })).toThrow(/`tokens.accessToken`.*string/)
  })

  it('setTokens rejects a token that is not a string', async () => {
    const session = createSession({ strategy, tokens })
    await expect(session.setTokens({ accessToken: 7 } as never)).rejects.toThrow(/`tokens.accessToken`/)
  })
})

describe('interceptors validate at attach time', () => {
  const session = createSession({ strategy, tokens })

  it('attachAxios refuses what is not an axios instance', () => {
    expect(() => attachAxios({} as never, session)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('axios instance') }))
  })

  it('attachAxios needs origins when the instance has no baseURL (Node)', () => {
    expect(() => attachAxios(axios.create(), session)).toThrow(/`origins`/)
  })

  it('refuses a plain-http origin that is not loopback unless allowed', () => {
    expect(() => wrapFetch(fetch, session, { origins: ['http://api.example.com'] })).toThrow(/https origin.*allowInsecureHttp/)
    expect(() => wrapFetch(fetch, session, { origins: ['http://api.example.com'], allowInsecureHttp: true })).not.toThrow()
    expect(() => wrapFetch(fetch, session, { origins: ['http://127.0.0.1:8080', 'http://localhost:3000'] })).not.toThrow()
  })

  it('refuses unknown options: a misspelt allowlist must not go unnoticed', () => {
    expect(() => wrapFetch(fetch, session, { origin: ['https://a.example'] } as never)).toThrow(/Unknown option `origin` in wrapFetch options/)
    const api = axios.create({ baseURL: 'https://a.example' })
    expect(() => attachAxios(api, session, { allowInsecure: true } as never)).toThrow(/Unknown option `allowInsecure` in attachAxios options/)
  })

  it('refuses a malformed origin and a non-session', () => {
    expect(() => wrapFetch(fetch, session, { origins: ['not a url'] })).toThrow(/`origins\[0\]`/)
    expect(() => wrapFetch(fetch, {} as never, { origins: ['https://a.example'] })).toThrow(/`session`/)
    expect(() => wrapFetch('fetch' as never, session, { origins: ['https://a.example'] })).toThrow(/`fetch`/)
  })

  it('strategies validate their own options', () => {
    expect(() => fib({ baseURL: '' })).toThrow(/`baseURL`/)
    expect(() => custom('nope' as never)).toThrow(/`refresh`/)
  })
})

// What `make` throws, if anything.
function thrown(make: () => unknown): TypeError | undefined {
  try {
    make()
  } catch (caught) {
    return caught as TypeError
  }
  return undefined
}

describe('a string an option got is never printed', () => {
  const session = createSession({ strategy, tokens })
  it.each([
    ['an origin with credentials', () => wrapFetch(fetch, session, { origins: ['https://admin:Pa55w0rd-SECRET@api.example.com'] }), 'origins[0]'],
    ['an origin with a token in its query', () => wrapFetch(fetch, session, { origins: ['https://api.example.com/?token=Pa55w0rd-SECRET'] }), 'origins[0]'],
    ['a token where the session belongs', () => wrapFetch(fetch, 'Pa55w0rd-SECRET' as never), 'session'],
    ['a token where the strategy belongs', () => createSession({ strategy: 'Pa55w0rd-SECRET' as never }), 'strategy'],
    ['a token where a duration belongs', () => createSession({ strategy, refreshTimeoutMs: 'Pa55w0rd-SECRET' as never }), 'refreshTimeoutMs'],
    ['a token where a base URL belongs', () => fib({ baseURL: 'Pa55w0rd-SECRET' }), 'baseURL'],
    ['a token where memoryStore takes its initial tokens', () => memoryStore('Pa55w0rd-SECRET' as never), 'memoryStore initial tokens'],
  ])('%s: the TypeError names the option, not the value', (_, make, option) => {
    const error = thrown(make)
    expect(error).toBeInstanceOf(TypeError)
    expect(error?.message).toContain(`\`${option}\``)
    expect(`${error?.message} ${String(error)} ${JSON.stringify(error)}`).not.toContain('Pa55w0rd')
  })

  // A map of users to tokens spread into the options, or tokens with a field named by a token.
  it.each([
    ['createSession options', () => createSession({ strategy, 'Pa55w0rdSECRETabcdef': 1 } as never), /Unknown option `<a key of 20 characters>`/],
    ['createSession options', () => createSession({ strategy, 'eyJhbGciOiJIUzI1NiJ9.e30.Pa55w0rd': 1 } as never), /Unknown option `<a key of 33 characters>`/],
    ['fib options', () => fib({ baseURL: 'https://auth.example.com', 'Pa55w0rd-SECRET': true } as never), /Unknown option `<a key of 15 characters>`/],
    ['tokens', () => createSession({ strategy, tokens: { accessToken: 'a', 'Pa55w0rd-SECRET': 'x\ny' } as never }), /`tokens.<a key of 15 characters>`/],
  ])('%s with a token as a key: the key is told by its length, never shown (%#)', (_, make, message) => {
    const error = thrown(make)
    expect(error?.message).toMatch(message)
    expect(`${error?.message} ${String(error)} ${JSON.stringify(error)}`).not.toContain('Pa55w0rd')
  })

  it.each(['maxSesions', 'refreshAhead', 'baseURL', 'id_token', 'refreshTokenTTL'])('a key that reads as a name (%s) is still quoted, for the typo it is', (key) => {
    expect(() => createSession({ strategy, [key]: 1 } as never)).toThrow(`Unknown option \`${key}\``)
  })
})

describe('every factory reads its options as createSession does', () => {
  const session = createSession({ strategy, tokens })
  const throwing = (base: object, key: string): object =>
    Object.defineProperty({ ...base }, key, {
      enumerable: true,
      get() {
        throw new Error('Pa55w0rd-SECRET')
      },
    })
  // The same getter on `target` itself: an array stays an array, a RegExp a RegExp.
  const throwingAt = <O extends object>(target: O, key: string): O =>
    Object.defineProperty(target, key, {
      get() {
        throw new Error('Pa55w0rd-SECRET')
      },
    })
  const redis = { get() {}, set() {}, del() {}, eval() {}, evalsha() {}, publish() {}, subscribe() {}, duplicate() {}, on() {} }
  it.each([
    ['fib', () => fib(throwing({ baseURL: 'https://auth.example.com' }, 'path') as never)],
    ['oauth2', () => oauth2(throwing({ tokenEndpoint: 'https://auth.example.com/token', clientId: 'c' }, 'scope') as never)],
    ['custom', () => custom(async (t) => t, throwing({}, 'name') as never)],
    ['redisStore', () => redisStore(throwing({ client: redis, key: 'k' }, 'commandTimeoutMs') as never)],
    ['redisCoordination', () => redisCoordination(throwing({ client: redis, key: 'k' }, 'lockTtlMs') as never)],
    ['tabCoordinator', () => tabCoordinator(throwing({}, 'graceMs') as never)],
    ['createSessionPool', () => createSessionPool(throwing({ create: () => session }, 'idleMs') as never)],
    ['webStorageStore', () => webStorageStore(throwing({ getItem() {}, setItem() {} }, 'removeItem') as never, 'k')],
    ['wrapFetch', () => wrapFetch(fetch, session, throwing({ origins: ['https://a.example'] }, 'authFailure') as never)],
    ['oauth2 (clientSecret, read to choose clientAuth)', () => oauth2(throwing({ tokenEndpoint: 'https://auth.example.com/token', clientId: 'c' }, 'clientSecret') as never)],
    // Nested in the options: a store's method, a strategy object's hook, an allowlist's or a status list's entry, a RegExp's source.
    ['createSession (a store’s get)', () => createSession({ strategy, store: throwing({ set() {}, delete() {} }, 'get') as never })],
    ['createSession (a strategy object’s refresh)', () => createSession({ strategy: throwing({ name: 's' }, 'refresh') as never })],
    ['attachAxios (an origins entry)', () => attachAxios(axios.create(), session, { origins: throwingAt(['https://a.example'], '0') })],
    ['wrapFetch (an authFailure entry)', () => wrapFetch(fetch, session, { origins: ['https://a.example'], authFailure: throwingAt([401], '0') })],
    ['wrapFetch (a RegExp’s source)', () => wrapFetch(fetch, session, { origins: [throwingAt(/^https:\/\/a\.example$/, 'source')] })],
  ])('%s: a getter that throws gives a TypeError of ours, never its message', (_, make) => {
    const error = (() => {
      try {
        make()
      } catch (caught) {
        return caught
      }
    })()
    expect(error).toBeInstanceOf(TypeError)
    expect((error as { code?: string }).code).toMatch(/^ERR_INVALID_ARG_/)
    expect(String(error)).not.toContain('Pa55w0rd')
  })

  it.each(['false', 0, 'no', {}])('allowInsecureHttp %j on a client is refused: only a boolean turns the https rule off', (value) => {
    expect(() => wrapFetch(fetch, session, { origins: ['http://api.example.com'], allowInsecureHttp: value as never })).toThrow(/`allowInsecureHttp` to be a boolean/)
    expect(() => attachAxios(axios.create({ baseURL: 'http://api.example.com' }), session, { allowInsecureHttp: value as never })).toThrow(/`allowInsecureHttp`/)
  })

  it('defineStrategy refuses an object literal with a misspelt hook; a class keeps its own fields', () => {
    expect(() => defineStrategy({ name: 'mine', refresh: async (t: Tokens) => t, isAuthFaliure: () => true } as never)).toThrow(/Unknown option `isAuthFaliure` in defineStrategy/)
    class Mine {
      readonly name = 'mine'
      readonly cache = new Map<string, string>()
      async refresh(t: Tokens) {
        return t
      }
    }
    expect(() => defineStrategy(new Mine())).not.toThrow()
  })

  it('createSessionPool refuses what create() returns when it is not a session', () => {
    const pool = createSessionPool({ create: () => ({}) as never })
    expect(() => pool.get('a')).toThrow(/`what create\(\) returned` to be a session made by createSession/)
    expect(pool.size).toBe(0)
  })

  it('a symbol is described by its type, never its description', () => {
    expect(() => createSession({ strategy, refreshTimeoutMs: Symbol('Pa55w0rd-SECRET') as never })).toThrow(/got symbol$/)
  })
})
