import { InvalidRefreshResponseError } from '../errors/index.js'
import { safeError } from '../errors/safe-words.js'

/** The most a strategy reads of a refresh answer: a token answer is a few kB. */
export const MAX_BODY_BYTES = 1024 * 1024

/** Reads at most `MAX_BODY_BYTES`; past that the body is cancelled, never buffered whole. */
async function readText(response: Response): Promise<string> {
  const reader = response.body?.getReader()
  if (!reader) return response.text()
  const chunks: Uint8Array[] = []
  let size = 0
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    size += next.value.length
    if (size > MAX_BODY_BYTES) {
      reader.cancel().catch(() => {})
      throw new InvalidRefreshResponseError('body', 'at most 1 MiB', 'more')
    }
    chunks.push(next.value)
  }
  const bytes = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    bytes.set(chunk, at)
    at += chunk.length
  }
  // A page may lack TextDecoder (taken away): a Response decodes UTF-8 as well.
  return typeof TextDecoder === 'function' ? new TextDecoder().decode(bytes) : new Response(bytes).text()
}

/**
 * Parses a success body as JSON. Anything else (an HTML error page behind a 200, an empty,
 * truncated or oversized body) is an `InvalidRefreshResponseError`, never a crash.
 */
export async function readJson(response: Response): Promise<unknown> {
  const text = await readText(response).catch((cause: unknown) => {
    if (cause instanceof InvalidRefreshResponseError) throw cause
    // Safe words only: a parser's error holds the raw bytes it read, tokens included.
    throw new InvalidRefreshResponseError('body', 'a complete response body', 'a body cut off mid-way', { cause: safeError('reading the body failed', cause) })
  })
  try {
    return JSON.parse(text) as unknown
  } catch {
    // No cause: a SyntaxError quotes the start of the body, which may be a token.
    const kind = text.trim() === '' ? 'an empty body' : /^\s*</.test(text) ? 'HTML or XML' : 'text that is not JSON'
    throw new InvalidRefreshResponseError('body', 'JSON', kind)
  }
}

/** Parses an error body as JSON when it is JSON (and not oversized); `undefined` otherwise. */
export async function readErrorBody(response: Response): Promise<unknown> {
  try {
    return JSON.parse(await readText(response)) as unknown
  } catch {
    return undefined
  }
}
