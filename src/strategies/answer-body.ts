import type { ChunkReader } from '../read-all-text.js'

type NodeStream = AsyncIterable<unknown> & { destroy?: () => void }

const isNodeStream = (body: unknown): body is NodeStream => typeof (body as NodeStream | null)?.[Symbol.asyncIterator] === 'function'

/**
 * A reader of a refresh answer's body from any fetch: a web stream's own, or one over a Node stream
 * (node-fetch's body has no `getReader`); `undefined` for a body of neither kind.
 */
export function answerReader(body: unknown): ChunkReader | undefined {
  if (typeof (body as ReadableStream | null)?.getReader === 'function') return (body as ReadableStream<Uint8Array>).getReader()
  if (!isNodeStream(body)) return undefined
  const chunks = body[Symbol.asyncIterator]()
  return {
    async read() {
      const next = await chunks.next()
      if (next.done) return { done: true, value: undefined }
      if (!(next.value instanceof Uint8Array)) throw new TypeError('the body stream gave something other than bytes')
      return { done: false, value: next.value }
    },
    async cancel() {
      body.destroy?.()
    },
  }
}
