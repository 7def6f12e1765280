import { RefreshError } from '../../errors/index.js'
import { keptTokens } from '../../kept-tokens.js'
import { bounded } from '../../stores/redis-client.js'
import { parseStoredTokens } from '../../stores/parse-stored-tokens.js'
import type { CoordinatedWork } from '../../coordinator.js'
import type { Tokens } from '../../strategy.js'
import type { Shared } from './shared.js'

// Fewer replicas than asked within the bound is no reason to stall a refresh: WAIT only narrows a failover window.
async function replicate<T extends Tokens>({ options: { client, replicasToWait, commandTimeoutMs } }: Shared<T>): Promise<void> {
  if (replicasToWait > 0) await bounded(Promise.resolve(client.wait?.(replicasToWait, commandTimeoutMs)), 2 * commandTimeoutMs).catch(() => {})
}

/**
 * Runs `work` holding the lock (renewed by its watchdog) and releases it after. `raw`: the tokens
 * as read once the lock was taken. That one read decides both: adopt what another process
 * stored, or fence our write on it.
 *
 * @example
 * return underLock(shared, stale, work, owner, raw)
 */
export async function underLock<T extends Tokens>(shared: Shared<T>, stale: T, work: CoordinatedWork<T>, owner: string, raw: string | null): Promise<T> {
  const { lock, unwritten, options } = shared
  // The watchdog's own bound: the longest a coordinated refresh may run, not a lease for ever.
  const stop = lock.keepAlive(owner, shared.links.workMs() + options.lockTtlMs)
  const unlock = (): Promise<void> => {
    stop()
    return lock.release(owner)
  }
  let keepLock = false
  // Redis went away before the rotated tokens were written: until they are, the lock stays (renewed),
  // or a waiting process would refresh with the refresh token this one just spent.
  const holdUntilWritten = (written: Promise<void>): void => {
    keepLock = true
    const held = written.then(() => shared.notify()).then(unlock)
    shared.held.add(held)
    void held.then(() => shared.held.delete(held))
  }
  try {
    const stored = parseStoredTokens<T>(raw)
    if (unwritten.replaces(stored, stale)) return stored // refreshed while we waited
    await replicate(shared)
    const next = await fencedWork(shared, stale, work, raw, owner).catch((error: unknown) => {
      // A refused answer that still rotated the credential: kept like a refresh's own tokens.
      const kept = keptTokens(error) as T | undefined
      const written = kept && unwritten.writeBack(kept)
      if (written) holdUntilWritten(written)
      throw error
    })
    const written = unwritten.writeBack(next)
    if (written) holdUntilWritten(written)
    else await shared.notify()
    return next
  } finally {
    if (!keepLock) await unlock()
  }
}

// `work` with its write fenced on `raw`; a terminal refusal is checked against Redis, then remembered.
async function fencedWork<T extends Tokens>(shared: Shared<T>, stale: T, work: CoordinatedWork<T>, raw: string | null, owner: string): Promise<T> {
  shared.store.fence(raw, owner)
  try {
    return await work(() => shared.lock.holds(owner))
  } catch (error) {
    if (!(error instanceof RefreshError) || error.transient) throw error
    // "Invalid refresh token" may mean another process already rotated it: look before giving up.
    const adopted = await shared.newer(stale)
    if (adopted) return adopted
    // Only a refusal of the tokens themselves: one process's own set-up (a wrong client secret) ends no other's session.
    if (error.tokensRefused) await shared.refused.mark(raw)
    throw error
  } finally {
    shared.store.fence(undefined)
  }
}

/**
 * Refreshes without the lock because Redis stayed unreachable (docs/scaling.md): the session
 * hears `coordinationDegraded`, and `coordinationRestored` once Redis answers a write (the store says so).
 *
 * @example
 * return alone(shared, error, work)
 */
export async function alone<T extends Tokens>(shared: Shared<T>, error: unknown, work: () => Promise<T>): Promise<T> {
  shared.links.degraded(error)
  const next = await work()
  void shared.unwritten.writeBack(next) // tracked until Redis takes them: older tokens there are not adopted meanwhile
  return next
}
