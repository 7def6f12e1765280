/**
 * The session around odd user code: a store whose calls finish out of order, a tokens object
 * changed after it was given, a store answer that throws as it is read, an expiry in seconds,
 * listeners that sign in, destroy or were never functions, a `RefreshError` built wrong, options
 * inherited from a polluted `Object.prototype`. Each case is what a caller would do by mistake.
 */
import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession, RefreshError, SessionExpiredError, type SessionEvents, type Tokens, type TokenStore } from '../../src/index.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { fib } from '../../src/strategies/index.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'
import { deferred } from '../_helpers/deferred.js'

const start = { accessToken: 'token-0', refreshToken: 'refresh-0' }
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const rotating = () => countingStrategy((call) => ({ accessToken: `token-${call}`, refreshToken: `refresh-${call}` }))

describe('store calls run in the order asked', () => {
  it('a set() that lands after its deadline does not overwrite the next refresh’s tokens', async () => {
    const slow = deferred()
    let stored: Tokens | undefined
    const store: TokenStore = {
      get: () => undefined,
      set: async (tokens) => {
        if (tokens.refreshToken === 'refresh-1') await slow.promise
        stored = tokens
      },
      delete: () => {},
    }
    const session = createSession({ strategy: rotating(), tokens: start, store, refreshTimeoutMs: 50 })
    await session.refresh() // its write misses the deadline: kept in memory
    await session.refresh()
    slow.resolve()
    await sleep(10)
    expect(stored?.refreshToken).toBe('refresh-2')
    await session.destroy()
  })

  it('clear() during a refresh’s write leaves the store empty, whenever the write lands', async () => {
    const slow = deferred()
    let stored: Tokens | undefined = start
    const store: TokenStore = {
      get: () => stored,
      set: async (tokens) => {
        await slow.promise
        stored = tokens
      },
      delete: () => {
        stored = undefined
      },
    }
    const session = createSession({ strategy: rotating(), tokens: start, store })
    const refreshed = session.refresh().catch(() => 'overtaken by clear()')
    await sleep(10) // the provider answered; the write is in flight
    const cleared = session.clear()
    slow.resolve()
    await Promise.all([refreshed, cleared])
    expect(stored).toBeUndefined()
    await session.destroy()
  })
  // Redis's fenced store reads its fence and what it last saw as set() is called: a seed made a tick
  // late wrote the initial tokens over rotated ones (a reuse detection in the node-redis rolling test).
  it('with nothing running, the store call is made when asked, in the same tick', async () => {
    let sets = 0
    const session = createSession({ strategy: rotating(), store: { get: () => undefined, set: () => void sets++, delete: () => {} } })
    await session.getAccessToken().catch(() => {})
    const setting = session.setTokens(start)
    expect(sets).toBe(1)
    await setting
  })

  // With Redis: a process whose seed lost to another's, then took another process's refresh from
  // under the lock, wrote its initial tokens over the rotated ones a second later (a reuse detection).
  it('an older write still wanted (a seed that failed) never goes over tokens another copy refreshed', async () => {
    const writes: string[] = []
    let failSeed = true
    const store: TokenStore = {
      get: () => undefined,
      set: (tokens) => {
        if (failSeed) {
          failSeed = false
          throw new Error('the key is not empty')
        }
        writes.push(tokens.accessToken)
      },
      delete: () => {},
    }
    const coordinator = { refresh: async (): Promise<Tokens> => ({ accessToken: 'from-another-copy', refreshToken: 'refresh-other' }) }
    const session = createSession({ strategy: rotating(), tokens: start, store, coordinator })
    await session.getAccessToken() // the seed fails
    expect(await session.refresh()).toBe('from-another-copy')
    await sleep(1_050) // past the wait after a failure
    await session.getAccessToken() // a use brings a store that is behind up
    await sleep(10)
    expect(writes).not.toContain('token-0')
    await session.destroy()
  })

  // A coordinator's store orders and writes back its own writes (Redis: fenced, after an outage
  // too): a session re-issuing one it lost wrote spent tokens over another process's, in the
  // moment between that process reading Redis under the lock and adopting what it read.
  it('with a coordinator, a write the store failed is never re-issued by the session, even while a refresh waits', async () => {
    const writes: string[] = []
    const store: TokenStore = {
      get: () => undefined,
      set: (tokens) => {
        writes.push(tokens.accessToken)
        if (tokens.accessToken === 'token-0') throw new Error('the key is not empty')
      },
      delete: () => {},
    }
    const underLock = deferred<Tokens>()
    const coordinator = { refresh: () => underLock.promise }
    const session = createSession({ strategy: rotating(), tokens: { ...start, expiresAt: Date.now() + 1_000 }, store, coordinator })
    await session.getAccessToken() // the seed fails
    await sleep(1_050) // expired, and past the wait after a failure
    const waiting = session.getAccessToken() // the coordinated refresh starts and waits
    const another = session.getAccessToken() // a use while it waits
    underLock.resolve({ accessToken: 'from-another-copy', refreshToken: 'refresh-other' })
    expect(await Promise.all([waiting, another])).toEqual(['from-another-copy', 'from-another-copy'])
    await sleep(10)
    expect(writes).toEqual(['token-0'])
    await session.destroy()
  })

  it('a call that never settles wedges nothing: later writes and the delete still reach the store', async () => {
    let calls = 0
    let stored: Tokens | undefined
    const store: TokenStore = {
      get: () => undefined,
      set: (tokens) => {
        calls++
        if (calls === 1) return new Promise(() => {}) // a lost reply
        stored = tokens
      },
      delete: () => {
        stored = undefined
      },
    }
    const session = createSession({ strategy: rotating(), tokens: start, store, refreshTimeoutMs: 50 })
    await session.getAccessToken() // seeds the store: the lost call
    await sleep(60)
    await session.refresh()
    expect(stored?.refreshToken).toBe('refresh-1')
    await session.clear()
    expect(stored).toBeUndefined()
    await session.destroy()
  })

  it('what waits on the store at destroy() rejects with SessionExpiredError, reported as no store failure; many waits add no listener each', async () => {
    const warnings: string[] = []
    const onWarning = (warning: Error) => warnings.push(warning.name)
    process.on('warning', onWarning)
    const session = createSession({ strategy: rotating(), store: { get: () => undefined, set: () => new Promise(() => {}), delete: () => {} }, refreshTimeoutMs: 60_000 })
    const failures: unknown[] = []
    session.on('storeFailed', (event) => failures.push(event))
    const waits: Array<Promise<unknown>> = []
    for (let i = 0; i < 20; i++) {
      waits.push(session.setTokens({ accessToken: `token-${i}` }).catch((error: unknown) => error))
      await sleep(1) // each asked after the one before started or queued: none superseded
    }
    await session.destroy()
    for (const error of await Promise.all(waits)) expect(error).toBeInstanceOf(SessionExpiredError)
    expect(failures).toEqual([])
    await sleep(5)
    process.off('warning', onWarning)
    expect(warnings).not.toContain('MaxListenersExceededWarning')
  })

  it('a write that lands late, over a newer one, is followed by the newest again; a failed one is brought up on a later use', async () => {
    const slowA = deferred()
    let stored: Tokens | undefined
    let failNext = false
    const store: TokenStore = {
      get: () => undefined,
      set: async (tokens) => {
        if (tokens.accessToken === 'A') {
          await slowA.promise
          stored = tokens
          return
        }
        if (failNext) {
          failNext = false
          throw new Error('ECONNRESET')
        }
        stored = tokens
      },
      delete: () => {},
    }
    const session = createSession({ strategy: rotating(), store, refreshTimeoutMs: 50 })
    await session.setTokens({ accessToken: 'A' }).catch(() => {}) // misses its deadline
    await session.setTokens({ accessToken: 'B' })
    failNext = true // the repair after A's late landing fails once
    slowA.resolve()
    await sleep(10)
    expect(stored?.accessToken).toBe('A')
    await sleep(1_000) // a failure waits a second before the store is brought up again
    await session.getAccessToken() // a use brings it up
    await sleep(10)
    expect(stored?.accessToken).toBe('B')
    await session.destroy()
  })

  it('a store always slower than its deadline is not written again and again', async () => {
    let sets = 0
    const store: TokenStore = { get: () => undefined, set: () => {
        sets++
        return sleep(80)
      },
      delete: () => {} }
    const session = createSession({ strategy: rotating(), store, refreshTimeoutMs: 50 })
    await session.setTokens({ accessToken: 'A' }).catch(() => {})
    await session.setTokens({ accessToken: 'B' }).catch(() => {})
    await sleep(500)
    expect(sets).toBe(2)
    await session.destroy()
  })

  it('clear() whose delete fails rejects; the delete is made again on a later use', async () => {
    let stored: Tokens | undefined = start
    let deletes = 0
    const store: TokenStore = {
      get: () => stored,
      set: (tokens) => {
        stored = tokens
      },
      delete: () => {
        if (++deletes === 1) throw new Error('unavailable')
        stored = undefined
      },
    }
    const session = createSession({ strategy: rotating(), store })
    await session.getAccessToken()
    await expect(session.clear()).rejects.toThrow(/delete\(\) failed/)
    await sleep(1_000)
    await session.getAccessToken().catch(() => {}) // signed out: a use all the same
    await sleep(10)
    expect(stored).toBeUndefined()
  })

  it('destroy() lets a coordinated refresh’s write land before it resolves', async () => {
    let stored: Tokens | undefined
    const store: TokenStore = {
      get: () => undefined,
      set: async (tokens) => {
        await sleep(50)
        stored = tokens
      },
      delete: () => {},
    }
    const coordinator = { refresh: (_stale: Tokens, work: () => Promise<Tokens>) => work() }
    const session = createSession({ strategy: rotating(), tokens: start, store, coordinator })
    await session.getAccessToken()
    await sleep(60) // the seed write
    const refreshing = session.refresh().catch(() => 'released')
    await sleep(5) // the provider answered, the write is under way
    await session.destroy()
    expect(stored?.refreshToken).toBe('refresh-1')
    await refreshing
  })

  it('a store that edits what it is given edits nothing in the session; nor does a strategy that edits its input', async () => {
    const store: TokenStore = {
      get: () => undefined,
      set: (tokens) => {
        delete (tokens as Partial<Tokens>).refreshToken // "never persist the refresh token"
      },
      delete: () => {},
    }
    const seen: unknown[] = []
    const strategy = countingStrategy((call, current) => {
      seen.push(current.refreshToken)
      ;(current as { accessToken: string }).accessToken = ''
      return { accessToken: `token-${call}`, refreshToken: `refresh-${call}` }
    })
    const session = createSession({ strategy, tokens: start, store })
    await session.refresh()
    await session.refresh()
    expect(seen).toEqual(['refresh-0', 'refresh-1'])
    expect(await session.getAccessToken()).toBe('token-2')
  })
})

