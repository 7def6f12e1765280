import type { TabStorage } from './tab-storage.js'
import type { NoticeWaiter } from './wake-on-notice.js'
import { sleep } from '../abort.js'

/** Timing of the storage lock (ms). */
export interface StorageLockTiming {
  /** A record not extended for this long is stale: the bound a dead holder blocks the others. */
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
  /** Storage refused the record (full, blocked): nothing is held, the caller goes on without a lock. */
  readonly unlocked?: true
  /**
   * Whether this owner has held it throughout: its record was never found gone, another's or
   * stale (a tab frozen past the TTL, whose record another tab may have taken over and released).
   */
  held(): boolean
}

/** A mutual exclusion between tabs through one localStorage key holding an owner id and an expiry. */
export interface StorageLock {
  /**
   * Waits for the lock and resolves with it, or with `undefined` once `giveUp()` is true (the
   * wait has become pointless). A holder keeps the lock for at most `holdMs`.
   */
  acquire(holdMs: number, giveUp: () => boolean): Promise<HeldStorageLock | undefined>
  /** Releases the lock if this owner holds it (the page is going away). */
  releaseIfHeld(): void
}

interface LockRecord {
  owner: string
  until: number
}

// The record at `key`, or `undefined` for anything else. A record dated after `latest` (further
// ahead than any holder writes) is garbage too: it must not block for longer than a real one.
function readRecord(storage: TabStorage, key: string, latest: number): LockRecord | undefined {
  try {
    const raw = storage.getItem(key)
    const record: unknown = raw === null ? undefined : JSON.parse(raw)
    if (typeof record !== 'object' || record === null) return undefined
    const { owner, until } = record as Record<string, unknown>
    return typeof owner === 'string' && typeof until === 'number' && until <= latest ? { owner, until } : undefined
  } catch {
    return undefined
  }
}

// Whether storage took the record (it refuses when full or blocked).
function writeRecord(storage: TabStorage, key: string, record: LockRecord): boolean {
  try {
    storage.setItem(key, JSON.stringify(record))
    return true
  } catch {
    return false
  }
}

// This owner's record at the lock's key, and until when the record it last wrote is live.
class OwnRecord {
  claimedUntil = 0
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
    return readRecord(this.storage, this.key, this.now() + this.ttlMs)
  }

  write(): boolean {
    const until = this.now() + this.ttlMs
    const written = writeRecord(this.storage, this.key, { owner: this.owner, until })
    if (written) this.claimedUntil = until
    return written
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
    if (holder !== owner || now() > record.claimedUntil) lost = true
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
  return { release, held: () => !lost && now() <= record.claimedUntil && record.read()?.owner === owner }
}

/**
 * Creates a {@link StorageLock}: a lock without Web Locks that stores no token. A claim is written,
 * left to settle, and read back: of tabs claiming at once, the last write wins everywhere. The
 * holder extends its record every `heartbeatMs`; a record older than `ttlMs` (a crashed or frozen
 * tab) is taken over. Values at the key that are not a well-formed, near-future record are ignored.
 * `notices` is woken by the caller when the key changes in another tab.
 */
export function createStorageLock(
  storage: TabStorage,
  key: string,
  owner: string,
  notices: NoticeWaiter,
  now: () => number = Date.now,
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
      for (;;) {
        if (giveUp()) return undefined
        const held = record.read()
        const waitMs = held && held.owner !== owner ? held.until - now() : 0
        if (waitMs > 0) {
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
        if (!giveUp()) return { ...holding, tookOver }
        holding.release()
        return undefined
      }
    },
    releaseIfHeld: () => record.releaseHeld?.(),
  }
}
