/**
 * tabCoordinator in Node, where the platform looks like a worker: BroadcastChannel, no Web Locks,
 * no localStorage unless a test puts one there. What it reports, what it refuses, what it says.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createSession, InvalidRefreshResponseError, RefreshError, RefreshTimeoutError, type Session, SessionExpiredError, tabCoordinator, webStorageStore } from '../../src/index.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'
import { rotationBesideAccess } from '../_helpers/rotation-beside-access.js'
import { deferred } from '../_helpers/deferred.js'
import { rotatingProvider } from '../_helpers/redis-sessions.js'

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
  vi.restoreAllMocks()
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

describe('tabCoordinator where constructing a BroadcastChannel throws (page policy, replaced by page code)', () => {
  it('falls back to the storage event and says so; the session works', async () => {
    vi.stubGlobal('localStorage', memoryLocalStorage())
    vi.stubGlobal(
      'BroadcastChannel',
      class {
        constructor() {
          throw new DOMException('blocked', 'SecurityError')
        }
      },
    )
    const coordinator = tabCoordinator({ name: `blocked-${Math.random()}` })
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'access-0', refreshToken: 'refresh-0' }, coordinator })
    expect(coordinator.mechanism.channel).toBe('storage-event')
    await expect(session.refresh()).resolves.toBe('token-1')
    await session.destroy()
  })
})

describe('tabCoordinator where Web Locks exist but refuse every call (an opaque origin: a sandboxed frame)', () => {
  const refusing = (withQuery: boolean) => {
    const denied = () => Promise.reject(new DOMException('Access to the Locks API is denied in this context.', 'SecurityError'))
    return withQuery ? { request: denied, query: denied } : { request: denied }
  }

  it.each([
    ['refused query() as it attaches', true, undefined, 'none'],
    ['refused query() as it attaches, localStorage there', true, memoryLocalStorage(), 'storage'],
    ['no query(): the first refused request()', false, undefined, 'none'],
  ])('%s: the next lock takes over, mechanism and one coordinationDegraded say so, and the refresh goes ahead', async (_label, withQuery, storage, lock) => {
    vi.stubGlobal('navigator', { locks: refusing(withQuery) })
    vi.stubGlobal('localStorage', storage)
    const coordinator = tabCoordinator({ name: `refused-locks-${Math.random()}` })
    const strategy = countingStrategy()
    const session = createSession({ strategy, tokens: { accessToken: 'secret-access-0', refreshToken: 'secret-refresh-0' }, coordinator })
    const degraded: string[] = []
    session.on('coordinationDegraded', ({ error }) => degraded.push(error.message))
    await expect(session.refresh()).resolves.toBe('token-1')
    await expect(session.refresh()).resolves.toBe('token-2')
    expect(strategy.calls).toBe(2)
    expect(coordinator.mechanism.lock).toBe(lock)
    expect(degraded.filter((message) => /Web Locks are refused here \(SecurityError\)/.test(message))).toHaveLength(1)
    expect(degraded.join()).not.toMatch(/secret/)
    await session.destroy()
  })

  it('another failure of a lock request (a document not fully active) is that refresh’s: Web Locks stay, as in the other tabs', async () => {
    let calls = 0
    const request = (_name: string, callback: () => Promise<unknown>) => (++calls === 1 ? Promise.reject(new DOMException('not fully active', 'InvalidStateError')) : callback())
    vi.stubGlobal('navigator', { locks: { request, query: () => Promise.reject(new DOMException('not fully active', 'InvalidStateError')) } })
    vi.stubGlobal('localStorage', memoryLocalStorage())
    const coordinator = tabCoordinator({ name: `inactive-${Math.random()}` })
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'access-0', refreshToken: 'refresh-0' }, coordinator })
    await expect(session.refresh()).rejects.toThrow(/InvalidStateError/)
    await expect(session.refresh()).resolves.toBe('token-1')
    expect(coordinator.mechanism.lock).toBe('web-locks')
    await session.destroy()
  })

  it('an error thrown by the refresh under a granted lock is that error, not a refusal of the lock', async () => {
    vi.stubGlobal('navigator', { locks: { request: (_name: string, callback: () => Promise<unknown>) => callback() } })
    const coordinator = tabCoordinator({ name: `granted-${Math.random()}` })
    const strategy = countingStrategy(() => Promise.reject(new RefreshError('refused', { transient: false, status: 401 })))
    const session = createSession({ strategy, tokens: { accessToken: 'access-0', refreshToken: 'refresh-0' }, coordinator })
    await expect(session.refresh()).rejects.toBeInstanceOf(SessionExpiredError)
    expect(coordinator.mechanism.lock).toBe('web-locks')
    expect(strategy.calls).toBe(1)
  })
})

describe('tabCoordinator where the BroadcastChannel refuses a message (closed, replaced by page code)', () => {
  it('news goes through the storage event from then on, and mechanism and one coordinationDegraded say so', async () => {
    const storage = memoryLocalStorage()
    const written: string[] = []
    const setItem = (key: string, value: string): void => {
      written.push(key)
      storage.setItem(key, value)
    }
    vi.stubGlobal('localStorage', { ...storage, setItem })
    const name = `refusing-channel-${Math.random()}`
    vi.spyOn(BroadcastChannel.prototype, 'postMessage').mockImplementation(() => {
      throw new DOMException('closed', 'InvalidStateError')
    })
    const coordinator = tabCoordinator({ name })
    expect(coordinator.mechanism.channel).toBe('broadcast-channel')
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'access-0', refreshToken: 'refresh-0' }, coordinator })
    const degraded: string[] = []
    session.on('coordinationDegraded', ({ error }) => degraded.push(error.message))
    expect(coordinator.mechanism.channel).toBe('storage-event')
    await expect(session.refresh()).resolves.toBe('token-1')
    await expect(session.refresh()).resolves.toBe('token-2')
    expect(degraded.filter((message) => /BroadcastChannel refused a message: news goes through localStorage instead/.test(message))).toHaveLength(1)
    expect(written.filter((key) => key === `${name}:message`).length).toBeGreaterThanOrEqual(3) // the ask, then each refresh's news
    expect(storage.dump()).toBe('') // nothing rests there
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
    // The second copy's callers have the first's tokens as they arrive; its wait for the lock ends after.
    await vi.waitFor(() => expect(storage.dump()).toBe(''))
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

describe('a provider answering after the refresh deadline (rotating on receipt)', () => {
  it.each([
    ['the storage lock', true],
    ['no lock (agreed over the channel)', false],
  ])('with %s: the call is let finish, both tabs adopt its tokens, the spent refresh token is never presented again', async (_, locked) => {
    if (locked) vi.stubGlobal('localStorage', memoryLocalStorage())
    const name = `late-${Math.random()}`
    const aborted: boolean[] = []
    const { strategy, reuses } = rotatingProvider(async (call, signal) => {
      if (call === 1) await new Promise((resolve) => setTimeout(resolve, 300))
      aborted.push(signal.aborted)
    })
    const initial = { accessToken: 'token-0', refreshToken: 'r0' }
    const tabs = [0, 1].map(() => createSession({ strategy, tokens: initial, refreshTimeoutMs: 200, retry: false, coordinator: tabCoordinator({ name }) }))
    const outcomes = await Promise.allSettled(tabs.map((tab) => tab.refresh()))
    for (const outcome of outcomes) expect(outcome).toMatchObject({ status: 'rejected', reason: expect.any(RefreshTimeoutError) })
    for (const tab of tabs) await vi.waitFor(async () => expect(await tab.getAccessToken()).toBe('token-1'))
    expect(await tabs[1]?.refresh()).toBe('token-2')
    expect({ calls: strategy.calls, aborted, reuse: reuses() }).toEqual({ calls: 2, aborted: [false, false], reuse: 0 })
    await Promise.all(tabs.map((tab) => tab.destroy()))
  })
})

describe('a rotated refresh token beside the same access token reaches the other tabs', () => {
  it.each(['malformed', 'same access token'] as const)('first answer %s: the other tab presents r1 next, never the spent r0', async (first) => {
    vi.stubGlobal('localStorage', memoryLocalStorage())
    const name = `kept-${Math.random()}`
    const { strategy, state } = rotationBesideAccess(first)
    const [a, b] = [0, 1].map(() => createSession({ strategy, tokens: { accessToken: 'token-0', refreshToken: 'r0' }, coordinator: tabCoordinator({ name, graceMs: 100 }) })) as [Session, Session]
    await new Promise((resolve) => setTimeout(resolve, 50)) // their first asks answered
    const answered = a.refresh()
    if (first === 'malformed') await expect(answered).rejects.toBeInstanceOf(InvalidRefreshResponseError)
    else await expect(answered).resolves.toBe('token-0')
    await new Promise((resolve) => setTimeout(resolve, 50)) // the news reaches b
    // b's refresh of token-0 may be answered by a's (one refresh per token across tabs); the next presents r1.
    const answers = [await b.refresh()]
    if (answers[0] === 'token-0') answers.push(await b.refresh())
    expect({ last: answers.at(-1), presented: state.presented, reuse: state.reuse }).toEqual({ last: 'token-2', presented: ['r0', 'r1'], reuse: 0 })
    await Promise.all([a.destroy(), b.destroy()])
  })
})

describe('a refresh token the provider refused for good in one tab', () => {
  // A refusal of the tokens themselves is news for every tab; one of the first tab's own set-up is not.
  it.each([
    ['the tokens refused (tokensRefused): not presented again by another tab, which expires without a call', true, 1],
    ['a terminal refusal not of the tokens (a wrong client id in that tab): the other tab still presents them', false, 2],
  ])('%s', async (_, tokensRefused, calls) => {
    vi.stubGlobal('localStorage', memoryLocalStorage())
    const name = `refused-${Math.random()}`
    const strategy = countingStrategy(async () => {
      throw new RefreshError('refused', { transient: false, status: 401, tokensRefused })
    })
    const initial = { accessToken: 'spent-access-token', refreshToken: 'spent-refresh' }
    const first = createSession({ strategy, tokens: initial, coordinator: tabCoordinator({ name }) })
    const second = createSession({ strategy, tokens: initial, coordinator: tabCoordinator({ name }) })
    await new Promise((resolve) => setTimeout(resolve, 200)) // past both tabs' wait for an answer
    await expect(first.refresh()).rejects.toBeInstanceOf(SessionExpiredError)
    await new Promise((resolve) => setTimeout(resolve, 50)) // the news crosses the channel
    const error = await second.refresh().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SessionExpiredError)
    expect(((error as Error).cause as RefreshError).transient).toBe(false)
    expect(strategy.calls).toBe(calls)
    await Promise.all([first.destroy(), second.destroy()])
  })
})

describe('tabCoordinator when storage misbehaves', () => {
  it('the lock record cleared under a holder whose refresh outlasts the grace: the other copy still waits for it, one call', async () => {
    const storage = memoryLocalStorage()
    vi.stubGlobal('localStorage', storage)
    const name = `cleared-${Math.random()}`
    const answer = deferred<{ accessToken: string; refreshToken: string }>()
    const strategy = countingStrategy(() => answer.promise)
    const initial = { accessToken: 'stale-access-token', refreshToken: 'refresh-1' }
    const [holder, waiter] = [0, 1].map(() => createSession({ strategy, tokens: initial, coordinator: tabCoordinator({ name, graceMs: 200 }) })) as [Session, Session]
    const first = holder.refresh()
    await vi.waitFor(() => expect(strategy.calls).toBe(1))
    storage.removeItem(`${name}:lock`) // another script's localStorage.clear()
    const second = waiter.refresh()
    await new Promise((resolve) => setTimeout(resolve, 1_200)) // several graces, a heartbeat
    expect(strategy.calls).toBe(1)
    answer.resolve({ accessToken: 'new-access-token', refreshToken: 'refresh-2' })
    expect(await Promise.all([first, second])).toEqual(['new-access-token', 'new-access-token'])
    expect(strategy.calls).toBe(1)
    await Promise.all([holder.destroy(), waiter.destroy()])
  })

  it('localStorage full: each refresh without the lock says so, and copies that start together still make one call', async () => {
    const storage = memoryLocalStorage()
    vi.stubGlobal('localStorage', {
      ...storage,
      setItem: () => {
        throw new DOMException('quota', 'QuotaExceededError')
      },
    })
    vi.spyOn(Math, 'random').mockReturnValueOnce(0).mockReturnValueOnce(0.9)
    const name = `full-${Math.random()}`
    const strategy = countingStrategy(async () => {
      await new Promise((resolve) => setTimeout(resolve, 50))
      return { accessToken: 'new-access-token', refreshToken: 'refresh-2' }
    })
    const initial = { accessToken: 'stale-access-token', refreshToken: 'refresh-1' }
    const coordinators = [0, 1].map(() => tabCoordinator({ name }))
    const sessions = coordinators.map((coordinator) => createSession({ strategy, tokens: initial, coordinator }))
    const degraded: Error[] = []
    for (const session of sessions) session.on('coordinationDegraded', ({ error }) => degraded.push(error))
    expect(await Promise.all(sessions.map((session) => session.refresh()))).toEqual(['new-access-token', 'new-access-token'])
    expect(strategy.calls).toBe(1)
    await sessions[0]?.refresh() // said once per tab, not once per refresh
    expect(degraded.map((error) => error.message)).toEqual(Array(2).fill(expect.stringMatching(/localStorage did not keep the lock record/)))
    expect(coordinators.map((coordinator) => coordinator.mechanism.lock)).toEqual(['none', 'none'])
    await Promise.all(sessions.map((session) => session.destroy()))
  })

  it('a store of its own per tab (sessionStorage) keeps the tokens another tab got: a reload restores the current ones', async () => {
    vi.stubGlobal('localStorage', memoryLocalStorage())
    const own = memoryLocalStorage()
    vi.stubGlobal('sessionStorage', own)
    const name = `own-store-${Math.random()}`
    const strategy = countingStrategy(() => ({ accessToken: 'new-access-token', refreshToken: 'refresh-2' }))
    const initial = { accessToken: 'stale-access-token', refreshToken: 'refresh-1' }
    const store = webStorageStore(own, 'tokens')
    expect(store.shared).toBe(false)
    expect(webStorageStore(memoryLocalStorage(), 'tokens').shared).toBe(true)
    const refresher = createSession({ strategy, tokens: initial, coordinator: tabCoordinator({ name }) })
    const reloaded = createSession({ strategy, tokens: initial, store, coordinator: tabCoordinator({ name }) })
    await reloaded.getAccessToken()
    await refresher.refresh()
    await vi.waitFor(() => expect(JSON.parse(own.getItem('tokens') ?? '{}')).toMatchObject({ refreshToken: 'refresh-2' }))
    await refresher.clear()
    await vi.waitFor(() => expect(own.getItem('tokens')).toBeNull())
    await Promise.all([refresher.destroy(), reloaded.destroy()])
  })
})

describe('tabCoordinator re-announcing a slow refresh', () => {
  it.each([
    [1, 1, 1],
    [200, 2, 5],
  ])('graceMs %i: a 400 ms refresh is announced %i to %i times, never a flood', async (graceMs, least, most) => {
    const name = `announce-${graceMs}-${Math.random()}`
    const heard: string[] = []
    const listener = new BroadcastChannel(name)
    listener.onmessage = (event) => heard.push((event.data as { type: string }).type)
    const strategy = countingStrategy(async () => {
      await new Promise((resolve) => setTimeout(resolve, 400))
      return { accessToken: 'new-access-token' }
    })
    const session = createSession({ strategy, tokens: { accessToken: 'stale-access-token' }, coordinator: tabCoordinator({ name, graceMs }) })
    await session.refresh()
    await new Promise((resolve) => setTimeout(resolve, 50))
    const announced = heard.filter((type) => type === 'refreshing').length
    expect(announced).toBeGreaterThanOrEqual(least)
    expect(announced).toBeLessThanOrEqual(most)
    listener.close()
    await session.destroy()
  })
})

// A BroadcastChannel whose messages reach the other tabs `delayMs(message)` late (`undefined`: at
// once). One closed meanwhile (its tab destroyed) drops them, where the timer would throw.
function lateChannel(delayMs: (message: unknown) => number | undefined): typeof BroadcastChannel {
  return class Late extends BroadcastChannel {
    #closed = false
    override close(): void {
      this.#closed = true
      super.close()
    }
    override postMessage(message: unknown): void {
      const delay = delayMs(message)
      if (delay === undefined) super.postMessage(message)
      else
        setTimeout(() => {
          if (!this.#closed) super.postMessage(message)
        }, delay)
    }
  }
}

// Two tabs of one name, signed in with the same tokens; each refresh call takes `refreshMs`.
function twoSlowTabs(name: string, refreshMs: number, graceMs: number) {
  const strategy = countingStrategy(async (call) => {
    await new Promise((resolve) => setTimeout(resolve, refreshMs))
    return { accessToken: `access-${call}`, refreshToken: `refresh-${call}` }
  })
  const tabs = [0, 1].map(() => createSession({ strategy, tokens: { accessToken: 'access-0', refreshToken: 'refresh-0' }, coordinator: tabCoordinator({ name, graceMs }) }))
  return { strategy, tabs: tabs as [Session, Session] }
}

describe('Web Locks: a holder silent for longer than the grace (its page busy)', () => {
  it('its news, arriving just after the lock is granted to the next tab, is waited for: one refresh call', async () => {
    const tails = new Map<string, Promise<unknown>>()
    const locks = {
      request<R>(lock: string, callback: () => Promise<R>): Promise<R> {
        const run = (tails.get(lock) ?? Promise.resolve()).then(callback)
        tails.set(lock, run.catch(() => {}))
        return run
      },
    }
    // The grant travels apart from the channel: the holder's tokens reach the others 30 ms after it let go.
    vi.stubGlobal('navigator', { locks })
    vi.stubGlobal('BroadcastChannel', lateChannel((message) => ((message as { type?: string }).type === 'tokens' ? 30 : undefined)))
    // A grace too short to be re-announced, outlasted by the refresh: the holder says nothing meanwhile.
    const { strategy, tabs } = twoSlowTabs(`busy-holder-${Math.random()}`, 200, 90)
    const [first, second] = tabs
    const holder = first.refresh()
    await new Promise((resolve) => setTimeout(resolve, 20))
    await expect(Promise.all([holder, second.refresh()])).resolves.toEqual(['access-1', 'access-1'])
    expect(strategy.calls).toBe(1)
    await Promise.all(tabs.map((tab) => tab.destroy()))
  })
})

describe('Web Locks granted before the holder’s news arrives (storage events, a slow channel)', () => {
  // A LockManager as browsers have it: FIFO per name, and `ifAvailable` refused while another holds or awaits it.
  function fifoLocks() {
    const tails = new Map<string, Promise<unknown>>()
    const outstanding = new Map<string, number>()
    return {
      request(lock: string, ...args: unknown[]): Promise<unknown> {
        const callback = args.at(-1) as (lock: unknown) => unknown
        if ((args[0] as { ifAvailable?: boolean }).ifAvailable && (outstanding.get(lock) ?? 0) > 0) return Promise.resolve().then(() => callback(null))
        outstanding.set(lock, (outstanding.get(lock) ?? 0) + 1)
        const run = (tails.get(lock) ?? Promise.resolve()).then(() => callback({ name: lock })).finally(() => outstanding.set(lock, (outstanding.get(lock) ?? 1) - 1))
        tails.set(lock, run.catch(() => {}))
        return run
      },
    }
  }

  // A polyfill that takes no options cannot say the lock was taken: it is used as before, and the race stays.
  it.each([
    { locks: 'with ifAvailable', calls: 1 },
    { locks: 'of a polyfill without options', calls: 2 },
  ])('a tab that waited for the lock waits for the news of the tab before it, not only for what it announced: $calls refresh call(s) ($locks)', async ({ locks, calls }) => {
    const fifo = fifoLocks()
    // A polyfill calls its second argument back, whatever it is.
    const polyfill = { request: (lock: string, callback: unknown) => fifo.request(lock, callback) }
    vi.stubGlobal('navigator', { locks: locks === 'with ifAvailable' ? fifo : polyfill })
    // Every message reaches the other tab 30 ms after it was posted: after the lock it was posted under is free.
    vi.stubGlobal('BroadcastChannel', lateChannel(() => 30))
    const { strategy, tabs } = twoSlowTabs(`late-news-${Math.random()}`, 10, 500)
    const [first, second] = tabs
    await new Promise((resolve) => setTimeout(resolve, 200)) // the tabs' first questions answered
    const holder = first.refresh()
    await new Promise((resolve) => setTimeout(resolve, 1))
    const outcomes = await Promise.all([holder, second.refresh()])
    expect(strategy.calls).toBe(calls)
    expect(outcomes).toEqual(calls === 1 ? ['access-1', 'access-1'] : ['access-1', 'access-2'])
    await Promise.all(tabs.map((tab) => tab.destroy()))
  })
})

describe('a tab that starts with spent tokens (a reload restoring them, a page rendered with the sign-in)', () => {
  // A provider that rotates refresh tokens and records every one presented.
  function rotating() {
    const presented: string[] = []
    const strategy = countingStrategy((call, current) => {
      presented.push(String(current.refreshToken))
      return { accessToken: `access-${call}`, refreshToken: `refresh-${call}` }
    })
    return { strategy, presented }
  }

  it('asks the others first: it adopts the current tokens and never presents the spent refresh token', async () => {
    const name = `late-${Math.random()}`
    const { strategy, presented } = rotating()
    const signIn = { accessToken: 'access-0', refreshToken: 'refresh-0' }
    const first = createSession({ strategy, tokens: signIn, coordinator: tabCoordinator({ name }) })
    await first.refresh() // refresh-0 is spent now
    const late = createSession({ strategy, tokens: { ...signIn, expiresAt: Date.now() - 1 }, coordinator: tabCoordinator({ name }) })
    await expect(late.getAccessToken()).resolves.toBe('access-1')
    expect(presented).toEqual(['refresh-0'])
    await Promise.all([first.destroy(), late.destroy()])
  })

  it('a late answer carrying tokens a refresh has replaced (from a tab that had not heard yet) is not adopted', async () => {
    const name = `late-answer-${Math.random()}`
    const { strategy } = rotating()
    const signIn = { accessToken: 'access-0', refreshToken: 'refresh-0' }
    const [refresher, other] = [0, 1].map(() => createSession({ strategy, tokens: signIn, coordinator: tabCoordinator({ name }) })) as [Session, Session]
    await refresher.refresh()
    await vi.waitFor(async () => expect(await other.getAccessToken()).toBe('access-1'))
    const laggard = new BroadcastChannel(name)
    laggard.postMessage({ type: 'tokens', tokens: signIn }) // its answer to some tab's question
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(await Promise.all([refresher.getAccessToken(), other.getAccessToken()])).toEqual(['access-1', 'access-1'])
    laggard.close()
    await Promise.all([refresher.destroy(), other.destroy()])
  })

  // Each answered the other with its own rendered, spent tokens, adopted over the current ones.
  it('two tabs starting together do not answer each other: a tab still waiting for its answer gives none', async () => {
    const name = `twins-${Math.random()}`
    const { strategy } = rotating()
    const rendered = { accessToken: 'access-0', refreshToken: 'refresh-0' }
    const first = createSession({ strategy, tokens: rendered, coordinator: tabCoordinator({ name }) })
    // Rendered with fresher tokens (say, after its own sign-in) while the first still waits.
    const second = createSession({ strategy, tokens: { accessToken: 'access-fresh', refreshToken: 'refresh-fresh' }, coordinator: tabCoordinator({ name }) })
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(await second.getAccessToken()).toBe('access-fresh')
    await Promise.all([first.destroy(), second.destroy()])
  })

  it('alone, it refreshes after a moment’s wait for an answer that does not come', async () => {
    const { strategy, presented } = rotating()
    const lone = createSession({ strategy, tokens: { accessToken: 'access-0', refreshToken: 'refresh-0', expiresAt: Date.now() - 1 }, coordinator: tabCoordinator({ name: `lone-${Math.random()}` }) })
    await expect(lone.getAccessToken()).resolves.toBe('access-1')
    expect(presented).toEqual(['refresh-0'])
    await lone.destroy()
  })
})

// The refresh's result was announced after it and adopted by every other tab: the sign-out undone.
describe('a sign-in or sign-out in one tab while another refreshes', () => {
  it.each(['clear', 'setTokens'] as const)('%s() wins in every tab once the refresh answers', async (action) => {
    vi.stubGlobal('localStorage', memoryLocalStorage())
    const name = `overtaken-${action}-${Math.random()}`
    const answer = deferred<{ accessToken: string; refreshToken: string }>()
    const strategy = countingStrategy(() => answer.promise)
    const signIn = { accessToken: 'old-login', refreshToken: 'old-refresh' }
    const tabs = [0, 1, 2].map(() => createSession({ strategy, tokens: signIn, coordinator: tabCoordinator({ name }) })) as [Session, Session, Session]
    await new Promise((resolve) => setTimeout(resolve, 200)) // past the asks
    const refreshing = tabs[0].refresh().catch(() => 'overtaken')
    await vi.waitFor(() => expect(strategy.calls).toBe(1))
    const newLogin = { accessToken: 'new-login', refreshToken: 'new-refresh' }
    await (action === 'clear' ? tabs[1].clear() : tabs[1].setTokens(newLogin))
    await new Promise((resolve) => setTimeout(resolve, 50))
    answer.resolve({ accessToken: 'old-login-rotated', refreshToken: 'old-refresh-2' })
    await refreshing
    await new Promise((resolve) => setTimeout(resolve, 100))
    const held = await Promise.all(tabs.map((tab) => tab.getAccessToken().catch(() => tab.state)))
    expect(held).toEqual(action === 'clear' ? ['signed-out', 'signed-out', 'signed-out'] : ['new-login', 'new-login', 'new-login'])
    await Promise.all(tabs.map((tab) => tab.destroy()))
  })
})

// Web Locks queue the tabs, but without a channel the next holder cannot learn what a refresh
// got, and presents the same refresh token: a context short of a channel says so, as one short
// of a lock does.
describe('tabCoordinator with a lock but no channel that carries news', () => {
  function webLocks(): { request<R>(name: string, callback: () => Promise<R>): Promise<R> } {
    const tails = new Map<string, Promise<unknown>>()
    return {
      request(name, callback) {
        const run = (tails.get(name) ?? Promise.resolve()).then(callback)
        tails.set(name, run.catch(() => {}))
        return run
      },
    }
  }

  async function twoTabs(name: string) {
    const strategy = countingStrategy()
    const coordinators = [0, 1].map(() => tabCoordinator({ name, graceMs: 50 }))
    const sessions = coordinators.map((coordinator) => createSession({ strategy, tokens: { accessToken: 'secret-access-0', refreshToken: 'secret-refresh-0' }, coordinator }))
    const degraded: string[] = []
    for (const session of sessions) session.on('coordinationDegraded', ({ error }) => degraded.push(error.message))
    await Promise.all(sessions.map((session) => session.refresh()))
    await Promise.all(sessions.map((session) => session.destroy()))
    return { coordinators, degraded }
  }

  it.each([
    ['no BroadcastChannel and no localStorage', undefined],
    ['no BroadcastChannel, and a localStorage that drops writes without a word', { getItem: () => null, setItem: () => {}, removeItem: () => {} }],
    [
      'no BroadcastChannel, and a localStorage whose every write throws',
      {
        getItem: () => null,
        setItem: () => {
          throw new DOMException('blocked', 'SecurityError')
        },
        removeItem: () => {},
      },
    ],
  ])('%s: mechanism says channel none, and each tab hears coordinationDegraded once, token-free', async (_label, storage) => {
    vi.stubGlobal('navigator', { locks: webLocks() })
    vi.stubGlobal('BroadcastChannel', undefined)
    vi.stubGlobal('localStorage', storage)
    const { coordinators, degraded } = await twoTabs(`no-channel-${Math.random()}`)
    expect(coordinators.map((c) => c.mechanism)).toEqual(Array(2).fill({ lock: 'web-locks', channel: 'none' }))
    expect(degraded).toEqual(Array(2).fill(expect.stringMatching(/^No channel between tabs here/)))
    expect(degraded.join()).not.toMatch(/secret/)
  })

  it('localStorage that keeps the probe but not the news (full): the posting tab hears coordinationDegraded once', async () => {
    const storage = memoryLocalStorage()
    vi.stubGlobal('navigator', { locks: webLocks() })
    vi.stubGlobal('BroadcastChannel', undefined)
    vi.stubGlobal('localStorage', {
      ...storage,
      setItem: (key: string, value: string) => {
        if (key.endsWith(':message')) throw new DOMException('quota', 'QuotaExceededError')
        storage.setItem(key, value)
      },
    })
    const { coordinators, degraded } = await twoTabs(`full-news-${Math.random()}`)
    expect(coordinators.map((c) => c.mechanism.channel)).toEqual(['storage-event', 'storage-event'])
    expect(new Set(degraded)).toEqual(new Set(['localStorage did not keep the news for the other tabs (full or blocked): they may refresh on their own']))
    expect(degraded).toHaveLength(2) // once per tab, not once per message
  })
})

// No Web Locks and no storage (an insecure page with storage blocked), but a channel: the tabs
// that refresh at the same moment claim it there, and the lowest claim refreshes.
describe('tabCoordinator without a lock, with a BroadcastChannel', () => {
  it.each([2_000, 0])('graceMs %i: 4 copies refreshing at the same moment, 5 rounds: one refresh call a round, no refresh token presented twice', async (graceMs) => {
    const name = `claims-${Math.random()}`
    let live = 'refresh-0'
    let reused = 0
    const strategy = countingStrategy(async (call, current) => {
      await new Promise((resolve) => setTimeout(resolve, 20))
      if (current.refreshToken !== live) {
        reused++
        throw new RefreshError('refresh token reused', { transient: false, status: 401 })
      }
      live = `refresh-${call}`
      return { accessToken: `access-${call}`, refreshToken: live }
    })
    const sessions = [0, 1, 2, 3].map(() => createSession({ strategy, tokens: { accessToken: 'access-0', refreshToken: 'refresh-0' }, coordinator: tabCoordinator({ name, graceMs }) }))
    const degraded = new Set<string>()
    for (const session of sessions) session.on('coordinationDegraded', ({ error }) => degraded.add(error.message))
    await new Promise((resolve) => setTimeout(resolve, 200)) // past the start-up question
    for (let round = 1; round <= 5; round++) {
      const tokens = await Promise.all(sessions.map((session) => session.refresh()))
      expect({ round, tokens: new Set(tokens).size, calls: strategy.calls, reused }).toEqual({ round, tokens: 1, calls: round, reused: 0 })
    }
    expect([...degraded]).toEqual([expect.stringMatching(/^No lock between tabs here: tabs refreshing at the same moment agree on one/)])
    await Promise.all(sessions.map((session) => session.destroy()))
  })
})
