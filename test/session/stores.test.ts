/**
 * A store is user code: one whose get/set/delete throws synchronously is handled like one that
 * rejects, one that never settles holds nothing past refreshTimeoutMs, what get() returns is
 * checked like user input, and a write that fails after a rotation keeps the rotated refresh
 * token in memory (retried) so the next refresh presents it, not the spent one.
 */
import { describe, expect, it } from 'vitest'
import { type Coordinator, createSession, StoreTimeoutError, type SessionEvents, type Tokens, type TokenStore } from '../../src/index.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'
import { port } from '../_helpers/session-port.js'

const start: Tokens = { accessToken: 'token-0', refreshToken: 'refresh-0' }
const never = (): Promise<never> => new Promise(() => {})

function store(overrides: Partial<TokenStore>): TokenStore {
  return { get: () => undefined, set: () => {}, delete: () => {}, ...overrides }
}

function storeFailures(session: ReturnType<typeof createSession>): Array<SessionEvents['storeFailed']> {
  const seen: Array<SessionEvents['storeFailed']> = []
  session.on('storeFailed', (event) => seen.push(event))
  return seen
}

describe('a store that throws synchronously is handled like one that rejects', () => {
  it.each([
    ['get throws', store({ get: () => { throw new Error('disk gone') } })],
    ['get rejects', store({ get: () => Promise.reject(new Error('disk gone')) })],
  ])('%s: the session starts from the initial tokens, not signed out', async (_label, broken) => {
    const session = createSession({ strategy: countingStrategy(), tokens: start, store: broken })
    const failures = storeFailures(session)
    await expect(session.getAccessToken()).resolves.toBe('token-0')
    expect(session.state).toBe('active')
    expect(failures.map((f) => f.operation)).toEqual(['get'])
  })

  it.each([
    ['set throws', () => { throw new Error('quota') }],
    ['set rejects', () => Promise.reject(new Error('quota'))],
  ])('%s during setTokens: rejects naming the store call (never its text), the tokens are in use', async (_label, set) => {
    const session = createSession({ strategy: countingStrategy(), store: store({ set }) })
    await expect(session.setTokens(start)).rejects.toThrow("The token store's set() failed")
    await expect(session.getAccessToken()).resolves.toBe('token-0')
  })

  it('delete throws during clear: rejects naming the store call, the session is signed out anyway', async () => {
    const session = createSession({ strategy: countingStrategy(), tokens: start, store: store({ delete: () => { throw new Error('locked') } }) })
    await expect(session.clear()).rejects.toThrow("The token store's delete() failed")
    expect(session.state).toBe('signed-out')
  })
})

describe('a store that never settles holds nothing past refreshTimeoutMs', () => {
  it('get: calls proceed with the initial tokens after the bound', async () => {
    const session = createSession({ strategy: countingStrategy(), tokens: start, store: store({ get: never }), refreshTimeoutMs: 50 })
    const failures = storeFailures(session)
    const began = performance.now()
    await expect(session.getAccessToken()).resolves.toBe('token-0')
    expect(performance.now() - began).toBeLessThan(1_000)
    expect(failures).toEqual([{ operation: 'get', error: expect.any(StoreTimeoutError) }])
  })

  it.each(['setTokens', 'clear'] as const)('get: a %s() meanwhile decides the tokens, and the calls waiting on the read go on at once', async (method) => {
    const session = createSession({ strategy: countingStrategy(), tokens: start, store: store({ get: never }), refreshTimeoutMs: 5_000 })
    const startedAt = Date.now()
    const waiting = session.getAccessToken().catch((error: Error) => error.name)
    await new Promise((resolve) => setTimeout(resolve, 20))
    if (method === 'setTokens') await session.setTokens({ accessToken: 'token-set' })
    else await session.clear()
    expect(await waiting).toBe(method === 'setTokens' ? 'token-set' : 'SessionExpiredError')
    expect(Date.now() - startedAt).toBeLessThan(1_000)
    await session.destroy()
  })

  it('set during a refresh: refresh() settles with the new token by the deadline', async () => {
    const session = createSession({ strategy: countingStrategy(), tokens: start, store: store({ get: () => start, set: never }), refreshTimeoutMs: 80 })
    const began = performance.now()
    // The write misses the deadline: the tokens are adopted anyway (pending, retried), not dropped.
    await expect(session.refresh()).resolves.toBe('token-1')
    expect(performance.now() - began).toBeLessThan(1_000)
    await expect(session.getAccessToken()).resolves.toBe('token-1')
  })

  // A coordinated refresh may run past its callers' deadline (a late answer), but a write of an
  // answer on time is not given that long: the tokens are in use from the deadline on.
  it('set during a coordinated refresh answered on time: the tokens are in use from the deadline, not one deadline later', async () => {
    const direct: Coordinator = { refresh: (_stale, work) => work() }
    const session = createSession({ strategy: countingStrategy(), tokens: start, store: store({ get: () => start, set: never }), refreshTimeoutMs: 80, coordinator: direct })
    void session.refresh().catch(() => {})
    await new Promise((resolve) => setTimeout(resolve, 130)) // past the deadline (80 ms), before twice it
    await expect(session.getAccessToken()).resolves.toBe('token-1')
    await session.destroy()
  })

  it('set during setTokens: rejects with StoreTimeoutError within the bound', async () => {
    const session = createSession({ strategy: countingStrategy(), store: store({ set: never }), refreshTimeoutMs: 50 })
    await expect(session.setTokens(start)).rejects.toBeInstanceOf(StoreTimeoutError)
    await expect(session.getAccessToken()).resolves.toBe('token-0')
  })
})

