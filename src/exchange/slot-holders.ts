import { monotonicNow } from '../monotonic.js'
import { timerDelay } from '../timer-delay.js'

/** The replays holding a slot, each for at most `holdMs`: one a server never answers then gives it back and runs on. */
export interface SlotHolders {
  readonly size: number
  /** Takes a slot; returns what gives it back (harmless when its time was up already). */
  take(): () => void
  /** Someone waits for a slot: `freed` is called once the oldest holder's time is up. */
  watch(): void
  /** Nobody waits (any more): no timer is left to keep a process alive. */
  stop(): void
}

/**
 * Makes the holders of one replay queue.
 *
 * @example
 * const holders = slotHolders(10_000, drain)
 * const giveBack = holders.take()
 */
export function slotHolders(holdMs: number, freed: () => void): SlotHolders {
  // In the order they were taken (a Set keeps insertion order), so the oldest comes first.
  const holders = new Set<{ readonly since: number }>()
  let watchdog: ReturnType<typeof setTimeout> | undefined
  const overdue = (): void => {
    watchdog = undefined
    const now = monotonicNow()
    for (const holder of holders) {
      if (holder.since + holdMs > now) break
      holders.delete(holder)
    }
    freed()
  }
  return {
    get size() {
      return holders.size
    },
    take() {
      const holder = { since: monotonicNow() }
      holders.add(holder)
      return () => void holders.delete(holder)
    },
    watch() {
      const oldest = holders.values().next().value
      if (!oldest || watchdog !== undefined || holdMs === Number.POSITIVE_INFINITY) return
      watchdog = setTimeout(overdue, timerDelay(oldest.since + holdMs - monotonicNow()))
    },
    stop() {
      clearTimeout(watchdog)
      watchdog = undefined
    },
  }
}
