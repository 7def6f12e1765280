// What of a foreign error may be shown: a Node-style code (ECONNREFUSED, ERR_…, UND_ERR_…), an
// error class's name (ReplyError, TypeError), Redis's leading word (ERR, READONLY, OOM). Nothing
// else: stores and fetch wrappers quote what they were given, encoded, escaped or cut short.
const CODE = /^(?:(?:UND_)?ERR_[A-Z_]{2,40}|E[A-Z]{2,16})$/
const NAME = /^[A-Za-z]{1,40}Error$/
const WORD = /^[A-Z]{2,16}(?= )/

// A property of an error, or `undefined` when reading it throws (a hostile getter or Proxy).
function read(error: unknown, key: 'code' | 'name' | 'message' | 'cause'): unknown {
  try {
    return (error as Record<string, unknown> | null | undefined)?.[key]
  } catch {
    return undefined
  }
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)

/**
 * The safe words of an error and of its causes (a few levels): class names, codes and leading
 * words, each once; and the first code, for the error that replaces it.
 */
export function safeWords(error: unknown): { words: string[]; code: string | undefined } {
  const words = new Set<string>()
  let code: string | undefined
  for (let e = error, depth = 0; e != null && depth < 4; e = read(e, 'cause'), depth++) {
    const name = text(read(e, 'name'))
    const own = text(read(e, 'code'))
    const safeCode = own !== undefined && CODE.test(own) ? own : undefined
    code ??= safeCode
    for (const word of [name !== undefined && NAME.test(name) ? name : undefined, safeCode, text(read(e, 'message'))?.match(WORD)?.[0]]) {
      if (word !== undefined) words.add(word)
    }
  }
  return { words: [...words], code }
}

/** A new `Error` saying what failed, with only the safe words of `error` (never its message, fields or stack). */
export function safeError(what: string, error: unknown): Error {
  const { words, code } = safeWords(error)
  const failure = new Error(`${what}${words.length ? ` (${words.join(', ')})` : ''}`)
  return code ? Object.assign(failure, { code }) : failure
}