describe('a failed write after a rotation keeps the rotated refresh token', () => {
  it('the next refresh presents the new refresh token, and the write is retried', async () => {
    const presented: Array<string | undefined> = []
    const strategy = countingStrategy((call, current) => {
      presented.push(current.refreshToken)
      return { accessToken: `token-${call}`, refreshToken: `refresh-${call}` }
    })
    let failWrites = 1
    const written: Tokens[] = []
    const flaky = store({
      get: () => start,
      set: (tokens) => {
        if (failWrites-- > 0) throw new Error('store down')
        written.push(tokens)
      },
    })
    const session = createSession({ strategy, store: flaky })
    const failures = storeFailures(session)
    await expect(session.refresh()).resolves.toBe('token-1')
    expect(failures.map((f) => f.operation)).toEqual(['set'])
    await expect(port(session).tokensForSend()).resolves.toMatchObject({ refreshToken: 'refresh-1' })
    await new Promise((resolve) => setImmediate(resolve))
    expect(written).toEqual([]) // a dead store is not hit on every request: a second between retries
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    await port(session).tokensForSend()
    await new Promise((resolve) => setImmediate(resolve))
    expect(written).toEqual([{ accessToken: 'token-1', refreshToken: 'refresh-1' }]) // retried on use
    await session.refresh()
    expect(presented).toEqual(['refresh-0', 'refresh-1'])
  })
})

describe('a session destroyed while its store is behind (a pool evicting it, a shutdown)', () => {
  it.each([
    { store: 'back by then', written: [{ accessToken: 'token-1', refreshToken: 'refresh-1' }] },
    { store: 'still down', written: [] },
  ])('destroy() writes the rotated tokens a failed write left in memory ($store), within the deadline', async ({ store: state }) => {
    let down = true
    const written: Tokens[] = []
    const flaky = store({
      get: () => start,
      set: (tokens) => {
        if (down) throw new Error('store down')
        written.push(tokens)
      },
    })
    const session = createSession({ strategy: countingStrategy((call) => ({ accessToken: `token-${call}`, refreshToken: `refresh-${call}` })), store: flaky, refreshTimeoutMs: 300 })
    await expect(session.refresh()).resolves.toBe('token-1')
    down = state === 'still down'
    const began = performance.now()
    await session.destroy()
    expect(written).toEqual(state === 'still down' ? [] : [{ accessToken: 'token-1', refreshToken: 'refresh-1' }])
    expect(performance.now() - began).toBeLessThan(1_000)
  })
})

