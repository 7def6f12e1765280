import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'

/** The host name the browser resolves to 127.0.0.1: a plain-http origin that is not a secure context. */
export const insecureHost = 'intranet.test'

/** Debian's Chromium, headless, with the flags this machine needs (no background network). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      // An intranet-like name on loopback: pages served there are not a secure context.
      `--host-resolver-rules=MAP ${insecureHost} 127.0.0.1`,
    ],
  })
}

/** Init scripts that take a platform API away before any page script runs (older browsers, insecure contexts). */
export const withoutApi = {
  locks: 'delete Navigator.prototype.locks; delete navigator.locks',
  broadcastChannel: 'delete globalThis.BroadcastChannel',
  // Blocked storage (cookies blocked, a sandboxed frame): reading `localStorage` throws.
  localStorage: "Object.defineProperty(window, 'localStorage', { get() { throw new DOMException('blocked', 'SecurityError') } })",
} as const

/** Init scripts that leave an API in place but make it refuse, as some contexts and page code do. */
export const hostileApi = {
  locksRefusing:
    "for (const m of ['request', 'query']) LockManager.prototype[m] = () => Promise.reject(new DOMException('Access to the Locks API is denied in this context.', 'SecurityError'))",
  broadcastRefusing: "BroadcastChannel.prototype.postMessage = () => { throw new DOMException('closed', 'InvalidStateError') }",
  // A stand-in some pages carry: it takes every message and delivers none.
  broadcastSilent: 'BroadcastChannel.prototype.postMessage = function () {}',
  // A channel whose messages arrive 300 ms late (an overloaded renderer): within its probe's second, past the storage lock's settle time.
  broadcastLate: `(() => {
    const Real = BroadcastChannel
    globalThis.BroadcastChannel = class {
      constructor(name) {
        this.onmessage = null
        this.real = new Real(name)
        this.real.onmessage = ({ data }) => setTimeout(() => this.onmessage?.({ data }), 300)
      }
      postMessage(message) { this.real.postMessage(message) }
      close() { this.real.close() }
    }
  })()`,
} as const

/** Opens `count` tabs of one browser context at `url`, each after `initScripts` ran. */
export async function openTabs(browser: Browser, url: string, count: number, initScripts: readonly string[] = []): Promise<{ context: BrowserContext; tabs: Page[] }> {
  const context = await browser.newContext()
  for (const script of initScripts) await context.addInitScript(script)
  const tabs = await Promise.all(Array.from({ length: count }, () => context.newPage()))
  await Promise.all(tabs.map((tab) => tab.goto(url)))
  return { context, tabs }
}

/** Every `localStorage` and `sessionStorage` key and value, as text, of each tab. */
export function storageText(tabs: readonly Page[]): Promise<string[]> {
  return Promise.all(
    tabs.map((tab) =>
      tab.evaluate(() => {
        const dump = (storage: Storage): string[] => Array.from({ length: storage.length }, (_, i) => storage.key(i) ?? '').flatMap((key) => [key, storage.getItem(key) ?? ''])
        return [...dump(localStorage), ...dump(sessionStorage)].join('\n')
      }),
    ),
  )
}
