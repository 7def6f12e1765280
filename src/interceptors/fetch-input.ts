import { parseBody } from '../exchange/refusal-rule.js'
import type { AuthFailureInput, ResponseHeaders } from '../strategy.js'

// A response as every refusal rule sees it: the body is read from a copy, once, only if asked.
// Once the refusal is judged the body is discarded (used): a rule that reads it later is told so.
export class FetchInput implements AuthFailureInput {
  readonly status: number
  #read: Promise<unknown> | undefined
  constructor(readonly response: Response) {
    this.status = response.status
  }
  get headers(): ResponseHeaders {
    return this.response.headers
  }
  body(): Promise<unknown> {
    this.#read ??= this.response.bodyUsed
      ? Promise.reject(new TypeError('The refused body was discarded once judged: with fetch, read body() while the authFailure rule runs'))
      : this.response.clone().text().then(parseBody)
    return this.#read
  }
}
