import type { InternalAxiosRequestConfig } from 'axios'

// A boundary needs to be unlikely in the body, not unguessable: no `crypto` needed. The counter
// keeps two boundaries drawn in the same instant apart.
let boundaries = 0
function randomBoundary(): string {
  let hex = (++boundaries).toString(16)
  while (hex.length < 32) hex += Math.random().toString(16).slice(2)
  return `tokenflight-${hex.slice(0, 32)}`
}

/**
 * Pins the multipart boundary of a FormData body before its first send, so a replay is
 * byte-identical (invariant 7). axios's Node adapters draw a new random boundary per send
 * unless the Content-Type already names one, and axios's own generated boundary contains
 * dots that its reuse pattern rejects. Browsers drop this header and use their own
 * boundary; the old fetch adapter with explicit `adapter: 'fetch'` is left alone.
 */
export function pinFormBoundary(config: InternalAxiosRequestConfig): void {
  if (typeof FormData === 'undefined' || !(config.data instanceof FormData)) return
  const adapter = Array.isArray(config.adapter) ? config.adapter[0] : config.adapter
  if (adapter === 'fetch') return
  const contentType = config.headers.getContentType()
  if (typeof contentType === 'string' && /boundary=/i.test(contentType)) return
  config.headers.setContentType(`multipart/form-data; boundary=${randomBoundary()}`)
}