describe('tokens are copied where they enter', () => {
  it('changing the object given to createSession or setTokens afterwards changes nothing', async () => {
    const given = { ...start }
    const session = createSession({ strategy: rotating(), tokens: given })
    given.accessToken = 'token-0\r\nX-Injected: yes'
    expect(await session.getAccessToken()).toBe('token-0')
    const later = { accessToken: 'token-9' }
    await session.setTokens(later)
    later.accessToken = 'other'
    expect(await session.getAccessToken()).toBe('token-9')
  })

  it('a stored answer whose field throws as it is read is refused with our error, not the store’s text', async () => {
    const store: TokenStore = {
      get: () =>
        ({
          refreshToken: 'refresh-secret-1234',
          get accessToken(): string {
            throw new Error('could not decrypt {refreshToken: refresh-secret-1234}')
          },
        }) as Tokens,
      set: () => {},
      delete: () => {},
    }
    const session = createSession({ strategy: rotating(), tokens: start, store })
    const failures: Array<SessionEvents['storeFailed']> = []
    session.on('storeFailed', (event) => failures.push(event))
    expect(await session.getAccessToken()).toBe('token-0')
    expect(failures).toHaveLength(1)
    expect(inspect(failures, { depth: 10 })).not.toContain('refresh-secret')
  })
})

