import { InvalidRefreshResponseError } from '../errors/index.js'

/**
 * Parses a success body as JSON. Anything else (an HTML error page behind a 200, an empty or
 * truncated body) is an `InvalidRefreshResponseError`, never a crash.
 */
export async function readJson(response: Response): Promise<unknown> {
  let text: string
  try {
    text = await response.text()
  } catch (cause) {
    throw new InvalidRefreshResponseError('body', 'a complete response body', 'a body cut off mid-way', { cause })
  }
  if (text.trim() === '') throw new InvalidRefreshResponseError('body', 'JSON', 'an empty body')
  try {
    return JSON.parse(text) as unknown
  } catch (cause) {
    const kind = /^\s*</.test(text) ? 'HTML or XML' : 'text that is not JSON'
    throw new InvalidRefreshResponseError('body', 'JSON', kind, { cause })
  }
}

/** Parses an error body as JSON when it is JSON; `undefined` otherwise (error pages are often HTML). */
export async function readErrorBody(response: Response): Promise<unknown> {
  try {
    return JSON.parse(await response.text()) as unknown
  } catch {
    return undefined
  }
}
