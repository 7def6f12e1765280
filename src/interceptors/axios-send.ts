import type { InternalAxiosRequestConfig } from 'axios'
import type { Sent } from '../exchange.js'

/**
 * A first send through one attachment, kept on axios's config for its response: the exchange's
 * record, and the body as the caller gave it. axios's `transformRequest` replaces `config.data`
 * with what it sent, which a replay sends again as it is, unless sending used it up (a stream axios
 * made of a form): then the caller's body is transformed anew.
 */
export class AxiosSend {
  readonly data: unknown
  /** Whether the caller set `Content-Length`; axios's adapter sets one from the body otherwise. */
  readonly sizedByCaller: boolean
  constructor(
    readonly sent: Sent,
    config: InternalAxiosRequestConfig,
  ) {
    this.data = config.data
    this.sizedByCaller = config.data !== undefined && Object.keys(config.headers ?? {}).some((name) => name.toLowerCase() === 'content-length')
  }
}