describe('tokens as a class instance', () => {
  it('its getters count, a provider’s own credential included', async () => {
    class Stored {
      constructor(private readonly raw: Record<string, string>) {}
      get accessToken() {
        return this.raw.access as string
      }
      get sessionToken() {
        return this.raw.session as string
      }
    }
    const seen: unknown[] = []
    const strategy = countingStrategy((call, current) => {
      seen.push((current as Tokens & { sessionToken?: string }).sessionToken)
      return { accessToken: `token-${call}` }
    })
    const session = createSession({ strategy, tokens: new Stored({ access: 'token-0', session: 'session-0' }) as unknown as Tokens })
    await session.refresh()
    expect(seen).toEqual(['session-0'])
  })
})

describe('an expiry in seconds is refused, not refreshed on every read', () => {
  const inSeconds = Math.floor(Date.now() / 1000) + 3600
  it('createSession and setTokens', async () => {
    expect(() => createSession({ strategy: rotating(), tokens: { accessToken: 'a', expiresAt: inSeconds } })).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining('tokens.expiresAt') }),
    )
    const session = createSession({ strategy: rotating() })
    await expect(session.setTokens({ accessToken: 'a', expiresAt: inSeconds })).rejects.toMatchObject({ name: 'TypeError' })
  })

  it('from a provider, a store or another copy it is taken as unknown, not refused: the rotated refresh token is kept', async () => {
    const strategy = countingStrategy((call) => ({ accessToken: `token-${call}`, refreshToken: `refresh-${call}`, expiresAt: inSeconds }))
    const session = createSession({ strategy, tokens: start, retry: false })
    expect(await session.refresh()).toBe('token-1')
    for (let i = 0; i < 3; i++) expect(await session.getAccessToken()).toBe('token-1') // no refresh per read
    expect(strategy.calls).toBe(1)
    const stored = createSession({ strategy: rotating(), tokens: start, store: { get: () => ({ accessToken: 'b', refreshToken: 'rb', expiresAt: inSeconds }), set: () => {}, delete: () => {} } })
    expect(await stored.getAccessToken()).toBe('b')
  })

  it('2^31 - 1 ("never", in seconds) and an injected clock that reads as a date', () => {
    expect(() => createSession({ strategy: rotating(), tokens: { accessToken: 'a', expiresAt: 2 ** 31 - 1 } })).toThrow(/expiresAt/)
    expect(() => createSession({ strategy: rotating(), tokens: { accessToken: 'a', expiresAt: inSeconds }, now: () => Date.now() })).toThrow(/expiresAt/)
  })

  it('an injected clock that does not read as a date takes any number', () => {
    const session = createSession({ strategy: rotating(), tokens: { accessToken: 'a', expiresAt: 5_000 }, now: () => 1_000 })
    expect(session.state).toBe('active')
  })
})

