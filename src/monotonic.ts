// The system's clock from the last reading on, for when `performance.now` stops answering; held
// rather than set back (the system's time moved back, rounding at the switch).
const continued = (from: number): (() => number) => {
  const offset = from - Date.now()
  let latest = from
  return () => {
    latest = Math.max(latest, Date.now() + offset)
    return latest
  }
}

// A `performance.now` that gives one value while the system's time moves this long has stopped
// (a fake-timer library left installed): no real one repeats itself for a second.
const STALLED_MS = 1_000

let fallback: (() => number) | undefined
let last = Number.NEGATIVE_INFINITY
let repeatedSince: number | undefined // the system's time when `last` was first read again

// Takes `now` as the latest reading if a running monotonic clock could give it after `last`. A
// coarse clock repeats itself for a while; the system's time is read only then, not every time.
function takesReading(now: number): boolean {
  if (!Number.isFinite(now) || now < last) return false
  if (now > last) {
    last = now
    repeatedSince = undefined
    return true
  }
  const wall = Date.now()
  repeatedSince ??= wall
  return wall - repeatedSince < STALLED_MS
}

/**
 * Milliseconds on a clock the system's time cannot move (set back an hour, or forward after a
 * sleep): what deadlines, waits and pauses are measured on. Not epoch time: only differences count.
 * Where `performance.now` is missing, or page code makes it throw, answer nonsense or stand still,
 * the system's clock takes over from the last reading, so no deadline jumps.
 */
export function monotonicNow(): number {
  if (fallback) return fallback()
  try {
    const now = performance.now()
    if (takesReading(now)) return now
  } catch {}
  fallback = continued(Number.isFinite(last) ? last : 0)
  return fallback()
}
