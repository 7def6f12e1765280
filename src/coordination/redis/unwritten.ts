import { sameCredentials } from '../../same-credentials.js'
import type { Tokens } from '../../strategy.js'
import type { FencedStore } from './fenced-store.js'

/** Tokens this process refreshed that Redis has not got yet (it went away meanwhile). */
export interface Unwritten<T extends Tokens> {
  /** True while some refreshed tokens wait for their write-back. */
  readonly any: boolean
  /**
   * Whether `stored` (read from Redis) replaces `stale`: they differ, and `stale` is not itself
   * waiting to be written (then Redis holds older tokens).
   */
  replaces(stored: T | undefined, stale: T): stored is T
  /** Undefined when `next` reached Redis; else resolves once the store has written it back. */
  writeBack(next: T): Promise<void> | undefined
}

/**
 * Tracks the write-back of tokens Redis missed.
 *
 * @example
 * const unwritten = trackUnwritten(store); const written = unwritten.writeBack(next)
 */
export function trackUnwritten<T extends Tokens>(store: FencedStore<T>): Unwritten<T> {
  let unwritten: T | undefined
  // By the credentials, not the object: the session gives its store a copy of its tokens.
  const same = (a: T | undefined, b: T): boolean => a !== undefined && sameCredentials(a, b)
  return {
    get any() {
      return unwritten !== undefined
    },
    replaces: (stored, stale): stored is T => !!stored && !sameCredentials(stored, stale) && !same(unwritten, stale),
    writeBack(next) {
      if (!same(store.pending, next)) return undefined
      unwritten = next
      return store.whenWritten().then(() => {
        if (unwritten === next) unwritten = undefined
      })
    },
  }
}
