import { bounded, type RedisClient } from '../../stores/redis-client.js'
import { rethrowFor } from './redis-failure.js'
import { monotonicNow } from '../../monotonic.js'

/** Appended to the owner in a lock its holder took back after Redis lost it. */
export const RETAKEN = ':retaken'

// Takes the lock if free or already ours. A lock someone left without an expiry (a manual SET,
// an old client) gets one, so it goes stale after a TTL instead of blocking every refresh.
const acquireScript = `
local owner = redis.call('GET', KEYS[1])
if owner == false or owner == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`

// Renews or deletes only a lock this process still owns: one that expired and was retaken is not ours.
// A lock gone with the tokens (KEYS[2]: Redis lost its keys) is taken back, marked, so the holder's
// write may fill the emptied key: its refresh token may be spent, and only its write keeps the session.
// Gone alone, it expired under a stalled holder: another may have refreshed since.
const renewScript = `
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] or owner == ARGV[1] .. '${RETAKEN}' then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if owner == false and redis.call('EXISTS', KEYS[2]) == 0 then return redis.call('SET', KEYS[1], ARGV[1] .. '${RETAKEN}', 'PX', ARGV[2]) and 1 end
return 0`
const releaseScript = `
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] or owner == ARGV[1] .. '${RETAKEN}' then return redis.call('DEL', KEYS[1]) end
return 0`

/** How often a holder renews its lock: a fifth of its TTL. */
export const renewalPeriodMs = (ttlMs: number): number => Math.max(1, Math.floor(ttlMs / 5))

/** A short-lived Redis lock kept alive by a watchdog while its holder works. */
export interface RedisLock {
  /** Takes the lock for `owner`; `true` also when `owner` already held it. Rejects when Redis does not answer. */
  acquire(owner: string): Promise<boolean>
  /**
   * Renews the lock every fifth of its TTL until the returned function is called or `maxMs`
   * pass: a live holder keeps it (takes it back if Redis lost it), a dead one loses it within one TTL.
   */
  keepAlive(owner: string, maxMs: number): () => void
  /** Deletes the lock if `owner` still holds it; never rejects. */
  release(owner: string): Promise<void>
  /** Whether `owner` still holds the lock; `true` when Redis does not answer (nobody else can take it then). */
  holds(owner: string): Promise<boolean>
}

/**
 * Creates the lock at `keys.lock` (owner-checked renew and release through EVAL); `keys.tokens`,
 * what it guards, tells a lock Redis lost with the tokens from one that expired.
 *
 * @example
 * const lock = redisLock(client, { lock: '{svc}:lock', tokens: 'svc' }, 5_000, 1_000)
 * if (await lock.acquire(owner)) { const stop = lock.keepAlive(owner, 30_000); try { await work() } finally { stop(); await lock.release(owner) } }
 */
export function redisLock(client: RedisClient, keys: { lock: string; tokens: string }, ttlMs: number, timeoutMs: number): RedisLock {
  const lockKey = keys.lock
  return {
    async acquire(owner) {
      return (await bounded(client.eval(acquireScript, 1, lockKey, owner, ttlMs), timeoutMs).catch(rethrowFor(lockKey))) === 1
    },
    keepAlive(owner, maxMs) {
      const began = monotonicNow()
      // A failed renewal is retried at the next tick: a stall shorter than four fifths of the TTL costs nothing.
      const timer = setInterval(() => {
        if (monotonicNow() - began > maxMs) clearInterval(timer)
        else void bounded(client.eval(renewScript, 2, lockKey, keys.tokens, owner, ttlMs), timeoutMs).catch(() => {})
      }, renewalPeriodMs(ttlMs))
      ;(timer as { unref?: () => void }).unref?.()
      return () => clearInterval(timer)
    },
    async holds(owner) {
      const held = await bounded(client.get(lockKey), timeoutMs).catch(() => owner)
      return held === owner || held === owner + RETAKEN
    },
    async release(owner) {
      await bounded(client.eval(releaseScript, 1, lockKey, owner), timeoutMs).catch(() => {})
    },
  }
}
