/**
 * Closes a refused axios response's body read as a stream (`responseType: 'stream'`: a Node
 * `Readable`, or a web `ReadableStream` from the fetch adapter) before the wait on a refresh: left
 * unread it holds its connection, and the replay may need that one. Anything else is left alone.
 */
export function releaseStream(data: object): void {
  if (typeof ReadableStream !== 'undefined' && data instanceof ReadableStream) {
    data.cancel().catch(() => {})
    return
  }
  const { destroy } = data as { destroy?: unknown }
  if (typeof destroy === 'function' && typeof (data as { pipe?: unknown }).pipe === 'function') destroy.call(data)
}
