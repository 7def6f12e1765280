/**
 * Platform APIs that page code replaced with ones that throw (a privacy extension, a broken
 * polyfill) are met like missing ones: tokenflight falls back instead of throwing the page's error.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createSession, RefreshTimeoutError, tabCoordinator } from '../src/index.js'
import { reasonOf } from '../src/abort.js'
import { randomUuid } from '../src/random-uuid.js'
import { countingStrategy } from './_helpers/counting-strategy.js'

const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const refuse = (): never => {
  throw new DOMException('blocked', 'NotSupportedError')
}

afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
})

describe('crypto that throws', () => {
  it.each([
    ['randomUUID throws', () => vi.spyOn(crypto, 'randomUUID').mockImplementation(refuse)],
    ['randomUUID and getRandomValues throw', () => [vi.spyOn(crypto, 'randomUUID').mockImplementation(refuse), vi.spyOn(crypto, 'getRandomValues').mockImplementation(refuse)]],
    ['randomUUID gone (an insecure page), getRandomValues throws', () => vi.stubGlobal('crypto', { getRandomValues: refuse })],
    ['no crypto at all', () => vi.stubGlobal('crypto', undefined)],
  ])('%s: ids are still version 4 UUIDs, each different', (_, breakCrypto) => {
    breakCrypto()
    const ids = new Set(Array.from({ length: 50 }, () => randomUuid()))
    expect(ids.size).toBe(50)
    for (const id of ids) expect(id).toMatch(uuidV4)
  })

  it('a tab coordinator taking a storage lock (ids for its owner) attaches and refreshes', async () => {
    const items = new Map<string, string>()
    vi.stubGlobal('localStorage', { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), removeItem: (k: string) => void items.delete(k) })
    vi.spyOn(crypto, 'randomUUID').mockImplementation(refuse)
    vi.spyOn(crypto, 'getRandomValues').mockImplementation(refuse)
    const coordinator = tabCoordinator({ name: `crypto-${Math.random()}` })
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0', refreshToken: 'r0' }, coordinator })
    expect(coordinator.mechanism.lock).toBe('storage')
    await expect(session.refresh()).resolves.toBe('token-1')
    await session.destroy()
  })
})

describe('tab coordination APIs that page code made throw', () => {
  const throwingGetter = (target: object, name: string) => {
    const own = Object.getOwnPropertyDescriptor(target, name)
    Object.defineProperty(target, name, { configurable: true, get: refuse })
    return () => (own ? Object.defineProperty(target, name, own) : Reflect.deleteProperty(target, name))
  }

  it.each([
    ['navigator.locks read through a throwing getter', () => vi.stubGlobal('navigator', Object.defineProperty({}, 'locks', { get: refuse })), { lock: 'storage', channel: 'broadcast-channel' }],
    ['BroadcastChannel read through a throwing getter', () => throwingGetter(globalThis, 'BroadcastChannel'), { lock: 'storage', channel: 'storage-event' }],
    ['addEventListener and removeEventListener that throw', () => vi.stubGlobal('addEventListener', refuse) && vi.stubGlobal('removeEventListener', refuse), { lock: 'storage', channel: 'broadcast-channel' }],
  ] as const)('%s: met like a missing one, the coordinator attaches, refreshes and closes', async (_, breakIt, mechanism) => {
    const items = new Map<string, string>()
    vi.stubGlobal('localStorage', { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), removeItem: (k: string) => void items.delete(k) })
    const restore = breakIt()
    try {
      const coordinator = tabCoordinator({ name: `broken-${Math.random()}` })
      const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0', refreshToken: 'r0' }, coordinator })
      expect(coordinator.mechanism).toEqual(mechanism)
      await expect(session.refresh()).resolves.toBe('token-1')
      await session.destroy()
    } finally {
      if (typeof restore === 'function') restore()
    }
  })
})

describe('performance.now that throws or answers nonsense', () => {
  // The clock keeps its fallback once taken: each case gets the module afresh.
  const freshClock = async () => {
    vi.resetModules()
    return (await import('../src/monotonic.js')).monotonicNow
  }

  it.each([
    ['throws', refuse],
    ['answers NaN', () => Number.NaN],
  ])('%s midway: the clock goes on from its last reading, never back, never leaping', async (_, broken) => {
    const monotonicNow = await freshClock()
    const before = monotonicNow()
    vi.spyOn(performance, 'now').mockImplementation(broken)
    const after = monotonicNow()
    expect(after).toBeGreaterThanOrEqual(before)
    expect(after - before).toBeLessThan(50)
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(monotonicNow() - after).toBeGreaterThanOrEqual(25)
  })

  it('standing still (a fake-timer library left installed): the clock goes on from its last reading once the system\'s time has moved 1 s since it first repeated itself', async () => {
    const monotonicNow = await freshClock()
    const stopped = monotonicNow()
    vi.spyOn(performance, 'now').mockImplementation(() => stopped)
    const wall = vi.spyOn(Date, 'now')
    const started = Date.now()
    wall.mockReturnValue(started)
    expect(monotonicNow()).toBe(stopped) // read again: the second of a second's grace
    wall.mockReturnValue(started + 999)
    expect(monotonicNow()).toBe(stopped)
    wall.mockReturnValue(started + 1_000)
    const after = monotonicNow()
    wall.mockReturnValue(started + 1_250)
    expect(monotonicNow() - after).toBeCloseTo(250)
  })

  it('standing still from the start: a coordinated session still refreshes, about a second late, not never', async () => {
    vi.spyOn(performance, 'now').mockImplementation(() => 1_000)
    vi.resetModules()
    const index = await import('../src/index.js')
    const strategy = countingStrategy()
    const session = index.createSession({ strategy, tokens: { accessToken: 'token-0', refreshToken: 'r0' }, coordinator: index.tabCoordinator(), refreshTimeoutMs: 5_000 })
    await expect(session.refresh()).resolves.toBe('token-1')
    expect(strategy.calls).toBe(1)
    await session.destroy()
  })

  it('throwing from the start: sessions keep their deadlines', async () => {
    vi.spyOn(performance, 'now').mockImplementation(refuse)
    vi.resetModules()
    const { createSession: create } = await import('../src/index.js')
    const session = create({ strategy: countingStrategy(() => new Promise(() => {})), tokens: { accessToken: 'token-0', refreshToken: 'r0' }, refreshTimeoutMs: 60 })
    const began = Date.now()
    await expect(session.refresh()).rejects.toMatchObject({ name: RefreshTimeoutError.name })
    expect(Date.now() - began).toBeGreaterThanOrEqual(55)
    expect(Date.now() - began).toBeLessThan(1_000)
    await session.destroy()
  })
})

describe('AbortController or DOMException removed by page code', () => {
  it('no AbortController: createSession throws a TypeError naming it, not a ReferenceError from inside', () => {
    vi.stubGlobal('AbortController', undefined)
    expect(() => createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0', refreshToken: 'r0' } })).toThrow(
      new TypeError('createSession needs AbortController, which this page or runtime lacks'),
    )
  })

  it('no DOMException: a signal without `reason` (an old platform) still aborts with an AbortError, the same one each time', () => {
    vi.stubGlobal('DOMException', undefined)
    const signal = { aborted: true, reason: undefined } as unknown as AbortSignal
    const reason = reasonOf(signal)
    expect(reason).toMatchObject({ name: 'AbortError', message: 'This operation was aborted' })
    expect(reasonOf(signal)).toBe(reason)
  })
})
