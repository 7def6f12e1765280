import type { AxiosRequestHeaders, AxiosRequestTransformer, InternalAxiosRequestConfig } from 'axios'
import type { HeaderSink } from '../exchange.js'
import type { RequestOptions } from './client-options.js'
import { whenSettled } from '../when-settled.js'

// Marks a replay. axios's mergeConfig copies plain objects but keeps class instances by
// reference, so this survives `instance.request()`. It carries the exchange's writer of the token
// checked as the replay left its queue; none when the replay only builds axios's CanceledError.
export class Replay implements RequestOptions {
  declare readonly skip?: false
  #over = false
  constructor(
    /** The attachment that sent it: another one on the same instance leaves it alone. */
    readonly owner: object,
    readonly authorize: ((headers: HeaderSink) => unknown) | undefined,
    /** What the strategy wrote on the refused send: axios before 1.19 drops the config's symbol-keyed record on a replay. */
    readonly authHeaders: readonly string[],
    /** The body the refused send sent, when it can go again as it went, and the steps that made it. */
    readonly sentBody?: { readonly data: unknown; readonly steps: AxiosRequestTransformer | AxiosRequestTransformer[] | undefined },
  ) {}
  /**
   * The replay's body once its steps ran: the refused send's as it went (a step an interceptor adds
   * on every send would change it twice), unless the replay was given a body of its own, which the
   * refused send's steps then make and axios measures anew.
   */
  body(config: InternalAxiosRequestConfig, transformed: unknown, headers: AxiosRequestHeaders): unknown {
    const sent = this.sentBody
    if (!sent) return transformed
    if (config.data === sent.data) return sent.data
    headers.delete('Content-Length')
    const steps = [sent.steps ?? []].flat().filter((step) => step !== this.owner)
    return steps.reduce((data, step) => step.call(config, data, headers), config.data)
  }
  /**
   * Whether a send carrying this mark is the replay: its own send, or a resend of it before it
   * settled (a retry plugin in the response chain). A copy sent after it settled (a caller
   * retrying the replay's `error.config`) is a first send again.
   */
  get live(): boolean {
    return !this.#over
  }
  /** `sending`, marked over once it settles. */
  follow<R>(sending: Promise<R>): Promise<R> {
    return whenSettled(sending, () => {
      this.#over = true
    })
  }
}