describe('an expiry of NaN (computed from a lifetime the answer lacked)', () => {
  it('createSession and setTokens refuse it, and say NaN', async () => {
    const refused = expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining('got `NaN` (number)') })
    expect(() => createSession({ strategy: rotating(), tokens: { accessToken: 'a', expiresAt: Number.NaN } })).toThrow(refused)
    await expect(createSession({ strategy: rotating() }).setTokens({ accessToken: 'a', expiresAt: Number.NaN })).rejects.toEqual(refused)
  })

  it('from a provider, a store or another copy it is taken as unknown, not refused: the rotated refresh token is kept and presented next', async () => {
    const presented: Array<string | undefined> = []
    const strategy = countingStrategy((call, current) => {
      presented.push(current.refreshToken)
      return { accessToken: `token-${call}`, refreshToken: `refresh-${call}`, expiresAt: Number.NaN }
    })
    const session = createSession({ strategy, tokens: start, retry: false })
    expect(await session.refresh()).toBe('token-1')
    expect(await session.getAccessToken()).toBe('token-1') // unknown, not expired: no refresh per read
    expect(await session.refresh()).toBe('token-2')
    expect(presented).toEqual([start.refreshToken, 'refresh-1'])
    const stored = createSession({ strategy: rotating(), tokens: start, store: { get: () => ({ accessToken: 'b', refreshToken: 'rb', expiresAt: Number.NaN }), set: () => {}, delete: () => {} } })
    expect(await stored.getAccessToken()).toBe('b')
  })
})

