import type { Exchange } from '../exchange.js'

// What a wrapper hands the fetch it wraps, by the exchange that handled it: a wrapper of the same
// session further in (`installFetch` under `wrapFetch(globalThis.fetch)`) passes it on untouched,
// so the call is judged, refreshed for and replayed once.
export const handled = /* @__PURE__ */ new WeakMap<object, Exchange>()

/** Notes `what` (an init handed on) as handled by `exchange`; returns it. */
export const handledBy = <T extends object>(exchange: Exchange, what: T): T => {
  handled.set(what, exchange)
  return what
}
