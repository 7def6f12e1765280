import { listenForAbort, reasonOf } from '../abort.js'
import { readAllBytes } from '../read-all-text.js'
import { whenSettled } from '../when-settled.js'
import { isNodeFetch } from './fetch-redirects.js'
import { handled, handledBy } from './fetch-handled.js'

type Runtime = { process?: { versions?: { node?: unknown } }; document?: unknown }
type Sender = (request: Request, init: RequestInit) => Promise<Response>

const authedFetches = /* @__PURE__ */ new WeakSet<object>() // what wrapFetch made: each takes a Request

/** Notes `fn` as made by wrapFetch: a wrapper around it may hand it a `Request`. */
export function markAuthed<F extends object>(fn: F): F {
  authedFetches.add(fn)
  return fn
}

/**
 * Whether `fetchFn` takes the platform's `Request`: any fetch in a browser, and in Node its own
 * (told by its source, not by being the global, which a service may have set to node-fetch) or
 * one wrapFetch made. A fetch of its own in Node (node-fetch, an undici package) reads one as the
 * text "[object Request]".
 */
function takesPlatformRequest(fetchFn: unknown): boolean {
  const runtime = globalThis as Runtime
  const node = typeof runtime.process?.versions?.node === 'string' && runtime.document === undefined
  return !node || authedFetches.has(fetchFn as object) || isNodeFetch(fetchFn)
}

/**
 * How a request made here goes out through `fetchFn`: as it is, or to a fetch that cannot read it
 * as its URL and an init (method, headers, `redirect`, the body as bytes, which every fetch takes,
 * and `init`'s own members). A wrapper further in still knows that init as handled.
 */
export function requestSender(fetchFn: typeof fetch): Sender {
  if (takesPlatformRequest(fetchFn)) return fetchFn
  return async (request, init) => {
    const body = request.body === null ? null : await bytesOf(request.body, init.signal)
    const made: RequestInit = { ...init, method: request.method, headers: [...request.headers], body, redirect: request.redirect }
    const exchange = handled.get(init)
    return fetchFn(request.url, exchange ? handledBy(exchange, made) : made)
  }
}

// A body's bytes. An abort meanwhile rejects at once and stops the read: a streamed upload may never end.
async function bytesOf(body: ReadableStream<Uint8Array>, signal: AbortSignal | null | undefined): Promise<Uint8Array<ArrayBuffer>> {
  if (signal?.aborted) throw reasonOf(signal)
  const reader = body.getReader()
  const stop = signal ? listenForAbort(signal, () => void reader.cancel().catch(() => {})) : () => {}
  const bytes = await whenSettled(readAllBytes(reader), stop)
  if (signal?.aborted) throw reasonOf(signal)
  return bytes
}
