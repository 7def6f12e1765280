/**
 * Whether a request body is read as it is sent, so it cannot be sent twice without buffering all
 * of it: a web `ReadableStream`, a Node `Readable` (or anything piped), an async iterable.
 * Strings, buffers, Blobs, FormData and URLSearchParams can be sent again.
 */
export const isOneShot = (body: unknown): boolean =>
  typeof body === 'object' &&
  body !== null &&
  ((typeof ReadableStream !== 'undefined' && body instanceof ReadableStream) ||
    typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' ||
    typeof (body as { pipe?: unknown }).pipe === 'function')
