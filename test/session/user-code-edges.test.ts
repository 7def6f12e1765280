/**
 * The session around odd user code: a store whose calls finish out of order, a tokens object
 * changed after it was given, a store answer that throws as it is read, an expiry in seconds,
 * listeners that sign in, destroy or were never functions, a `RefreshError` built wrong, options
 * inherited from a polluted `Object.prototype`. Each case is what a caller would do by mistake.
 */
import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession, RefreshError, SessionExpiredError, type SessionEvents, type Tokens, type TokenStore } from '../../src/index.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'
import { deferred } from '../_helpers/deferred.js'

const start: Tokens = { accessToken: 'token-0', refreshToken: 'refresh-0' }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
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

describe('an expiry in seconds is refused, not refreshed on every read', () => {
  const inSeconds = Math.floor(Date.now() / 1000) + 3600
  it('createSession and setTokens', async () => {
    expect(() => createSession({ strategy: rotating(), tokens: { accessToken: 'a', expiresAt: inSeconds } })).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining('tokens.expiresAt') }),
    )
    const session = createSession({ strategy: rotating() })
    await expect(session.setTokens({ accessToken: 'a', expiresAt: inSeconds })).rejects.toMatchObject({ name: 'TypeError' })
  })

  it('a strategy’s answer', async () => {
    const session = createSession({ strategy: countingStrategy(() => ({ accessToken: 'b', expiresAt: inSeconds })), tokens: start, retry: false })
    await expect(session.refresh()).rejects.toMatchObject({ name: 'InvalidRefreshResponseError' })
  })

  it('an injected clock that does not read as a date takes any number', () => {
    const session = createSession({ strategy: rotating(), tokens: { accessToken: 'a', expiresAt: 5_000 }, now: () => 1_000 })
    expect(session.state).toBe('active')
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

describe('options are read from the object given, never from Object.prototype', () => {
  const proto = Object.prototype as Record<string, unknown>
  afterEach(() => {
    delete proto.fetch
    delete proto.store
  })

  it('a polluted fetch or store is not used', async () => {
    let used = 0
    proto.fetch = () => {
      used++
      return Promise.reject(new Error('polluted'))
    }
    proto.store = { get: () => (used++, undefined), set: () => void used++, delete: () => void used++ }
    const session = createSession({ strategy: rotating(), tokens: start })
    await session.refresh()
    expect(used).toBe(0)
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
