import type { ResponseHeaders } from '../strategy.js'

// An RFC 9110 field name: fetch's Headers.get throws on anything else, axios's plain object would
// answer a name like `constructor` from its prototype, and XHR returns null.
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~\dA-Za-z]+$/

/**
 * A response's headers as a refusal rule reads them, the same on every transport: by any case of
 * the name, a name no response can carry is absent (`null`), several values are joined with `, `.
 * `lookup` is asked the lower-case name only.
 */
export function responseHeaders(lookup: (name: string) => unknown): ResponseHeaders {
  return {
    get(name) {
      const key = String(name).toLowerCase()
      const value = FIELD_NAME.test(key) ? lookup(key) : undefined
      return value == null ? null : Array.isArray(value) ? value.join(', ') : String(value)
    },
  }
}