describe('listeners', () => {
  it('setTokens() in a refreshFailed or expired listener wins over the failure', async () => {
    for (const type of ['refreshFailed', 'expired'] as const) {
      const failing = countingStrategy(() => {
        throw new RefreshError('revoked', { transient: false, status: 401 })
      })
      const session = createSession({ strategy: failing, tokens: start })
      session.on(type, () => void session.setTokens({ accessToken: `signed-in-again-${type}` }))
      expect(await session.refresh()).toBe(`signed-in-again-${type}`)
      expect(session.state).toBe('active')
    }
  })

  it('clear() in a refreshed listener wins for the refresh’s callers too', async () => {
    const session = createSession({ strategy: rotating(), tokens: start })
    session.on('refreshed', () => void session.clear())
    await expect(session.refresh()).rejects.toBeInstanceOf(SessionExpiredError)
    expect(session.state).toBe('signed-out')
  })

  it('destroy() resolves within a deadline when a coordinator never settles', async () => {
    const session = createSession({ strategy: rotating(), tokens: start, coordinator: { refresh: () => new Promise<Tokens>(() => {}) }, refreshTimeoutMs: 100 })
    const refreshing = session.refresh().catch((error: unknown) => error)
    await sleep(5)
    const destroyed = session.destroy().then(() => 'resolved')
    expect(await Promise.race([destroyed, sleep(1_000).then(() => 'still pending')])).toBe('resolved')
    expect(await refreshing).toBeInstanceOf(SessionExpiredError)
  })

  it.each([
    ['never settles', () => new Promise<void>(() => {})],
    ['throws', () => {
      throw new Error('drain failed')
    }],
    ['rejects', () => Promise.reject(new Error('drain failed'))],
  ])('destroy() waits for what a coordinator still owes the others, and resolves within a deadline when that %s', async (_, drained) => {
    const owed = deferred()
    const calls: string[] = []
    const waiting = createSession({ strategy: rotating(), tokens: start, coordinator: { refresh: (_stale, work) => work(), drained: () => owed.promise.then(() => void calls.push('drained')) } })
    const destroyed = waiting.destroy().then(() => calls.push('destroyed'))
    await sleep(20)
    expect(calls).toEqual([])
    owed.resolve()
    await destroyed
    expect(calls).toEqual(['drained', 'destroyed'])
    const session = createSession({ strategy: rotating(), tokens: start, coordinator: { refresh: (_stale, work) => work(), drained: drained as () => Promise<void> }, refreshTimeoutMs: 100 })
    expect(await Promise.race([session.destroy().then(() => 'resolved'), sleep(1_000).then(() => 'still pending')])).toBe('resolved')
  })

  it('destroy() in a refreshing listener stops the refresh before the strategy is called', async () => {
    const strategy = rotating()
    const session = createSession({ strategy, tokens: start })
    session.on('refreshing', () => void session.destroy())
    await expect(session.refresh()).rejects.toBeInstanceOf(SessionExpiredError)
    expect(strategy.calls).toBe(0)
  })

  it('on() refuses a listener that is not a function and an event that does not exist', () => {
    const session = createSession({ strategy: rotating(), tokens: start })
    const on = session.on as (type: unknown, listener: unknown) => unknown
    expect(() => on('expired', { handleEvent() {} })).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }))
    expect(() => on('expird', () => {})).toThrow(expect.objectContaining({ name: 'TypeError', message: expect.stringContaining('event type') }))
  })

  // A misspelt off() would leave the listener subscribed without a word.
  it('off() refuses an event that does not exist and a listener that is not a function; a valid off() removes', async () => {
    const session = createSession({ strategy: rotating(), tokens: start })
    const off = session.off as (type: unknown, listener?: unknown) => unknown
    let calls = 0
    const listener = () => void calls++
    session.on('refreshed', listener)
    expect(() => off('refreshd', listener)).toThrow(expect.objectContaining({ name: 'TypeError', message: expect.stringContaining('event type') }))
    expect(() => off('refreshed', 'listener')).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }))
    await session.refresh()
    expect(calls).toBe(1)
    off('refreshed', listener)
    await session.refresh()
    expect(calls).toBe(1)
  })

  it('calling an unsubscribe function twice removes its own subscription only', async () => {
    const session = createSession({ strategy: rotating(), tokens: start })
    let calls = 0
    const listener = () => void calls++
    const first = session.on('refreshed', listener)
    session.on('refreshed', listener)
    first()
    first()
    await session.refresh()
    expect(calls).toBe(1)
  })
})

describe('after destroy()', () => {
  it('clear() rejects and touches neither the store nor the coordinator', async () => {
    let deletes = 0
    const session = createSession({ strategy: rotating(), tokens: start, store: { get: () => undefined, set: () => {}, delete: () => void deletes++ } })
    await session.getAccessToken()
    await session.destroy()
    await expect(session.clear()).rejects.toBeInstanceOf(SessionExpiredError)
    expect(deletes).toBe(0)
  })

  it('a wait on a hung store ends with destroy(), not at its deadline', async () => {
    const session = createSession({ strategy: rotating(), store: { get: () => undefined, set: () => new Promise(() => {}), delete: () => {} }, refreshTimeoutMs: 60_000 })
    const setting = session.setTokens(start).catch((error: unknown) => error)
    await sleep(5)
    await session.destroy()
    expect(await Promise.race([setting, sleep(500).then(() => 'still waiting')])).toBeInstanceOf(Error)
  })
})

