import { StoreTimeoutError } from '../errors/index.js'

// What of a store's error may be shown: a Node-style code (ECONNREFUSED, ERR_…), an error class's
// name (ReplyError), Redis's leading word (ERR, READONLY, OOM). Nothing else: stores quote what
// they were given, encoded, escaped or cut short (Redis: `…with args beginning with: '{"accessToken…`).
const CODE = /^(?:ERR_[A-Z_]{2,40}|E[A-Z]{2,16})$/
const NAME = /^[A-Za-z]{1,40}Error$/
const WORD = /^[A-Z]{2,16}(?= )/

// A property of a store's error, or `undefined` when reading it throws (a hostile getter).
function read(error: unknown, key: 'code' | 'name' | 'message'): string | undefined {
  try {
    const value = (error as Record<string, unknown> | null | undefined)?.[key]
    return typeof value === 'string' ? value : undefined
  } catch {
    return undefined
  }
}

/**
 * A store's failure as it may be shown (events, logs, a rejected `setTokens()` or `clear()`): a
 * new `Error` saying which call failed, with the original's code, class name and leading word
 * where they are safe words; never its message, fields, cause or stack.
 */
export function storeFailure(error: unknown, operation: 'get' | 'set' | 'delete'): Error {
  if (error instanceof StoreTimeoutError) return error
  const name = read(error, 'name')
  const code = read(error, 'code')
  const safeCode = code !== undefined && CODE.test(code) ? code : undefined
  const said = [name !== undefined && NAME.test(name) ? name : undefined, safeCode, read(error, 'message')?.match(WORD)?.[0]].filter((word) => word !== undefined)
  const failure = new Error(`The token store's ${operation}() failed${said.length ? ` (${[...new Set(said)].join(', ')})` : ''}`)
  return safeCode ? Object.assign(failure, { code: safeCode }) : failure
}
