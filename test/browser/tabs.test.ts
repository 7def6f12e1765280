/**
 * Four tabs of one origin in real Chromium, sharing a rotating refresh token: the tokens expire,
 * every tab fires 50 requests, and exactly one refresh call is made (Web Locks + BroadcastChannel),
 * with every request succeeding.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { missing } from '../_helpers/requires.js'
import { type Emulator, startEmulator } from '../../src/testing/index.js'
import { bundleIife } from '../../scripts/iife.js'
import { launchChromium } from '../_helpers/browser.js'

const page = `<!doctype html><meta charset="utf-8"><title>tab</title><script src="/tokenflight.js"></script>`

describe.skipIf(missing('chromium'))('needs chromium', () => {
  let browser: Browser
  let emulator: Emulator<'fib'>
  beforeAll(async () => {
    browser = await launchChromium()
    emulator = await startEmulator({ provider: 'fib', rotateRefreshTokens: true, reuseDetection: true })
    emulator.serveFile('/', 'text/html', page)
    emulator.serveFile('/tokenflight.js', 'text/javascript', (await bundleIife()).code)
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await emulator?.stop()
  })

  it('4 tabs × 50 requests after the tokens expired → 1 refresh call, 200 successes', async () => {
    const context = await browser.newContext()
    const tabs = await Promise.all(Array.from({ length: 4 }, () => context.newPage()))
    const tokens = emulator.signIn()
    for (const tab of tabs) {
      await tab.goto(`${emulator.url}/`)
      // Each tab starts from the same sign-in, as tabs restoring one session would.
      await tab.evaluate((initial) => {
        const { createSession, fib, tabCoordinator, wrapFetch } = (window as any).TokenFlight
        const session = createSession({ strategy: fib({ baseURL: location.origin }), tokens: initial, coordinator: tabCoordinator() })
        ;(window as any).authedFetch = wrapFetch(window.fetch.bind(window), session, { origins: [location.origin] })
        ;(window as any).session = session
      }, tokens)
    }
    emulator.expireAccessTokens()
    const results = await Promise.all(
      tabs.map((tab, t) =>
        tab.evaluate(async (t) => {
          const calls = Array.from({ length: 50 }, (_, i) => (window as any).authedFetch(`/api/tab${t}/${i}`).then((r: Response) => r.status))
          return Promise.all(calls)
        }, t),
      ),
    )
    expect(results.flat()).toEqual(Array(200).fill(200))
    expect(emulator.stats.refreshCalls).toBe(1)
    expect(emulator.stats.reuseDetections).toBe(0)
    // Every tab now holds the one new token.
    const held = await Promise.all(tabs.map((tab) => tab.evaluate(() => (window as any).session.getAccessToken())))
    expect(new Set(held).size).toBe(1)
    await context.close()
  }, 60_000)
})