describe('what a strategy or caller builds', () => {
  it('RefreshError refuses a missing or non-boolean transient and a negative or NaN retryAfterMs, and caps a huge one', () => {
    const make = RefreshError as unknown as new (message: string, options?: unknown) => RefreshError
    for (const options of [undefined, {}, { status: 503 }, { transient: 'false' }, { transient: true, retryAfterMs: -1 }, { transient: true, retryAfterMs: Number.NaN }]) {
      expect(() => new make('x', options)).toThrow(expect.objectContaining({ name: 'TypeError', code: expect.stringMatching(/^ERR_INVALID_ARG/) }))
    }
    expect(new RefreshError('busy', { transient: true, retryAfterMs: Number.POSITIVE_INFINITY }).retryAfterMs).toBe(365 * 24 * 3_600_000)
  })
})

describe('a polluted Object.prototype configures nothing', () => {
  const proto = Object.prototype as Record<string, unknown>
  const polluted = ['fetch', 'store', 'authorize', 'retries', 'refreshToken', 'header', 'tokenflight', 'skip']
  afterEach(() => {
    for (const key of polluted) delete proto[key]
  })

  it('an option it would supply is refused by name, in every factory that checks its keys', () => {
    proto.store = { get: () => undefined, set: () => {}, delete: () => {} }
    expect(() => createSession({ strategy: rotating(), tokens: start })).toThrow(/Object\.prototype has `store`/)
    delete proto.store
    proto.authorize = () => {}
    expect(() => createSession({ strategy: fib({ baseURL: 'https://auth.example.com' }), tokens: start })).toThrow(/Object\.prototype has `authorize`/)
    delete proto.authorize
    proto.header = 'x-leak-to'
    expect(() => fib({ baseURL: 'https://auth.example.com', authorization: { scheme: 'Bearer' } })).toThrow(/Object\.prototype has `header`/)
  })

  it('a field left out of tokens or options reads as absent, not as the polluted value', async () => {
    proto.retries = 0
    proto.refreshToken = 'planted'
    let seen: unknown = 'not called'
    let calls = 0
    const session = createSession({
      strategy: countingStrategy((_call, current) => {
        calls++
        seen = current.refreshToken
        if (calls === 1) throw new RefreshError('busy', { transient: true })
        return { accessToken: 'token-1' }
      }),
      tokens: { accessToken: 'token-0' },
    })
    await session.refresh()
    expect(calls).toBe(2) // the default retries, not the planted 0
    expect(seen).toBeUndefined()
  })

  // What a wrapped fetch sent as Authorization for one call with `init`.
  async function authorizationSent(init: RequestInit & { tokenflight?: object }): Promise<string | null> {
    let sent: string | null = 'not sent'
    const fetchFn = (async (_input: RequestInfo | URL, given?: RequestInit) => {
      sent = new Headers(given?.headers).get('authorization')
      return new Response('{}')
    }) as typeof fetch
    const authedFetch = wrapFetch(fetchFn, createSession({ strategy: rotating(), tokens: start }), { origins: ['https://api.example.com'] })
    await authedFetch('https://api.example.com/me', init)
    return sent
  }

  it('a per-request option is the request’s own, and so are skip and authFailure inside it', async () => {
    proto.tokenflight = { skip: true }
    expect(await authorizationSent({})).toBe('Bearer token-0')
    delete proto.tokenflight
    proto.skip = true
    expect(await authorizationSent({ tokenflight: {} })).toBe('Bearer token-0')
  })
})

describe('state while the store is read', () => {
  it('is loading, then what the store held', async () => {
    const session = createSession({ strategy: rotating(), store: { get: () => start, set: () => {}, delete: () => {} } })
    expect(session.state).toBe('loading')
    await session.getAccessToken()
    expect(session.state).toBe('active')
  })
})

