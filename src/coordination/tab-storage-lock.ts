import type { TabStorage } from './tab-storage.js'
import type { NoticeWaiter } from './wake-on-notice.js'
import { sleep } from '../abort.js'
import { monotonicNow } from '../monotonic.js'

/** Timing of the storage lock (ms). */
export interface StorageLockTiming {
  /** A record seen unchanged for this long is stale: the bound a dead holder blocks the others. */
  ttlMs: number
  /** How often a live holder extends its record. */
  heartbeatMs: number
  /** Wait between writing a claim and reading it back, longer than a write takes to reach every tab. */
  settleMs: number
}

/** The timing tabCoordinator uses: a crashed holder blocks the others ≤ 3 s. */
export const storageLockTiming: StorageLockTiming = { ttlMs: 3_000, heartbeatMs: 1_000, settleMs: 150 }

/** A lock this tab holds. */
export interface HeldStorageLock {
  release(): void
  /** The lock was taken from a holder that stopped extending it (crashed, frozen). */
  readonly tookOver: boolean
  /** Another tab held it while this one waited, and let it go: that tab's news may still be on its way. */
  readonly afterAnother?: boolean
  /** Storage refused the record (full, blocked): nothing is held, the caller goes on without a lock. */
  readonly unlocked?: true
  /**
   * Whether this owner has held it throughout: its record was never found gone, another's or
   * stale (a tab frozen past the TTL, whose record another tab may have taken over and released).
   */
  held(): boolean
}

/** A mutual exclusion between tabs through one localStorage key holding an owner id and a heartbeat count. */
export interface StorageLock {
  /**
   * Waits for the lock and resolves with it, or with `undefined` once `giveUp()` is true (the
   * wait has become pointless). A holder keeps the lock for at most `holdMs`.
   */
  acquire(holdMs: number, giveUp: () => boolean): Promise<HeldStorageLock | undefined>
  /** Releases the lock if this owner holds it (the page is going away). */
  releaseIfHeld(): void
}

// No time is written: tabs' clocks differ (page code sets `Date` to a server's) and the system's
// time steps. Each tab times a record by its own monotonic clock, from when it last saw it change.
interface LockRecord {
  owner: string
  beat: number
}

// The record at `key`, or `undefined` for anything else.
function readRecord(storage: TabStorage, key: string): LockRecord | undefined {
  try {
    const raw = storage.getItem(key)
    const record: unknown = raw === null ? undefined : JSON.parse(raw)
    if (typeof record !== 'object' || record === null) return undefined
    const { owner, beat } = record as Record<string, unknown>
    return typeof owner === 'string' && typeof beat === 'number' ? { owner, beat } : undefined
  } catch {
    return undefined
  }
}

const sameRecord = (a: LockRecord | undefined, b: LockRecord | undefined): boolean => a?.owner === b?.owner && a?.beat === b?.beat

// Whether storage took the record (it refuses when full or blocked).
function writeRecord(storage: TabStorage, key: string, record: LockRecord): boolean {
  try {
    storage.setItem(key, JSON.stringify(record))
    return true
  } catch {
    return false
  }
}

// This owner's record at the lock's key, and when it last wrote it.
class OwnRecord {
  writtenAt = Number.NEGATIVE_INFINITY
  #beats = 0
  /** Releases the lock while this owner holds it. */
  releaseHeld: (() => void) | undefined

  constructor(
    readonly storage: TabStorage,
    readonly key: string,
    readonly owner: string,
    readonly now: () => number,
    readonly ttlMs: number,
  ) {}

  read(): LockRecord | undefined {
    return readRecord(this.storage, this.key)
  }

