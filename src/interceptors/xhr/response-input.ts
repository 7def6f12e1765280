import { parseBody } from '../../exchange/refusal-rule.js'
import type { AuthFailureInput } from '../../strategy.js'
import { responseHeaders } from '../response-headers.js'

/**
 * A native response as every refusal rule sees it, once its headers are in. `body()` waits for
 * the whole body (`whenOver`), read once: JSON when it parses, else text; other response types as they are.
 */
export function responseInput(inner: XMLHttpRequest, whenOver: () => Promise<void>): AuthFailureInput {
  let read: Promise<unknown> | undefined
  return {
    status: inner.status,
    get headers() {
      return responseHeaders((name) => inner.getResponseHeader(name))
    },
    body() {
      read ??= whenOver().then(() => (inner.responseType === '' || inner.responseType === 'text' ? parseBody(inner.responseText) : inner.response))
      return read
    },
  }
}
