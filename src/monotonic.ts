/**
 * Milliseconds on a clock the system's time cannot move (set back an hour, or forward after a
 * sleep): what deadlines, waits and pauses are measured on. Not epoch time: only differences count.
 */
export const monotonicNow: () => number =
  typeof performance === 'object' && typeof performance?.now === 'function' ? () => performance.now() : () => Date.now()
