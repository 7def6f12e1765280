import type { Tokens } from '../../strategy.js'
import type { NoticeWaiter } from '../wake-on-notice.js'
import type { FencedStore } from './fenced-store.js'
import type { Links } from './links.js'
import type { LockWatch } from './lock-watch.js'
import type { RedisLock } from './lock.js'
import type { ResolvedRedisCoordination } from './options.js'
import type { RefusedMarker } from './refused-marker.js'
import type { Unwritten } from './unwritten.js'

/** What the parts of one Redis coordinator share. */
export interface Shared<T extends Tokens> {
  readonly options: ResolvedRedisCoordination
  readonly store: FencedStore<T>
  readonly lock: RedisLock
  readonly refused: RefusedMarker
  readonly notices: NoticeWaiter
  readonly links: Links<T>
  readonly unwritten: Unwritten<T>
  readonly watch: LockWatch
  /** Locks kept until the tokens Redis missed are written, then released: a shutdown waits for them. */
  readonly held: Set<Promise<void>>
  /** The stored tokens if they replace `stale`; never rejects. */
  newer(stale: T): Promise<T | undefined>
  /** Publishes that new tokens are stored (`refreshed`) or the user signed out (`cleared`); never rejects. */
  notify(what?: 'refreshed' | 'cleared'): Promise<unknown>
}
