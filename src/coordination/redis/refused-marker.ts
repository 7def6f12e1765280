import { RefreshError } from '../../errors/index.js'
import { bounded, type RedisClient } from '../../stores/redis-client.js'
import { rethrowFor } from './redis-failure.js'

// How long a refusal is remembered; tokens set since (a new sign-in) never match it anyway.
const REMEMBER_MS = 3_600_000

const markScript = `redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1`

// A short fingerprint (FNV-1a and the length): the marker needs no second copy of the tokens.
function fingerprint(raw: string): string {
  let hash = 0x811c9dc5
  for (let i = 0; i < raw.length; i++) hash = Math.imul(hash ^ raw.charCodeAt(i), 0x01000193)
  return `${(hash >>> 0).toString(36)}:${raw.length}`
}

/** Remembers in Redis which stored tokens the provider refused for good. */
export interface RefusedMarker {
  /** Rejects with a terminal `RefreshError` when `raw` (the stored tokens) was refused before. */
  check(raw: string | null): Promise<void>
  /** Records that the provider refused `raw`; best effort, never rejects. */
  mark(raw: string | null): Promise<void>
}

/**
 * Creates the marker at `markerKey`. A refresh token refused after a holder died mid-refresh (the
 * provider rotated, nobody stored the result) is presented once, not once per process: a second
 * presentation would be a second reuse detection.
 *
 * @example
 * const refused = refusedMarker(client, '{svc}:refused', 1_000)
 * await refused.check(raw) // before calling the provider with the tokens read under the lock
 */
export function refusedMarker(client: RedisClient, markerKey: string, timeoutMs: number): RefusedMarker {
  return {
    async check(raw) {
      if (raw === null || (await bounded(client.get(markerKey), timeoutMs).catch(rethrowFor(markerKey))) !== fingerprint(raw)) return
      throw new RefreshError('The provider already refused the refresh token stored in Redis (another process presented it): sign in again', {
        transient: false,
      })
    },
    async mark(raw) {
      if (raw !== null) await bounded(client.eval(markScript, 1, markerKey, fingerprint(raw), REMEMBER_MS), timeoutMs).catch(() => {})
    },
  }
}
