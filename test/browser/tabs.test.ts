/**
 * Four tabs of one origin in real Chromium sharing a rotating refresh token (FIB with reuse
 * detection), in every context the `<script>` build meets: a secure origin (Web Locks +
 * BroadcastChannel), a plain-http intranet name (no Web Locks), `navigator.locks` removed, and
 * both `navigator.locks` and `BroadcastChannel` removed (Safari 14, old Firefox). In each: one
 * refresh call for a burst after expiry, a tab closed while holding the lock does not block the
 * others, rolling expiries cost one refresh each, and no token is left in Web Storage. With Web
 * Locks but no channel (BroadcastChannel removed, storage blocked) every tab is told.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleIife } from '../../scripts/iife.js'
import { type Emulator, startEmulator } from '../../src/testing/index.js'
import { hostileApi, insecureHost, launchChromium, openTabs, storageText, withoutApi } from '../_helpers/browser.js'
import { missing } from '../_helpers/requires.js'

const page = `<!doctype html><meta charset="utf-8"><title>tab</title><script src="/tokenflight.js"></script>`

// The documented bound (docs/scaling.md): a dead holder blocks the others ≤ 3 s (the storage lock's
// expiry; Web Locks: freed at once, then the 2 s grace) + 150 ms (a claim settling).
const deadHolderBoundMs = 3_150
// What the measurement adds on a loaded machine: the refresh call's trip to the emulator, polling.
const measuringMs = 500

const contexts = [
  { name: 'secure origin (127.0.0.1)', host: '127.0.0.1', init: [], secure: true, mechanism: { lock: 'web-locks', channel: 'broadcast-channel' } },
  { name: `insecure host name (http://${insecureHost})`, host: insecureHost, init: [], secure: false, mechanism: { lock: 'storage', channel: 'broadcast-channel' } },
  { name: 'navigator.locks removed', host: '127.0.0.1', init: [withoutApi.locks], secure: true, mechanism: { lock: 'storage', channel: 'broadcast-channel' } },
  {
    name: 'navigator.locks and BroadcastChannel removed',
    host: '127.0.0.1',
    init: [withoutApi.locks, withoutApi.broadcastChannel],
    secure: true,
    mechanism: { lock: 'storage', channel: 'storage-event' },
  },
  // An opaque origin (a sandboxed frame) lists Web Locks and refuses every call.
  { name: 'navigator.locks refusing every call', host: '127.0.0.1', init: [hostileApi.locksRefusing], secure: true, mechanism: { lock: 'storage', channel: 'broadcast-channel' } },
  { name: 'BroadcastChannel refusing every message', host: '127.0.0.1', init: [hostileApi.broadcastRefusing], secure: true, mechanism: { lock: 'web-locks', channel: 'storage-event' } },
  // Trusted (its probe arrives within the second): the lock's next holder waits for the news it may not have yet.
  { name: 'navigator.locks removed, BroadcastChannel 300 ms late', host: '127.0.0.1', init: [withoutApi.locks, hostileApi.broadcastLate], secure: true, mechanism: { lock: 'storage', channel: 'broadcast-channel' } },
  // Still taken for a channel when the tabs start: news goes by storage events too until it is confirmed.
  {
    name: 'navigator.locks removed, BroadcastChannel delivering nothing',
    host: '127.0.0.1',
    init: [withoutApi.locks, hostileApi.broadcastSilent],
    secure: true,
    mechanism: { lock: 'storage', channel: 'broadcast-channel' },
  },
] as const

type Context = (typeof contexts)[number]

describe.skipIf(missing('chromium'))('tabCoordinator in Chromium', () => {
  let browser: Browser
  let script: string
  const emulators: Emulator<'fib'>[] = []

  beforeAll(async () => {
    ;[browser, script] = await Promise.all([launchChromium(), bundleIife().then((built) => built.code)])
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await Promise.all(emulators.map((emulator) => emulator.stop()))
  })

  async function emulate({ accessTtlMs = 60_000, latencyMs = 0 } = {}): Promise<Emulator<'fib'>> {
    const emulator = await startEmulator({ provider: 'fib', rotateRefreshTokens: true, reuseDetection: true, accessTtlMs, latencyMs })
    emulator.serveFile('/', 'text/html', page)
    emulator.serveFile('/tokenflight.js', 'text/javascript', script)
    emulators.push(emulator)
    return emulator
  }

  // Four tabs at the emulator's page (reusing `open` tabs: a new tab costs ~0.5 s here), each with a
  // session restoring one sign-in, as tabs of one session would.
  async function signedInTabs(emulator: Emulator<'fib'>, where: Context, open: Page[], { refreshAheadMs, refreshTimeoutMs, count = 4 }: { refreshAheadMs?: number; refreshTimeoutMs?: number; count?: number } = {}): Promise<Page[]> {
    const url = `${emulator.url.replace('127.0.0.1', where.host)}/`
    const context = open[0]?.context()
    const tabs = context ? [...open, ...(await Promise.all(Array.from({ length: count - open.length }, () => context.newPage())))] : (await openTabs(browser, url, count, where.init)).tabs
    await Promise.all(tabs.map((tab) => tab.goto(url)))
    const tokens = emulator.signIn()
    const seen = await Promise.all(
      tabs.map((tab) =>
        tab.evaluate(
          async ({ initial, aheadMs, timeoutMs }) => {
            const { createSession, fib, tabCoordinator, wrapFetch } = (window as any).TokenFlight
            const coordinator = tabCoordinator()
            const options = {
              strategy: fib({ baseURL: location.origin, allowInsecureHttp: true }),
              tokens: initial,
              coordinator,
              ...(aheadMs === undefined ? {} : { refreshAheadMs: aheadMs }),
              ...(timeoutMs === undefined ? {} : { refreshTimeoutMs: timeoutMs, retry: false }),
            }
            const session = createSession(options)
            ;(window as any).authedFetch = wrapFetch(window.fetch.bind(window), session, { origins: [location.origin], allowInsecureHttp: true })
            ;(window as any).session = session
            ;(window as any).coordinator = coordinator
            ;(window as any).signedIn = initial
            // Web Locks that refuse are found out by a call the coordinator makes as it attaches.
            await navigator.locks?.query().catch(() => {})
            await new Promise((resolve) => setTimeout(resolve))
            return { mechanism: { ...coordinator.mechanism }, secure: window.isSecureContext }
          },
          { initial: tokens, aheadMs: refreshAheadMs, timeoutMs: refreshTimeoutMs },
        ),
      ),
    )
    expect(seen).toEqual(Array(count).fill({ mechanism: where.mechanism, secure: where.secure }))
    return tabs
  }

  // A rejection is kept as its name and message, so a failing burst says why.
  function burst(tabs: readonly Page[], count: number): Promise<(number | string)[]> {
    const sent = tabs.map((tab, t) =>
      tab.evaluate(
        ({ t, count }) => Promise.all(Array.from({ length: count }, (_, i) => (window as any).authedFetch(`/api/tab${t}/${i}`).then((r: Response) => r.status, (e: Error) => `${e?.name}: ${e?.message}`))),
        { t, count },
      ),
    )
    return Promise.all(sent).then((statuses) => statuses.flat())
  }

  // A token in transit is not at rest: the storage-event channel writes and removes a message in one
  // task, and another tab's copy of storage shows it until the removal reaches it. One still there
  // half a second later rests.
  async function expectNoTokenAtRest(emulator: Emulator<'fib'>, tabs: readonly Page[]): Promise<void> {
    const found = async (): Promise<string[]> => {
      const stored = (await storageText(tabs)).join('\n')
      return emulator.issuedTokens().filter((token) => stored.includes(token))
    }
    const first = await found()
    if (first.length === 0) return
    await new Promise((resolve) => setTimeout(resolve, 500))
    const later = await found()
    expect(first.filter((token) => later.includes(token))).toEqual([])
  }

  async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
  }

  describe.each(contexts)('$name', (where) => {
    let open: Page[] = []
    afterAll(async () => {
      await open[0]?.context().close()
    })

    it('4 tabs × 25 requests after the tokens expired → 1 refresh call, 0 reuse, 100 successes, no token at rest', async () => {
      const emulator = await emulate()
      open = await signedInTabs(emulator, where, open)
      const tabs = open
      emulator.expireAccessTokens()
      expect(await burst(tabs, 25)).toEqual(Array(100).fill(200))
      expect(emulator.stats.refreshCalls).toBe(1)
      expect(emulator.stats.reuseDetections).toBe(0)
      const held = await Promise.all(tabs.map((tab) => tab.evaluate(() => (window as any).session.getAccessToken())))
      expect(new Set(held).size).toBe(1)
      await expectNoTokenAtRest(emulator, tabs)
    }, 60_000)

    it.each(['closed', 'crashed'] as const)(`a tab %s while holding the lock: the others refresh within ${deadHolderBoundMs} ms, 0 reuse`, async (death) => {
      const emulator = await emulate()
      open = await signedInTabs(emulator, where, open)
      const [holder, ...others] = open as [Page, ...Page[]]
      open = others // the next test reuses the live tabs, whatever this one finds
      emulator.hangNextRefreshes(1)
      await holder.evaluate(() => void (window as any).session.refresh().catch(() => {}))
      await until(() => emulator.stats.refreshCalls === 1, 10_000)
      expect(emulator.stats.refreshCalls).toBe(1)
      emulator.expireAccessTokens()
      const statuses = burst(others, 25)
      await new Promise((resolve) => setTimeout(resolve, 200)) // the others are now waiting on the lock
      expect(emulator.stats.refreshCalls).toBe(1)
      let diedAt = Date.now()
      // A crash runs no page code (no pagehide): only the lock's expiry and the grace free the others.
      if (death === 'crashed') {
        const cdp = await holder.context().newCDPSession(holder)
        void cdp.send('Page.crash').catch(() => {}) // never answered: the page is gone
        await new Promise((resolve) => holder.once('crash', resolve))
        diedAt = Date.now()
      } else await holder.close()
      await until(() => emulator.stats.refreshCalls >= 2, 3 * deadHolderBoundMs)
      const tookMs = Date.now() - diedAt
      const settled = await statuses
      process.stderr.write(`${where.name}: ${death} holder replaced after ${tookMs} ms, ${JSON.stringify(emulator.stats)}\n`)
      expect(settled).toEqual(Array(75).fill(200))
      expect(tookMs).toBeLessThanOrEqual(deadHolderBoundMs + measuringMs)
      // One refresh among the others: the dead holder's call is never answered, and a call that got no
      // answer either (a transport failure, retried) spent nothing; a second refresh would be answered.
      expect(emulator.stats.refreshCalls).toBeGreaterThanOrEqual(2)
      expect([emulator.stats.refreshSucceeded, emulator.stats.refreshRefused, emulator.stats.reuseDetections]).toEqual([1, 0, 0])
      await expectNoTokenAtRest(emulator, others)
    }, 60_000)

    it('garbage at our storage keys and on our channel is ignored: no page error, still 1 refresh call', async () => {
      const emulator = await emulate()
      open = await signedInTabs(emulator, where, open)
      const tabs = open
      const errors: string[] = []
      for (const tab of tabs) tab.on('pageerror', (error) => errors.push(error.message))
      const [writer] = tabs as [Page]
      const leftover = JSON.stringify({ message: { type: 'tokens', tokens: { accessToken: 'left-behind-access', refreshToken: 'left-behind-refresh' } } })
      await writer.evaluate((leftover) => {
        const garbage = ['{', 'null', '42', '"text"', '[]', '{"type":"tokens","tokens":{"accessToken":7}}', '{"type":"refreshing"}', leftover]
        for (const value of garbage) {
          localStorage.setItem('tokenflight:message', value)
          localStorage.setItem('tokenflight:lock', value)
        }
        const Broadcast = (window as any).BroadcastChannel
        if (Broadcast) {
          const channel = new Broadcast('tokenflight')
          try {
            for (const value of [...garbage, ...garbage.map((text) => (text === '{' ? text : JSON.parse(text)))]) channel.postMessage(value)
          } catch {
            // A context whose channel refuses every message: the storage garbage above is what arrives.
          }
          channel.close()
        }
        // A lock record dated far ahead must not block anyone either.
        localStorage.setItem('tokenflight:lock', JSON.stringify({ owner: 'nobody', until: Date.now() + 3_600_000 }))
      }, leftover)
      emulator.expireAccessTokens()
      expect(await burst(tabs, 25)).toEqual(Array(100).fill(200))
      // A failure says what the extra call was: answered (a second refresh), refused, or a reuse.
      const stats = `${where.name}: ${JSON.stringify(emulator.stats)}`
      expect(emulator.stats.refreshCalls, stats).toBe(1)
      expect(emulator.stats.reuseDetections, stats).toBe(0)
      expect(errors).toEqual([])
      // A reload clears what an earlier version left at the message key.
      await writer.evaluate((leftover) => localStorage.setItem('tokenflight:message', leftover), leftover)
      await writer.reload()
      await writer.evaluate(() => (window as any).TokenFlight.createSession({ strategy: (window as any).TokenFlight.fib({ baseURL: location.origin, allowInsecureHttp: true }), coordinator: (window as any).TokenFlight.tabCoordinator() }))
      // Other tabs see the removal when Chromium relays it between renderers, a moment later.
      let stored = ''
      const deadline = Date.now() + 5_000
      do stored = (await storageText(tabs)).join('\n')
      while (stored.includes('left-behind') && Date.now() < deadline)
      expect(stored).not.toContain('left-behind')
    }, 60_000)

    it('a tab reloaded with the sign-in’s tokens after a rotation (spent since) takes the current ones from the others: no reuse', async () => {
      const emulator = await emulate()
      open = await signedInTabs(emulator, where, open)
      const tabs = open
      const [reloaded] = tabs as [Page]
      const signedIn = await reloaded.evaluate(() => (window as any).signedIn)
      emulator.expireAccessTokens()
      const first = await burst(tabs, 5)
      if (first.some((status) => status !== 200)) process.stderr.write(`${where.name}: burst after expiry ${JSON.stringify({ first, stats: emulator.stats })}\n`)
      expect(first).toEqual(Array(20).fill(200))
      expect(emulator.stats.refreshCalls).toBe(1)
      // A page rendered with the sign-in (or restoring it from its own storage) after the rotation.
      await reloaded.reload()
      await reloaded.evaluate((initial) => {
        const { createSession, fib, tabCoordinator, wrapFetch } = (window as any).TokenFlight
        const session = createSession({ strategy: fib({ baseURL: location.origin, allowInsecureHttp: true }), tokens: initial, coordinator: tabCoordinator() })
        ;(window as any).authedFetch = wrapFetch(window.fetch.bind(window), session, { origins: [location.origin], allowInsecureHttp: true })
        ;(window as any).session = session
      }, signedIn)
      expect(await burst([reloaded], 10)).toEqual(Array(10).fill(200))
      expect(emulator.stats.reuseDetections).toBe(0)
      expect(emulator.stats.refreshCalls).toBe(1)
    }, 60_000)

    it('3 rolling expiries with 4 tabs → refresh calls ≤ expiries + 1, 0 failed, no token at rest', async () => {
      const lifeMs = 1_200
      const emulator = await emulate({ accessTtlMs: lifeMs })
      open = await signedInTabs(emulator, where, open, { refreshAheadMs: 150 })
      const tabs = open
      const startedAt = Date.now()
      const statuses: (number | string)[] = []
      while (Date.now() - startedAt < 3 * lifeMs + 300) {
        statuses.push(...(await burst(tabs, 2)))
        await new Promise((resolve) => setTimeout(resolve, 40))
      }
      expect(statuses.filter((status) => status !== 200)).toEqual([])
      expect(emulator.stats.refreshCalls).toBeLessThanOrEqual(4)
      expect(emulator.stats.refreshCalls).toBeGreaterThanOrEqual(3)
      expect(emulator.stats.reuseDetections).toBe(0)
      await expectNoTokenAtRest(emulator, tabs)
    }, 60_000)
  })

  // The provider rotates as it answers, after 900 ms; the tabs’ deadline is 600 ms. Cut off at the
  // deadline, the call's rotated tokens would be lost and the next refresh would present the spent one.
  // Web Locks here; the storage lock and no lock in Node (test/coordination/tabs.test.ts).
  it.each([contexts[0]])('$name: a refresh call answering after the deadline is let finish; the tabs adopt its tokens, and the next refresh presents the rotated one (0 reuse)', async (where) => {
    const emulator = await emulate({ latencyMs: 900 })
    const tabs = await signedInTabs(emulator, where, [], { refreshTimeoutMs: 600, count: 2 })
    try {
      emulator.expireAccessTokens()
      const late = await burst(tabs, 5)
      expect(late.every((status) => String(status).startsWith('RefreshTimeoutError'))).toBe(true)
      await until(() => emulator.stats.refreshSucceeded === 1, 5_000)
      await new Promise((resolve) => setTimeout(resolve, 200)) // the tokens on their way to the other tab
      expect(await burst(tabs, 5)).toEqual(Array(10).fill(200))
      // A second late refresh: it presents the refresh token the first one got.
      await tabs[1]?.evaluate(() => (window as any).session.refresh().catch(() => {}))
      await until(() => emulator.stats.refreshSucceeded + emulator.stats.refreshRefused === 2, 5_000)
      expect([emulator.stats.refreshCalls, emulator.stats.refreshSucceeded, emulator.stats.reuseDetections]).toEqual([2, 2, 0])
    } finally {
      await tabs[0]?.context().close()
    }
  }, 60_000)

  it('a BroadcastChannel that delivers nothing gives way to storage events once its probe is overdue: 1 refresh call, 0 reuse', async () => {
    const where = contexts.find((context) => context.init.includes(hostileApi.broadcastSilent as never)) as Context
    const emulator = await emulate()
    const tabs = await signedInTabs(emulator, where, [])
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_300))
      const channels = await Promise.all(tabs.map((tab) => tab.evaluate(() => (window as any).coordinator.mechanism.channel)))
      expect(channels).toEqual(Array(tabs.length).fill('storage-event'))
      emulator.expireAccessTokens()
      expect(await burst(tabs, 25)).toEqual(Array(100).fill(200))
      expect(emulator.stats.refreshCalls).toBe(1)
      expect(emulator.stats.reuseDetections).toBe(0)
    } finally {
      await tabs[0]?.context().close()
    }
  }, 60_000)

  it('a page and a dedicated worker of one origin (secure context) share one refresh: Web Locks and BroadcastChannel exist in workers', async () => {
    const emulator = await emulate()
    emulator.serveFile(
      '/worker.js',
      'text/javascript',
      `importScripts('/tokenflight.js')
      const { createSession, fib, tabCoordinator, wrapFetch } = self.TokenFlight
      let authedFetch
      self.onmessage = async ({ data }) => {
        if (data.tokens) {
          const coordinator = tabCoordinator()
          const session = createSession({ strategy: fib({ baseURL: location.origin, allowInsecureHttp: true }), tokens: data.tokens, coordinator })
          authedFetch = wrapFetch(fetch.bind(self), session, { origins: [location.origin] })
          return postMessage({ mechanism: coordinator.mechanism })
        }
        const statuses = await Promise.all(Array.from({ length: data.count }, (_, i) => authedFetch('/api/worker/' + i).then((r) => r.status, () => 0)))
        postMessage({ statuses })
      }`,
    )
    const where = contexts[0]
    const [tab] = await signedInTabs(emulator, where, [], { count: 1 })
    const tokens = emulator.signIn()
    const ask = (message: unknown): Promise<any> =>
      (tab as Page).evaluate((message) => {
        ;(window as any).worker ??= new Worker('/worker.js')
        const worker: Worker = (window as any).worker
        return new Promise((resolve) => {
          worker.onmessage = (event) => resolve(event.data)
          worker.postMessage(message)
        })
      }, message)
    // The page restarts from the same sign-in as the worker.
    await (tab as Page).evaluate((initial) => (window as any).session.setTokens(initial), tokens)
    expect(await ask({ tokens })).toEqual({ mechanism: where.mechanism })
    emulator.expireAccessTokens()
    const [fromWorker, fromPage] = await Promise.all([ask({ count: 25 }), burst([tab as Page], 25)])
    expect([...fromWorker.statuses, ...fromPage]).toEqual(Array(50).fill(200))
    expect(emulator.stats.refreshCalls).toBe(1)
    expect(emulator.stats.reuseDetections).toBe(0)
    await (tab as Page).context().close()
  }, 60_000)

  // A session with tabCoordinator() in each tab, as `session` and `authedFetch`, hearing
  // coordinationDegraded into `degraded`; resolves with each tab's mechanism.
  function coordinatedSessions(tabs: readonly Page[], tokens: unknown): Promise<unknown[]> {
    return Promise.all(
      tabs.map((tab) =>
        tab.evaluate((initial) => {
          const { createSession, fib, tabCoordinator, wrapFetch } = (window as any).TokenFlight
          const coordinator = tabCoordinator()
          const session = createSession({ strategy: fib({ baseURL: location.origin, allowInsecureHttp: true }), tokens: initial, coordinator })
          ;(window as any).degraded = []
          session.on('coordinationDegraded', ({ error }: { error: Error }) => (window as any).degraded.push(error.message))
          ;(window as any).authedFetch = wrapFetch(window.fetch.bind(window), session, { origins: [location.origin] })
          ;(window as any).session = session
          return coordinator.mechanism
        }, tokens),
      ),
    )
  }

  // No lock to be had, but a channel: the tabs claim each refresh there and the lowest claim makes it.
  it('navigator.locks removed and localStorage blocked: 4 tabs refreshing at the same instant, 3 times → 1 refresh call each, 0 reuse, every request served', async () => {
    const emulator = await emulate()
    const { context, tabs } = await openTabs(browser, `${emulator.url}/`, 4, [withoutApi.locks, withoutApi.localStorage])
    const tokens = emulator.signIn()
    const mechanisms = await coordinatedSessions(tabs, tokens)
    expect(mechanisms).toEqual(Array(4).fill({ lock: 'none', channel: 'broadcast-channel' }))
    await new Promise((resolve) => setTimeout(resolve, 300)) // past the start-up question
    // Every tab refreshes at the same instant (a shared time target), then sends.
    const together = (at: number) =>
      Promise.all(
        tabs.map((tab) =>
          tab.evaluate(async (at) => {
            await new Promise((resolve) => setTimeout(resolve, at - Date.now()))
            await (window as any).session.refresh().catch(() => {})
            return Promise.all(Array.from({ length: 10 }, () => (window as any).authedFetch('/api/together').then((r: Response) => r.status, (e: Error) => e.name)))
          }, at),
        ),
      ).then((statuses) => statuses.flat())
    for (let expiry = 1; expiry <= 3; expiry++) {
      emulator.expireAccessTokens()
      const statuses = await together(Date.now() + 300)
      expect({ expiry, statuses: new Set(statuses), calls: emulator.stats.refreshCalls, reuse: emulator.stats.reuseDetections }).toEqual({ expiry, statuses: new Set([200]), calls: expiry, reuse: 0 })
    }
    await context.close()
  }, 60_000)

  // Web Locks queue the tabs, but no news reaches the next holder: it presents the same refresh
  // token. Nothing can prevent that here; each tab must be told, and `mechanism` must not claim a channel.
  it.each([
    ['throws', withoutApi.localStorage],
    ['drops writes without a word', 'Storage.prototype.setItem = function () {}'],
  ])('Web Locks, no BroadcastChannel, localStorage that %s: channel none, and every tab hears coordinationDegraded', async (_label, blockStorage) => {
    const emulator = await emulate()
    const { context, tabs } = await openTabs(browser, `${emulator.url}/`, 2, [withoutApi.broadcastChannel, blockStorage])
    const tokens = emulator.signIn()
    const mechanisms = await coordinatedSessions(tabs, tokens)
    expect(mechanisms).toEqual(Array(2).fill({ lock: 'web-locks', channel: 'none' }))
    emulator.expireAccessTokens()
    await burst(tabs, 3)
    const heard = await Promise.all(tabs.map((tab) => tab.evaluate(() => (window as any).degraded as string[])))
    expect(heard).toEqual(Array(2).fill([expect.stringMatching(/^No channel between tabs here/)]))
    expect(emulator.issuedTokens().filter((token) => heard.join().includes(token))).toEqual([])
    await context.close()
  }, 60_000)
})
