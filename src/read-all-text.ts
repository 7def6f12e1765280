/** What reading a body takes of a stream's reader (a web stream's own, or one over a Node stream). */
export type ChunkReader = Pick<ReadableStreamDefaultReader<Uint8Array>, 'read' | 'cancel'>

/** How much of a body may be read, and the error past that. */
export interface ReadLimit {
  maxBytes: number
  tooLarge(): Error
}

/**
 * A body's bytes, read through `reader`. Past `limit.maxBytes` the body is cancelled, never
 * buffered whole, and `limit.tooLarge()` is thrown; a reader cancelled meanwhile (by its owner)
 * ends the bytes with what was read.
 */
export async function readAllBytes(reader: ChunkReader, limit?: ReadLimit): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Uint8Array[] = []
  let size = 0
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    size += next.value.length
    if (limit && size > limit.maxBytes) {
      reader.cancel().catch(() => {})
      throw limit.tooLarge()
    }
    chunks.push(next.value)
  }
  const bytes = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    bytes.set(chunk, at)
    at += chunk.length
  }
  return bytes
}

/** {@link readAllBytes} as UTF-8 text. */
export async function readAllText(reader: ChunkReader, limit?: ReadLimit): Promise<string> {
  const bytes = await readAllBytes(reader, limit)
  // A page may lack TextDecoder (taken away): a Response decodes UTF-8 as well.
  return typeof TextDecoder === 'function' ? new TextDecoder().decode(bytes) : new Response(bytes).text()
}
