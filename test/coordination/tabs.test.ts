/**
 * tabCoordinator in Node, where the platform looks like a worker: BroadcastChannel, no Web Locks,
 * no localStorage unless a test puts one there. What it reports, what it refuses, what it says.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createSession, tabCoordinator } from '../../src/index.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'
import { deferred } from '../_helpers/deferred.js'

function memoryLocalStorage(): { getItem(key: string): string | null; setItem(key: string, value: string): void; removeItem(key: string): void; dump(): string } {
  const items = new Map<string, string>()
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
    dump: () => [...items].join('\n'),
  }
}

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('tabCoordinator options', () => {
  it.each([
    [{ nmae: 'x' }, /nmae/],
    [{ name: 42 }, /`name`/],
    [{ graceMs: -1 }, /`graceMs`/],
    [{ graceMs: 2 ** 31 }, /`graceMs`/],
  ])('%j → a TypeError naming the option', (options, message) => {
    expect(() => tabCoordinator(options as never)).toThrow(message)
  })
})

describe('tabCoordinator without a lock (a worker in an insecure context)', () => {
  it('says so in `mechanism` and with one coordinationDegraded at its first refresh, token-free', async () => {
    const coordinator = tabCoordinator({ name: `no-lock-${Math.random()}` })
    expect(coordinator.mechanism).toEqual({ lock: 'none', channel: 'broadcast-channel' })
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens: { accessToken: 'secret-access-0', refreshToken: 'secret-refresh-0' }, coordinator })
    const degraded: Error[] = []
    session.on('coordinationDegraded', ({ error }) => degraded.push(error))
    await session.refresh()
    await session.refresh()
    expect(strategy.calls).toBe(2)
    expect(degraded).toHaveLength(1)
    expect(degraded[0]?.message).toMatch(/no lock between tabs/i)
    expect(JSON.stringify(degraded[0]?.message)).not.toMatch(/secret/)
    await session.destroy()
  })
})

describe('tabCoordinator with localStorage but no Web Locks (an insecure page)', () => {
  it('two copies refreshing at once make one call; the channel carries a fingerprint of the stale token, and nothing rests in storage', async () => {
    const storage = memoryLocalStorage()
    vi.stubGlobal('localStorage', storage)
    const name = `pair-${Math.random()}`
    const heard: unknown[] = []
    const listener = new BroadcastChannel(name)
    listener.onmessage = (event) => heard.push(event.data)
    const answer = deferred<{ accessToken: string; refreshToken: string }>()
    const strategy = countingStrategy(() => answer.promise)
    const initial = { accessToken: 'stale-access-token', refreshToken: 'refresh-1' }
    const [first, second] = [tabCoordinator({ name }), tabCoordinator({ name })]
    expect(first.mechanism).toEqual({ lock: 'storage', channel: 'broadcast-channel' })
    const sessions = [createSession({ strategy, tokens: initial, coordinator: first }), createSession({ strategy, tokens: initial, coordinator: second })]
    const refreshed = sessions.map((session) => session.refresh())
    await vi.waitFor(() => expect(strategy.calls).toBe(1))
    expect(storage.dump()).not.toContain('stale-access-token')
    answer.resolve({ accessToken: 'new-access-token', refreshToken: 'refresh-2' })
    expect(await Promise.all(refreshed)).toEqual(['new-access-token', 'new-access-token'])
    expect(strategy.calls).toBe(1)
    const refreshing = heard.find((message) => (message as { type: string }).type === 'refreshing') as { stale: string }
    expect(refreshing.stale).toMatch(/^[0-9a-z]+$/)
    expect(JSON.stringify(heard.filter((message) => (message as { type: string }).type !== 'tokens'))).not.toContain('stale-access-token')
    expect(storage.dump()).toBe('')
    listener.close()
    await Promise.all(sessions.map((session) => session.destroy()))
  })

  it('a copy destroyed mid-refresh still delivers its tokens and holds the lock until then: the other copy makes no call', async () => {
    vi.stubGlobal('localStorage', memoryLocalStorage())
    const name = `destroyed-${Math.random()}`
    const answer = deferred<{ accessToken: string; refreshToken: string }>()
    const strategy = countingStrategy(() => answer.promise)
    const initial = { accessToken: 'stale-access-token', refreshToken: 'refresh-1' }
    const leaving = createSession({ strategy, tokens: initial, coordinator: tabCoordinator({ name }) })
    const staying = createSession({ strategy, tokens: initial, coordinator: tabCoordinator({ name }) })
    void leaving.refresh().catch(() => {})
    await vi.waitFor(() => expect(strategy.calls).toBe(1))
    const destroyed = leaving.destroy()
    const refreshed = staying.refresh()
    await new Promise((resolve) => setTimeout(resolve, 300)) // past the storage lock's settle time
    answer.resolve({ accessToken: 'new-access-token', refreshToken: 'refresh-2' })
    expect(await refreshed).toBe('new-access-token')
    expect(strategy.calls).toBe(1)
    await destroyed
    await staying.destroy()
  })
})