describe('what user code throws never carries a token into our errors', () => {
  const secret = 'refresh-secret-5678'
  const tokens = { accessToken: 'access-secret-1234', refreshToken: secret }
  const revoked = Proxy.revocable({}, {})
  revoked.revoke()
  const thrown = {
    'a Proxy whose every trap throws the token': new Proxy(new Error('wrapped'), {
      get: () => {
        throw new Error(`lookup failed for ${secret}`)
      },
      getPrototypeOf: () => {
        throw new Error(`lookup failed for ${secret}`)
      },
    }),
    'a revoked Proxy': revoked.proxy,
    'a string holding the token': `failed with ${secret}`,
  }

  it.each(Object.keys(thrown))('a strategy throwing %s: the caller and refreshFailed get our words only', async (name) => {
    const strategy = countingStrategy(() => {
      throw thrown[name as keyof typeof thrown]
    })
    const session = createSession({ strategy, tokens, retry: false })
    const failures: unknown[] = []
    session.on('refreshFailed', (event) => failures.push(event))
    const error = await session.refresh().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(/^The strategy's refresh failed/)
    expect(inspect([error, failures], { depth: 10, showHidden: true })).not.toContain('secret')
  })

  it.each(Object.keys(thrown))("the fetch a built-in strategy is given throwing %s: the caller and refreshFailed get our words only", async (name) => {
    const fetchFn = (() => {
      throw thrown[name as keyof typeof thrown]
    }) as typeof fetch
    const session = createSession({ strategy: fib({ baseURL: 'https://auth.example.com' }), tokens, retry: false, fetch: fetchFn })
    const failures: unknown[] = []
    session.on('refreshFailed', (event) => failures.push(event))
    const error = await session.refresh().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(RefreshError)
    expect(inspect([error, failures], { depth: 10, showHidden: true })).not.toContain('secret')
  })

  it.each(Object.keys(thrown))('a store whose set throws %s: setTokens() and storeFailed get our words only', async (name) => {
    const store: TokenStore = {
      get: () => undefined,
      set: () => {
        throw thrown[name as keyof typeof thrown]
      },
      delete: () => {},
    }
    const session = createSession({ strategy: rotating(), tokens, store })
    const failures: unknown[] = []
    session.on('storeFailed', (event) => failures.push(event))
    const error = await session.setTokens(tokens).catch((caught: unknown) => caught)
    expect((error as Error).message).toMatch(/^The token store's set\(\) failed/)
    expect(inspect([error, failures], { depth: 10, showHidden: true })).not.toContain('secret')
  })

  it.each(Object.keys(thrown))('a coordinator rejecting with %s: the caller and refreshFailed get our words only', async (name) => {
    const session = createSession({
      strategy: rotating(),
      tokens,
      coordinator: { refresh: () => Promise.reject(thrown[name as keyof typeof thrown]) },
    })
    const failures: unknown[] = []
    session.on('refreshFailed', (event) => failures.push(event))
    const error = await session.refresh().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(/^The coordinated refresh failed/)
    expect(inspect([error, failures], { depth: 10, showHidden: true })).not.toContain('secret')
  })
})

describe('a runtime without fetch', () => {
  it('a built-in strategy fails saying no fetch was given, not that its endpoint could not be reached; a given fetch is used', async () => {
    const global = globalThis as { fetch?: typeof fetch | undefined }
    const real = global.fetch
    delete global.fetch
    let session: ReturnType<typeof createSession>
    let given: ReturnType<typeof createSession>
    const calls: string[] = []
    try {
      session = createSession({ strategy: fib({ baseURL: 'https://auth.example.com' }), tokens: { accessToken: 'a', refreshToken: 'r' }, retry: { retries: 0 } })
      const fetchFn = (async (input: RequestInfo | URL) => {
        calls.push(String(input))
        return new Response('{}', { status: 503 })
      }) as typeof fetch
      given = createSession({ strategy: fib({ baseURL: 'https://auth.example.com' }), tokens: { accessToken: 'a', refreshToken: 'r' }, retry: { retries: 0 }, fetch: fetchFn })
    } finally {
      global.fetch = real
    }
    const error = await session.refresh().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(RefreshError)
    expect(error).toMatchObject({ transient: true, message: expect.stringMatching(/No fetch here for the refresh call.*pass `fetch` to createSession/) })
    await expect(given.refresh()).rejects.toThrow(/HTTP 503/)
    expect(calls).toHaveLength(1)
  })
})
