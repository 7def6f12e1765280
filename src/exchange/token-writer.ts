import type { Strategy, Tokens } from '../strategy.js'
import { placementOf } from '../token-placement.js'
import { usableHeaders } from '../usable-headers.js'

/** Where a send's headers go: a `Headers`, or a client's own headers object with the same `set`. */
export interface HeaderSink {
  set(name: string, value: string): unknown
}

/**
 * How a strategy writes its token onto any sink; returns the names it wrote on a client's own
 * headers object. A plain header (ours) is set directly; a user's `authorize` gets a real
 * `Headers`: the request's own under fetch and XHR, else a new one copied over.
 */
export function tokenWriter<T extends Tokens>(strategy: Strategy<T>): (tokens: T, sink: HeaderSink) => readonly string[] {
  const placement = placementOf(strategy)
  if (placement) {
    const names = [placement.header]
    return (tokens, sink) => {
      sink.set(placement.header, placement.prefix + tokens.accessToken)
      return names
    }
  }
  return (tokens, sink) => {
    // Without a usable `Headers` (a page without fetch), the XHR's own list, which has its methods.
    const headers = !usableHeaders() || sink instanceof Headers ? (sink as Headers) : new Headers()
    const returned: unknown = strategy.authorize?.(tokens, headers)
    if (isThenable(returned) || isGenerator(returned)) throw returnedLater(returned)
    const names: string[] = []
    if (headers === sink) return names
    for (const [lowerCased, value] of headers) {
      // `Headers` lower-cases names; keep the usual spelling for code reading `headers.Authorization`.
      const name = lowerCased === 'authorization' ? 'Authorization' : lowerCased
      sink.set(name, value)
      names.push(name)
    }
    return names
  }
}

// A `then` that cannot even be read is no answer of a synchronous authorize either.
function isThenable(value: unknown): value is PromiseLike<unknown> {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false
  try {
    return typeof (value as PromiseLike<unknown>).then === 'function'
  } catch {
    return true
  }
}

// A generator object: the body of a wrapped or transpiled generator `authorize`, which never runs.
const isGenerator = (value: unknown): boolean => typeof value === 'object' && value !== null && typeof (value as Generator).next === 'function' && typeof (value as Generator).throw === 'function'

// A promise or a generator from `authorize` means headers set after the request left, or never:
// the send is refused, and what a promise rejects with is handled (unhandled, it would end a Node process).
function returnedLater(returned: unknown): TypeError {
  try {
    ;(returned as PromiseLike<unknown>).then?.(undefined, () => {})
  } catch {
    // a thenable whose `then` throws has nothing left to handle
  }
  const message = 'strategy.authorize returned a promise or a generator: it must set the headers before it returns, so the request is not sent'
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_RETURN_VALUE' as const })
}
