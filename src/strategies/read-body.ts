import { InvalidRefreshResponseError } from '../errors/index.js'
import { safeError } from '../errors/safe-words.js'
import { readAllText } from '../read-all-text.js'
import { answerReader } from './answer-body.js'

/** The most a strategy reads of a refresh answer: a token answer is a few kB. */
export const MAX_BODY_BYTES = 1024 * 1024

/** Reads at most `MAX_BODY_BYTES`; past that the body is cancelled, never buffered whole. */
async function readText(response: Response): Promise<string> {
  const reader = answerReader(response.body)
  return reader ? readAllText(reader, { maxBytes: MAX_BODY_BYTES, tooLarge: () => new InvalidRefreshResponseError('body', 'at most 1 MiB', 'more') }) : response.text()
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
