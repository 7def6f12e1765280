/**
 * Node's own fetch with no socket: an undici dispatcher (fetch's non-standard `dispatcher`
 * option) that answers in this process. A fetch function of the bench's own would not be the
 * platform's, and tokenflight follows the redirects of any other fetch itself, a path Node's
 * fetch does not take; through this one the machinery tables measure the path a service takes.
 */

/** What the "server" answers, from the request's `Authorization`. */
export type Answer = (authorization: string | undefined) => { status: number; body: string }

// The handler undici's fetch gives a dispatcher (Node 20: undici 6).
interface FetchHandler {
  onConnect?(abort: () => void): void
  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean
  onData(chunk: Buffer): boolean
  onComplete(trailers: Buffer[]): void
}

// undici passes a request's headers as an object, or as a flat list of names and values.
function authorizationOf(headers: unknown): string | undefined {
  if (Array.isArray(headers)) {
    const at = headers.findIndex((name, i) => i % 2 === 0 && String(name).toLowerCase() === 'authorization')
    return at < 0 ? undefined : String(headers[at + 1])
  }
  const value = (headers as Record<string, unknown> | undefined)?.authorization
  return value === undefined ? undefined : String(value)
}

/**
 * A dispatcher answering every request with `answer`, a turn of the event loop later (`later`)
 * or in a microtask. The body goes without a `content-length`, as the emulator's chunked ones do.
 */
export function answeringDispatcher(answer: Answer, later: boolean): object {
  return {
    dispatch(request: { headers?: unknown }, handler: FetchHandler): boolean {
      const reply = () => {
        const { status, body } = answer(authorizationOf(request.headers))
        handler.onConnect?.(() => {})
        handler.onHeaders(status, [Buffer.from('content-type'), Buffer.from('application/json')], () => {}, '')
        handler.onData(Buffer.from(body))
        handler.onComplete([])
      }
      if (later) setImmediate(reply)
      else queueMicrotask(reply)
      return true
    },
  }
}
