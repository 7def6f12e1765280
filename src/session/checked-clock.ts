import { invalidArgument } from '../invalid-argument.js'

/** Wraps the session's clock so a broken one (NaN, a string) fails the call with a clear error instead of silently. */
export function checkedClock(now: () => number): () => number {
  return () => {
    const time = now()
    if (typeof time !== 'number' || !Number.isFinite(time)) {
      throw invalidArgument('now()', 'a finite number of epoch ms', time, { wrongType: typeof time !== 'number' })
    }
    return time
  }
}
