/**
 * Closes a refused axios response's body read as a stream (`responseType: 'stream'`: a Node
 * `Readable`, or a web `ReadableStream` from the fetch adapter) before the wait on a refresh: left
 * unread it holds its connection, and the replay may need that one. Called for a body `isOneShot` recognises.
 */
export function releaseStream(data: object): void {
  if (typeof ReadableStream !== 'undefined' && data instanceof ReadableStream) data.cancel().catch(() => {})
  else (data as { destroy?: () => void }).destroy?.()
}
