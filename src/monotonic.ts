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

let fallback: (() => number) | undefined
let last = 0

/**
 * Milliseconds on a clock the system's time cannot move (set back an hour, or forward after a
 * sleep): what deadlines, waits and pauses are measured on. Not epoch time: only differences count.
 * Where `performance.now` is missing, or page code makes it throw or answer nonsense, the system's
 * clock takes over from the last reading, so no deadline jumps.
 */
export function monotonicNow(): number {
  if (fallback) return fallback()
  try {
    const now = performance.now()
    if (Number.isFinite(now)) {
      last = now
      return now
    }
  } catch {}
  fallback = continued(last)
  return fallback()
}