describe('what a store returns is checked like user input', () => {
  it.each([
    ['a token with a line feed', { accessToken: 'tok\nen', refreshToken: 'r' }],
    ['a refresh token with NUL', { accessToken: 'token', refreshToken: 'r\u0000' }],
    ['a string instead of tokens', 'eyJhbGciOiJIUzI1NiJ9.stored-secret'],
    ['a number as accessToken', { accessToken: 42 }],
  ])('%s: refused (storeFailed naming the field, never the value); the initial tokens are used', async (_label, stored) => {
    const session = createSession({ strategy: countingStrategy(), tokens: start, store: store({ get: () => stored as never }) })
    const failures = storeFailures(session)
    await expect(session.getAccessToken()).resolves.toBe('token-0')
    expect(failures).toHaveLength(1)
    const message = failures[0]?.error.message ?? ''
    expect(message).toMatch(/`stored tokens/)
    for (const secret of ['stored-secret', 'tok\n', 'r\u0000']) expect(message).not.toContain(secret)
  })
})

// A listener that answers a failed store call with another call (sign out, sign in again) must
// not spin on a dead store: every call it asks for within a second of the failure waits for the
// second's end and they share one store call. A refresh's own write is not held back.
describe('a storeFailed listener calling clear() or setTokens() on a store that keeps failing', () => {
  const GUARD = 2_000 // the listener stops here, so that a loop ends
  it.each(['clear', 'setTokens'] as const)('%s: about one store call a second, and timers still fire', async (call) => {
    let calls = 0
    const failing = () => {
      calls++
      throw new Error('storage blocked')
    }
    const session = createSession({ strategy: countingStrategy(), tokens: start, store: store({ set: failing, delete: failing }) })
    let events = 0
    session.on('storeFailed', () => {
      if (++events > GUARD) return
      const next = call === 'clear' ? session.clear() : session.setTokens({ accessToken: `token-again-${events}` })
      next.catch(() => {})
    })
    await session.getAccessToken()
    session.clear().catch(() => {})
    const asked = performance.now()
    await new Promise((resolve) => setTimeout(resolve, 20))
    const timerLate = performance.now() - asked - 20
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    expect(timerLate).toBeLessThan(200)
    expect(calls).toBeGreaterThanOrEqual(2) // called again after the second: a store that comes back is brought up
    expect(calls).toBeLessThanOrEqual(4)
    await session.destroy()
  })

  // A session whose store holds `start` and fails its first set(), then keeps what it is given.
  function failingOnce() {
    let failNext = true
    const written: Tokens[] = []
    const set = (tokens: Tokens): void => {
      if (failNext) {
        failNext = false
        throw new Error('storage blocked')
      }
      written.push(tokens)
    }
    return { session: createSession({ strategy: countingStrategy(), tokens: start, store: store({ get: () => start, set }) }), written }
  }

  it('a setTokens() asked for within the second lands once it is over, with the latest tokens', async () => {
    const { session, written } = failingOnce()
    await session.getAccessToken()
    await expect(session.setTokens({ accessToken: 'first' })).rejects.toThrow("The token store's set() failed")
    const began = performance.now()
    const second = session.setTokens({ accessToken: 'second' })
    const third = session.setTokens({ accessToken: 'third' })
    expect(session.state).toBe('active')
    await expect(port(session).tokensForSend()).resolves.toMatchObject({ accessToken: 'third' }) // in use at once
    await Promise.all([second, third])
    expect(performance.now() - began).toBeGreaterThan(900)
    expect(written).toEqual([{ accessToken: 'third' }])
  })

  it('destroy() within the second: the clear() asked for still reaches the store (a sign-out must land)', async () => {
    let deleted = 0
    let failNext = true
    const session = createSession({
      strategy: countingStrategy(),
      tokens: start,
      store: store({
        get: () => start,
        set: () => {
          if (failNext) {
            failNext = false
            throw new Error('storage blocked')
          }
        },
        delete: () => void deleted++,
      }),
    })
    await expect(session.setTokens(start)).rejects.toThrow("The token store's set() failed")
    const cleared = session.clear()
    await session.destroy()
    await expect(cleared).rejects.toThrow(/destroyed/)
    expect(deleted).toBe(1)
  })

  it("a refresh's own write within the second is made at once: its rotated refresh token must land", async () => {
    const { session, written } = failingOnce()
    await expect(session.setTokens(start)).rejects.toThrow("The token store's set() failed")
    await expect(session.refresh()).resolves.toBe('token-1')
    expect(written).toEqual([expect.objectContaining({ accessToken: 'token-1' })])
  })
})
