import { parseBody } from '../exchange/refusal-rule.js'
import { type ReadLimit, readAllText } from '../read-all-text.js'
import type { AuthFailureInput, ResponseHeaders } from '../strategy.js'
import { responseHeaders } from './response-headers.js'

// A hostile server's endless 401 must not fill the memory of a rule reading it: a refusal is a few kB.
const RULE_READ_LIMIT: ReadLimit = {
  maxBytes: 1024 * 1024,
  tooLarge: () => new RangeError('The refused body is over 1 MiB: a refusal rule reads at most that much of it'),
}

// A response as every refusal rule sees it: the body is read from a copy, once, only if asked.
// Once the refusal is judged the body is discarded: a rule that reads it later is told so.
export class FetchInput implements AuthFailureInput {
  readonly status: number
  readonly #headers: Headers
  // Until the refusal is judged: the refused response is let go for the replay's round trip.
  #response: Response | undefined
  #read: Promise<unknown> | undefined
  #copy: ReadableStreamDefaultReader<Uint8Array> | undefined
  constructor(response: Response) {
    this.status = response.status
    this.#headers = response.headers
    this.#response = response
  }
  // Built when a rule reads it: an input is made for every response, most of them never judged by a rule.
  get headers(): ResponseHeaders {
    const headers = this.#headers
    return responseHeaders((name) => headers.get(name))
  }
  body(): Promise<unknown> {
    if (this.#read) return this.#read
    const response = this.#response
    if (!response || response.bodyUsed) {
      this.#read = Promise.reject(new TypeError('The refused body was discarded once judged: with fetch, read body() while the authFailure rule runs'))
    } else if (response.body && typeof response.body.getReader !== 'function') {
      // node-fetch's clone() pipes one stream into two: the caller's copy, unread, would stall this one.
      this.#read = Promise.reject(new TypeError('The refused body is a Node stream (a fetch such as node-fetch): a refusal rule cannot read it; judge by status and headers'))
    } else {
      // Read through a reader of our own, so that a rule left without a verdict stops reading with it.
      const copy = response.clone()
      this.#copy = copy.body?.getReader()
      this.#read = (this.#copy ? readAllText(this.#copy, RULE_READ_LIMIT) : copy.text()).then(parseBody)
    }
    return this.#read
  }
  /** Judged, or no verdict will come: stops reading the copy (an endless body would hold its connection). */
  stop(): void {
    this.#response = undefined
    this.#copy?.cancel().catch(() => {})
  }
}
