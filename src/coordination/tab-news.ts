import type { Tokens } from '../strategy.js'
import type { TabMessage } from './tab-message.js'
import type { NoticeWaiter } from './wake-on-notice.js'

const REMEMBERED = 32

function remember(set: Set<string>, fingerprint: string): void {
  set.add(fingerprint)
  if (set.size > REMEMBERED) set.delete(set.values().next().value as string)
}

/** What a tab has heard of the other tabs' refreshes (by fingerprint of the stale token), and its own. */
export interface TabNews<T> {
  /** Records a message; tokens in it go to `adopt`. Wakes every waiter. */
  hear(message: TabMessage<T>, adopt: (tokens: T | undefined) => void): void
  /** The tokens another tab got in place of `stale`, if it did. */
  adopted(stale: string): T | undefined
  /**
   * Refreshes `stale` here unless another tab did or is doing it: waits for an outcome it heard
   * announced (none when `tookOver`: the lock came from a dead holder that will never say), then
   * runs `work`, announcing it and its outcome on `post`.
   */
  refresh(stale: string, work: () => Promise<T>, tookOver: boolean, post: (message: TabMessage<T>) => void): Promise<T>
  /** The fingerprint this tab is refreshing now, if any. */
  readonly refreshing: string | undefined
}

/** Creates the {@link TabNews} of one coordinator; `notices` wakes its waiters. */
export function createTabNews<T extends Tokens>(graceMs: number, notices: NoticeWaiter): TabNews<T> {
  const announced = new Set<string>() // stale tokens another tab said it is replacing
  const replaced = new Set<string>() // … that another tab did replace
  let latest: T | undefined
  let refreshing: string | undefined
  const adopted = (stale: string): T | undefined => (replaced.has(stale) ? latest : undefined)
  async function outcome(stale: string): Promise<void> {
    const deadline = Date.now() + graceMs
    while (announced.has(stale) && !replaced.has(stale) && Date.now() < deadline) await notices.next(deadline - Date.now())
  }
  return {
    get refreshing() {
      return refreshing
    },
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
    adopted,
    async refresh(stale, work, tookOver, post) {
      if (tookOver) announced.delete(stale)
      await outcome(stale)
      const already = adopted(stale)
      if (already) return already
      post({ type: 'refreshing', stale })
      refreshing = stale
      try {
        const next = await work()
        post({ type: 'tokens', replaces: stale, tokens: next })
        return next
      } catch (error) {
        post({ type: 'failed', stale })
        throw error
      } finally {
        refreshing = undefined
      }
    },
  }
}
