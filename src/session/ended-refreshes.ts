import { RefreshTimeoutError } from '../errors/index.js'
import { monotonicNow } from '../monotonic.js'
import type { RefreshReason } from '../session-events.js'
import type { Tokens } from '../strategy.js'

/** A refresh that ended: of which access token, in which epoch, why, and how. */
export interface EndedRefresh<T extends Tokens> {
  readonly accessToken: string
  readonly epoch: number
  readonly reason: RefreshReason
  readonly tokens?: T | undefined
  readonly error?: unknown
}

/** The count of a session's ended refreshes and the last one's outcome, for refusals that arrive after it. */
export interface EndedRefreshes<T extends Tokens> {
  /** Records how `finished` ends; settles (never rejects) once it is recorded. */
  track(finished: Promise<T>, of: Omit<EndedRefresh<T>, 'tokens' | 'error'>): Promise<void>
  count(): number
  /**
   * The last refresh's outcome if it ended after the `noted` count, at most `withinMs` ago,
   * refreshed `accessToken` in `epoch`, and answers a refusal of it: its failure (a timeout is
   * never an answer to a later caller), or the same access token a refusal's refresh handed back
   * (replayed once). `undefined`: a new refresh is the answer.
   */
  answeredSince(noted: number, accessToken: string, epoch: number, withinMs: number): Promise<T> | undefined
}

/** Keeps the last ended refresh only: a refusal is answered by the refresh that followed its send. */
export function endedRefreshes<T extends Tokens>(): EndedRefreshes<T> {
  let count = 0
  let last: (EndedRefresh<T> & { number: number; endedAt: number }) | undefined
  const record = (refresh: EndedRefresh<T>): void => {
    last = { ...refresh, number: ++count, endedAt: monotonicNow() }
  }
  return {
    track: (finished, of) =>
      finished.then(
        (tokens) => record({ ...of, tokens }),
        (error: unknown) => record({ ...of, error }),
      ),
    count: () => count,
    answeredSince(noted, accessToken, epoch, withinMs) {
      if (!last || last.number <= noted || last.accessToken !== accessToken || last.epoch !== epoch) return undefined
      // A refusal long after (a slow upload's) deserves a new attempt: the provider may be back.
      if (monotonicNow() - last.endedAt > withinMs) return undefined
      if (last.error instanceof RefreshTimeoutError) return undefined
      if (last.error !== undefined) return Promise.reject(last.error)
      return last.reason === 'unauthorized' && last.tokens?.accessToken === accessToken ? Promise.resolve(last.tokens) : undefined
    },
  }
}
