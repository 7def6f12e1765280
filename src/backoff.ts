/** How transient refresh failures are retried. */
export interface RetryOptions {
  /** Retries after the first attempt. @default 2 */
  retries?: number
  /** Delay before the first retry, doubled each time. @default 200 */
  minDelayMs?: number
  /** Longest delay; a `Retry-After` above it is not waited for. @default 5000 */
  maxDelayMs?: number
}

/** Exponential backoff with "equal jitter": half fixed, half random, so retrying clients spread out. */
export function backoffDelay(attempt: number, minDelayMs: number, maxDelayMs: number, random: () => number): number {
  const ceiling = Math.min(maxDelayMs, minDelayMs * 2 ** attempt)
  return ceiling / 2 + random() * (ceiling / 2)
}
