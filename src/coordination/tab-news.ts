import type { Tokens } from '../strategy.js'
import type { TabMessage } from './tab-message.js'
import type { NoticeWaiter } from './wake-on-notice.js'

const REMEMBERED = 32

function remember(set: Set<string>, fingerprint: string): void {
  set.add(fingerprint)
  if (set.size > REMEMBERED) set.delete(set.values().next().value as string)
}

/** What a tab has heard of the other tabs' refreshes, by fingerprint of the stale token. */
export interface TabNews<T> {
  /** Records a message; tokens in it go to `adopt`. Wakes every waiter. */
  hear(message: TabMessage<T>, adopt: (tokens: T | undefined) => void): void
  /** The tokens another tab got in place of `stale`, if it did. */
  adopted(stale: string): T | undefined
  /** Waits (at most `graceMs`) for the outcome of a refresh another tab announced for `stale`. */
  outcome(stale: string): Promise<void>
  /** Forgets an announced refresh that will never have an outcome (its tab died). */
  forget(stale: string): void
}

/** Creates the {@link TabNews} of one coordinator; `notices` wakes its waiters. */
export function createTabNews<T extends Tokens>(graceMs: number, notices: NoticeWaiter): TabNews<T> {
  const announced = new Set<string>() // stale tokens another tab said it is replacing
  const replaced = new Set<string>() // … that another tab did replace
  let latest: T | undefined
  return {
    hear(message, adopt) {
      if (message.type === 'refreshing') remember(announced, message.stale)
      else if (message.type === 'failed') announced.delete(message.stale)
      else {
        latest = message.tokens
        if (message.replaces) remember(replaced, message.replaces)
        adopt(message.tokens)
      }
      notices.wake()
    },
    adopted: (stale) => (replaced.has(stale) ? latest : undefined),
    async outcome(stale) {
      const deadline = Date.now() + graceMs
      while (announced.has(stale) && !replaced.has(stale) && Date.now() < deadline) await notices.next(deadline - Date.now())
    },
    forget: (stale) => void announced.delete(stale),
  }
}
