import { timerDelay } from './timer-delay.js'

/** One timer for a session pool, due when its least recently used session turns idle. */
export function idleTimer(oldestUse: () => number | undefined, idleMs: number, now: () => number, sweep: () => void) {
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false
  const arm = (): void => {
    const usedAt = oldestUse()
    if (timer !== undefined || stopped || usedAt === undefined) return
    const fire = (): void => {
      timer = undefined
      try {
        sweep()
      } catch {
        return // a clock that broke: the next get() reports it
      }
      arm()
    }
    timer = setTimeout(fire, timerDelay(Math.min(idleMs, usedAt + idleMs - now()))) // a clock set back: idleMs at most
    // The pool must not keep a Node process alive on its own.
    ;(timer as { unref?: () => void }).unref?.()
  }
  return {
    arm,
    stop(): void {
      stopped = true
      clearTimeout(timer)
    },
  }
}
