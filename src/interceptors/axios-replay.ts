import type { HeaderSink } from '../exchange.js'
import type { RequestOptions } from './client-options.js'

// Marks a replay. axios's mergeConfig copies plain objects but keeps class instances by
// reference, so this survives `instance.request()`. It carries the exchange's writer of the token
// checked as the replay left its queue; none when the replay only builds axios's CanceledError.
// It counts once: a config copied from the replay's response (a caller's own retry) carries it too.
export class Replay implements RequestOptions {
  declare readonly skip?: false
  #left = false
  constructor(readonly authorize: ((headers: HeaderSink) => unknown) | undefined) {}
  /** True the first time only: the replay itself leaving. */
  leaves(): boolean {
    const first = !this.#left
    this.#left = true
    return first
  }
}