  write(): boolean {
    const written = writeRecord(this.storage, this.key, { owner: this.owner, beat: ++this.#beats })
    if (written) this.writtenAt = this.now()
    return written
  }

  /** Whether what this owner last wrote is still live to the others (no freeze outlasted it). */
  fresh(): boolean {
    return this.now() - this.writtenAt <= this.ttlMs
  }
}

// Holds the lock whose record was just read back: extends it every `heartbeatMs` until released.
function hold(record: OwnRecord, holdMs: number, heartbeatMs: number): Pick<HeldStorageLock, 'release' | 'held'> {
  const { owner, now } = record
  const deadline = now() + holdMs
  let lost = false
  // Stops extending past `holdMs`, so even a wedged holder frees the lock `ttlMs` later, or once
  // another owner's record is there; a record gone (another script cleared storage) is put back.
  // Found gone, another's, or gone stale (the tab was frozen): another tab may have held it since.
  const heartbeat = setInterval(() => {
    const holder = record.read()?.owner
    if (holder !== owner || !record.fresh()) lost = true
    if ((holder !== undefined && holder !== owner) || now() >= deadline) clearInterval(heartbeat)
    else record.write()
  }, heartbeatMs)
  const release = (): void => {
    clearInterval(heartbeat)
    if (record.releaseHeld === release) record.releaseHeld = undefined
    try {
      if (record.read()?.owner === owner) record.storage.removeItem(record.key)
    } catch {
      // Blocked storage: the record expires by itself.
    }
  }
  record.releaseHeld = release
  return { release, held: () => !lost && record.fresh() && record.read()?.owner === owner }
}

/**
 * Creates a {@link StorageLock}: a lock without Web Locks that stores no token. A claim is written,
 * left to settle, and read back: of tabs claiming at once, the last write wins everywhere. The
 * holder rewrites its record every `heartbeatMs`; a record seen unchanged for `ttlMs` (a crashed or
 * frozen tab) is taken over. Values at the key that are not a well-formed record are ignored.
 * `now` is this tab's monotonic clock: no time crosses tabs.
 * `notices` is woken by the caller when the key changes in another tab.
 */
export function createStorageLock(
  storage: TabStorage,
  key: string,
  owner: string,
  notices: NoticeWaiter,
  now: () => number = monotonicNow,
  timing: StorageLockTiming = storageLockTiming,
): StorageLock {
  const record = new OwnRecord(storage, key, owner, now, timing.ttlMs)
  // Storage that refuses or drops the record (full, blocked, writes ignored, reads failing): there
  // is no lock to be had. A random pause spreads tabs that started together, so the first one's
  // `refreshing` news may reach the others.
  const withoutLock = async (): Promise<HeldStorageLock> => {
    await sleep(Math.random() * 4 * timing.settleMs)
    return { release() {}, tookOver: false, unlocked: true, held: () => true }
  }
  return {
    async acquire(holdMs, giveUp) {
      let vanished = 0 // claims written and then not found at all: no tab removes another's
      let seen: LockRecord | undefined
      let seenAt = 0 // when `seen` was first read, on this tab's clock
      let waited = false // behind another owner's record
      for (;;) {
        if (giveUp()) return undefined
        const held = record.read()
        if (!sameRecord(held, seen)) [seen, seenAt] = [held, now()]
        const waitMs = held && held.owner !== owner ? seenAt + timing.ttlMs - now() : 0
        if (waitMs > 0) {
          waited = true
          await notices.next(waitMs)
          continue
        }
        const tookOver = held !== undefined && held.owner !== owner
        if (!record.write()) return withoutLock()
        await sleep(timing.settleMs)
        const claimed = record.read()
        // Twice in a row, not once: another script may clear storage.
        vanished = claimed === undefined ? vanished + 1 : 0
        if (vanished === 2) return withoutLock()
        if (claimed?.owner !== owner) continue
        const holding = hold(record, holdMs, timing.heartbeatMs)
        if (!giveUp()) return { ...holding, tookOver, afterAnother: waited && !tookOver }
        holding.release()
        return undefined
      }
    },
    releaseIfHeld: () => record.releaseHeld?.(),
  }
}
