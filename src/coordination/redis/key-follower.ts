import type { Tokens } from '../../strategy.js'
import type { FencedStore } from './fenced-store.js'
import { idle } from './pending-write.js'
import { misconfiguration } from './redis-failure.js'

/** Options of {@link followKey}. */
export interface KeyFollowerOptions<T extends Tokens> {
  store: FencedStore<T>
  /** The tokens key, to tell a misconfiguration (no retry helps) from an outage. */
  key: string
  read(): Promise<T | undefined>
  retryMs: number
  /** Hands the session what the key holds (`undefined`: signed out elsewhere). */
  adopt(tokens: T | undefined): void
}

/** What a session hears through pub/sub: news (a notice, or a resubscription that may have missed some) and the end. */
export interface KeyFollower {
  /** Something changed at the key; `signedOut` when the notice was a sign-out. */
  news(signedOut: boolean): void
  stop(): void
}

/**
 * Reads the tokens key after every piece of news and hands what it holds to the session. News is
 * never dropped: a read that fails (the subscriber is back before this process's command
 * connection) is tried again every `retryMs`. Tokens this process holds that Redis has not taken
 * yet are written back first, and a read under way while this process wrote is read again: an
 * older copy never replaces a sign-in or refresh made here.
 *
 * @example
 * const follower = followKey({ store, key, read, retryMs: 100, adopt: link.adopt }); follower.news(false)
 */
export function followKey<T extends Tokens>({ store, key, read, retryMs, adopt }: KeyFollowerOptions<T>): KeyFollower {
  let unread = false
  let signedOut = false
  let reading = false
  let stopped = false
  async function readAll(): Promise<void> {
    reading = true
    while (unread && !stopped) {
      unread = false
      const signOut = signedOut
      signedOut = false
      try {
        await store.whenWritten()
        const begun = store.writesBegun
        const tokens = await read()
        if (store.writesBegun !== begun || store.pending) {
          // This process wrote while the read was under way: what it read may be older; read again.
          unread = true
          signedOut ||= signOut
          continue
        }
        // An empty key alone (Redis restarted empty) signs nobody out; a sign-out notice does.
        if (!stopped && (tokens || signOut)) adopt(tokens)
      } catch (error) {
        if (misconfiguration(error, key)) continue // said by the next refresh; reading again cannot help
        unread = true
        signedOut ||= signOut
        await idle(retryMs)
      }
    }
    reading = false
  }
  return {
    news(signOut) {
      unread = true
      signedOut ||= signOut
      if (!reading) void readAll()
    },
    stop() {
      stopped = true
    },
  }
}
