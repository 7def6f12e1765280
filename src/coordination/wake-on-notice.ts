import { timerDelay } from '../timer-delay.js'
/** Lets waiters sleep until the next notice (pub/sub message, tab broadcast) or a timeout. */
export interface NoticeWaiter {
  /** Resolves at the next `wake()` or after `ms`, whichever comes first. */
  next(ms: number): Promise<void>
  /** Wakes every current waiter. */
  wake(): void
}

/** Creates a {@link NoticeWaiter}; its timers are cleared as waiters wake, so nothing lingers. */
export function createNoticeWaiter(): NoticeWaiter {
  const waiters = new Set<() => void>()
  return {
    next(ms) {
      return new Promise((resolve) => {
        const done = (): void => {
          clearTimeout(timer)
          waiters.delete(done)
          resolve()
        }
        const timer = setTimeout(done, timerDelay(ms))
        waiters.add(done)
      })
    },
    wake() {
      for (const done of [...waiters]) done()
    },
  }
}
