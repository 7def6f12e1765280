import type { LockHeld } from '../coordinator.js'
import { randomUuid } from '../random-uuid.js'
import { createStorageLock } from './tab-storage-lock.js'
import { listenGlobally, onStorageKey, usableLocalStorage } from './tab-storage.js'
import type { NoticeWaiter } from './wake-on-notice.js'

/** Which lock keeps tabs from refreshing at once: Web Locks, the localStorage lock, or none. */
export type TabLockKind = 'web-locks' | 'storage' | 'none'

/** How a turn of the lock came: held, taken from a dead holder, or without a lock at all. */
export interface LockTurn {
  /** The lock was taken from a holder that died (it will never announce its outcome). */
  tookOver: boolean
  /** Where the lock can be lost (the storage lock): whether it still is held. */
  held?: LockHeld | undefined
  /** No lock was had (none here, or storage refused it): the tabs agree on one refresher over the channel. */
  unlocked: boolean
  /**
   * Another tab held or awaited the lock when this one asked for it: that tab's news may still be
   * on its way, as either lock is granted apart from the channel.
   */
  afterAnother?: boolean
}

const UNLOCKED: LockTurn = { tookOver: false, unlocked: true }
const LOCKED: LockTurn = { tookOver: false, unlocked: false }
const AFTER_ANOTHER: LockTurn = { tookOver: false, unlocked: false, afterAnother: true }

/** One refresh at a time across the tabs (and workers) of an origin. */
export interface TabLock {
  readonly kind: TabLockKind
  /**
   * Runs `fn` holding the lock (held at most `holdMs` where the lock cannot see a holder die),
   * told how the turn came. While waiting, resolves with `early()` instead as soon as that is defined.
   */
  run<R>(fn: (turn: LockTurn) => Promise<R>, holdMs: number, early: () => R | undefined): Promise<R>
  close(): void
}

/** The lock of a context that has none: every turn is unlocked. */
export const noTabLock: TabLock = { kind: 'none', run: (fn) => fn(UNLOCKED), close() {} }

interface LockManagerLike {
  request<R>(name: string, callback: () => Promise<R>): Promise<R>
  request<R>(name: string, options: { ifAvailable: true }, callback: (lock: unknown) => Promise<R> | undefined): Promise<R | undefined>
  query?(): Promise<unknown>
}

// Web Locks, unless missing, or read through a getter that page code made throw (met like missing).
function webLocks(): LockManagerLike | undefined {
  try {
    const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks
    return typeof locks?.request === 'function' ? locks : undefined
  } catch {
    return undefined
  }
}

/** Which lock {@link openTabLock} would open here. */
export function tabLockKind(): TabLockKind {
  if (webLocks()) return 'web-locks'
  return usableLocalStorage() ? 'storage' : 'none'
}

/**
 * Web Locks where they exist (secure contexts, Safari 15.4+, Firefox 96+; released by the browser
 * when a tab dies); else the localStorage lock (insecure contexts, older browsers); else none
 * (a worker in an insecure context). Web Locks the browser refuses (an opaque origin: a sandboxed
 * frame) give way to the next at their first refusal. `notices` wakes waiters when another tab
 * has news; `degraded` hears of each way this falls short (said once by the caller).
 */
export function openTabLock(name: string, notices: NoticeWaiter, degraded: (error: Error) => void): TabLock {
  const locks = webLocks()
  const fallback = (): TabLock => openStorageLock(name, notices, degraded)
  return locks ? webTabLock(locks, name, fallback, degraded) : fallback()
}

// Web Locks, until a call is refused (`SecurityError`) before its callback ran: then `fallback()`
// for good. Another failure (a document not fully active) is this call's, not the context's: the
// other tabs keep Web Locks, and a tab on another lock would not exclude them.
function webTabLock(locks: LockManagerLike, name: string, fallback: () => TabLock, degraded: (error: Error) => void): TabLock {
  let instead: TabLock | undefined
  const refused = (error: unknown): TabLock => {
    if (errorName(error) !== 'SecurityError') throw error
    if (instead) return instead
    instead = fallback()
    const then = instead.kind === 'none' ? 'refreshing without a lock between tabs' : 'using the localStorage lock'
    degraded(new Error(`Web Locks are refused here (${errorName(error)}): ${then}`))
    return instead
  }
  // Opaque origins list the API and refuse every call: learn it before the first refresh.
  if (typeof locks.query === 'function') Promise.resolve().then(() => locks.query?.()).catch((error: unknown) => void (errorName(error) === 'SecurityError' && refused(error)))
  return {
    get kind() {
      return instead ? instead.kind : 'web-locks'
    },
    async run(fn, holdMs, early) {
      if (instead) return instead.run(fn, holdMs, early)
      let entered = false
      let busy = false
      const enter = (turn: LockTurn) => {
        entered = true
        return fn(turn)
      }
      try {
        // Taken at once if free; else waited for, after another tab's turn. A LockManager that
        // takes no options (a polyfill) throws a TypeError, or settles without calling back: asked plainly then.
        const free = await Promise.resolve()
          .then(() =>
            locks.request(`${name}:refresh`, { ifAvailable: true }, (lock) => {
              busy = !lock
              return lock ? enter(LOCKED) : undefined
            }),
          )
          .catch((error: unknown) => {
            if (entered || !(error instanceof TypeError)) throw error
          })
        if (entered) return free as Awaited<ReturnType<typeof fn>>
        return await locks.request(`${name}:refresh`, () => enter(busy ? AFTER_ANOTHER : LOCKED))
      } catch (error) {
        if (entered) throw error
        return refused(error).run(fn, holdMs, early)
      }
    },
    close: () => instead?.close(),
  }
}

const errorName = (error: unknown): string => (error instanceof Error ? error.name : typeof error)

// The localStorage lock, or none where this context has no usable localStorage.
function openStorageLock(name: string, notices: NoticeWaiter, degraded: (error: Error) => void): TabLock {
  const storage = usableLocalStorage()
  if (!storage) return noTabLock
  const key = `${name}:lock`
  const lock = createStorageLock(storage, key, randomUuid(), notices)
  const stopWatching = onStorageKey(key, () => notices.wake())
  // A closing tab frees the lock at once; a crashed one only after the lock's ttl.
  const onPageHide = (): void => lock.releaseIfHeld()
  const stopHearingPageHide = listenGlobally('pagehide', onPageHide)
  let refusedLast = false // storage refused the last turn's record: no lock is in use
  return {
    get kind() {
      return refusedLast ? 'none' : 'storage'
    },
    async run<R>(fn: (turn: LockTurn) => Promise<R>, holdMs: number, early: () => R | undefined): Promise<R> {
      let settled: R | undefined
      const held = await lock.acquire(holdMs, () => {
        settled = early()
        return settled !== undefined
      })
      if (!held) return settled as R
      refusedLast = held.unlocked === true
      if (refusedLast) degraded(new Error('localStorage did not keep the lock record (full or blocked): refreshing without a lock between tabs'))
      try {
        return await fn({ tookOver: held.tookOver, held: held.held, unlocked: refusedLast, afterAnother: held.afterAnother === true })
      } finally {
        held.release()
      }
    },
    close() {
      stopWatching()
      stopHearingPageHide()
      lock.releaseIfHeld()
    },
  }
}
