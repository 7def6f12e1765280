// What of a foreign error may be shown: a code or word from a closed list (a network errno, a
// Node or undici `ERR_…` code, the leading word of a Redis error) and an error class's name
// (ReplyError, TypeError). Nothing else: stores and fetch wrappers quote what they were given,
// encoded, escaped or cut short, and a token can be shaped like any open pattern.
const CODE = /^(?:(?:UND_)?ERR_[A-Z_]{2,40}|E(?:CONN(?:REFUSED|RESET|ABORTED)|TIMEDOUT|NOTFOUND|AI_AGAIN|PIPE|(?:HOST|NET)(?:UNREACH|DOWN)|PROTO|ADDRINUSE|ADDRNOTAVAIL|CANCELED))$/
const NAME = /^[A-Za-z]{1,40}Error$/
const WORD = /^(?:ERR|READONLY|OOM|NOSCRIPT|WRONGTYPE|MOVED|ASK|LOADING|BUSY|NOAUTH|WRONGPASS|NOPERM|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|EXECABORT|NOREPLICAS|MISCONF)(?= )/

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

// The errors made here: shown as they are wherever they go next.
const made = /* @__PURE__ */ new WeakSet<object>()

/** A new `Error` saying what failed, with only the safe words of `error` (never its message, fields or stack). */
export function safeError(what: string, error: unknown): Error {
  const { words, code } = safeWords(error)
  const failure = new Error(`${what}${words.length ? ` (${words.join(', ')})` : ''}`)
  made.add(failure)
  return code ? Object.assign(failure, { code }) : failure
}

/** Whether `error` was made by {@link safeError} or vouched for by {@link markSafe}. */
export const isSafeError = (error: unknown): error is Error => typeof error === 'object' && error !== null && made.has(error)

/** Vouches for an error whose message tokenflight wrote from fixed words (and names of keys): shown as it is. */
export function markSafe<E extends Error>(error: E): E {
  made.add(error)
  return error
}
