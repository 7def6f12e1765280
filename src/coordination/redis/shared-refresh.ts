import { RefreshError, RefreshTimeoutError } from '../../errors/index.js'
import { randomUuid } from '../../random-uuid.js'
import type { CoordinatedWork } from '../../coordinator.js'
import type { Tokens } from '../../strategy.js'
import { renewalPeriodMs } from './lock.js'
import { misconfiguration } from './redis-failure.js'
import type { Shared } from './shared.js'
import type { LockWatch } from './lock-watch.js'
import { alone, underLock } from './under-lock.js'
import { monotonicNow } from '../../monotonic.js'

// Takes the lock and reads the tokens under it: `undefined` when another process holds it.
async function take<T extends Tokens>(shared: Shared<T>, owner: string): Promise<{ raw: string | null } | undefined> {
  const acquired = await shared.lock.acquire(owner)
  await shared.store.flushPending().catch(() => {})
  shared.links.restored()
  if (!acquired) return undefined
  const raw = await shared.store.readRaw()
  await shared.refused.check(raw)
  return { raw }
}

/**
 * The coordinator's `refresh`: the tokens replacing `stale`, adopted from another process or made
 * by `work()` under the lock. Waiting for another holder ends at the session's refresh deadline
 * (`RefreshTimeoutError`); Redis unreachable for `coordinationWaitMs` in a row is waited out, then the
 * refresh goes alone; a misconfigured Redis or a refused token rejects at once. A free lock whose
 * holder may have lost it to Redis failing it is left alone one lock TTL ({@link LockWatch}).
 *
 * @example
 * const coordinator = { refresh: (stale, work) => sharedRefresh(shared, stale, work) }
 */
export async function sharedRefresh<T extends Tokens>(shared: Shared<T>, stale: T, work: CoordinatedWork<T>): Promise<T> {
  const { coordinationWaitMs, pollIntervalMs, lockTtlMs, key } = shared.options
  const began = monotonicNow()
  const limitMs = shared.links.deadlineMs()
  const left = (): number => limitMs - (monotonicNow() - began)
  const owner = randomUuid()
  let waitedOnEmpty = false
  let unreachableSince: number | undefined // the outage is timed from Redis's first failure, not from the wait's start
  for (;;) {
    // A destroyed session's wait ends here: refreshing for it (alone, after an outage) could only spend the shared token.
    if (shared.links.abandoned) {
      void shared.lock.release(owner) // lock requests a client queued during an outage may still land
      throw new RefreshError('The session was destroyed while it waited for the shared refresh', { transient: true })
    }
    let taken: { raw: string | null } | undefined
    try {
      taken = await take(shared, owner)
    } catch (error) {
      shared.watch.failed()
      // Ours (a refused token, a misconfigured Redis): no retry changes it.
      const fatal = error instanceof RefreshError ? error : misconfiguration(error, key)
      if (fatal) {
        await shared.lock.release(owner)
        throw fatal
      }
      unreachableSince ??= monotonicNow()
      if (monotonicNow() - unreachableSince < coordinationWaitMs) {
        await shared.notices.next(pollIntervalMs) // woken early when the last session detaches
        continue
      }
      // A client that queues commands while Redis is away runs this owner's lock requests when it
      // is back: the release, queued after them, frees what they take. Not awaited: Redis is down.
      void shared.lock.release(owner)
      return alone(shared, error, work)
    }
    unreachableSince = undefined
    if (taken) {
      // The key empty, the lock free: Redis lost both (restart, FLUSHALL), maybe under a holder whose
      // refresh token is spent already. A live holder takes its lock back at its next renewal.
      const empty: boolean = taken.raw === null && !waitedOnEmpty
      // The holder's lock may have run out while Redis failed it (see LockWatch): it gets time to write.
      const asideMs = shared.watch.asideMs()
      if (!empty && asideMs === 0) {
        shared.watch.settled()
        return underLock(shared, stale, work, owner, taken.raw)
      }
      waitedOnEmpty ||= empty
      await shared.lock.release(owner)
      if (asideMs > 0 && left() <= 0) throw new RefreshTimeoutError(limitMs)
      const adopted = await waitForNewer(shared, stale, Math.min(asideMs || 2 * renewalPeriodMs(lockTtlMs), left()))
      if (adopted) return adopted
      continue
    }
    shared.watch.heldElsewhere()
    await shared.notices.next(pollIntervalMs) // another process holds the lock: wait for its notice
    const adopted = await shared.newer(stale)
    if (adopted) return adopted
    if (left() <= 0) throw new RefreshTimeoutError(limitMs)
  }
}

// Tokens replacing `stale` that arrive within `ms`, woken by notices and looked for every poll
// interval (a subscriber not back from an outage yet misses the holder's notice).
async function waitForNewer<T extends Tokens>(shared: Shared<T>, stale: T, ms: number): Promise<T | undefined> {
  const until = monotonicNow() + ms
  for (let left = ms; left > 0 && !shared.links.abandoned; left = until - monotonicNow()) {
    await shared.notices.next(Math.min(left, shared.options.pollIntervalMs))
    const adopted = await shared.newer(stale)
    if (adopted) return adopted
  }
  return undefined
}
