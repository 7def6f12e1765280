/**
 * A delay `setTimeout` keeps: at most 2^31 − 1 ms (about 24.8 days), where a longer one (a long
 * deadline doubled for coordinated work) would fire at once; never negative.
 */
export const timerDelay = (ms: number): number => Math.min(Math.max(0, ms), 2_147_483_647)
