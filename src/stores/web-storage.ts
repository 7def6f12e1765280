import { assertNonEmptyString, invalidArgument } from '../invalid-argument.js'
import type { Tokens } from '../strategy.js'
import type { TokenStore } from '../token-store.js'
import { parseStoredTokens } from './parse-stored-tokens.js'

/** The part of the Web Storage API the store uses (`localStorage`, `sessionStorage` or a look-alike). */
export interface WebStorageLike {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

// This context's sessionStorage, one per tab; reading it throws where storage is blocked.
function ownSessionStorage(): unknown {
  try {
    return (globalThis as { sessionStorage?: unknown }).sessionStorage
  } catch {
    return undefined
  }
}

/**
 * Keeps tokens in `localStorage` or `sessionStorage` under one key (JSON). They survive a reload,
 * but any script on the page can read them: with an XSS hole, a refresh token here is stolen.
 * Prefer the default memory store with `tabCoordinator()` (docs/scaling.md). An entry that is
 * corrupt or holds unusable tokens reads as absent. With `sessionStorage` (one per tab) it is
 * not `shared`: tokens another tab got are stored here too.
 *
 * @example
 * const session = createSession({ strategy, store: webStorageStore(sessionStorage, 'tokenflight') })
 */
export function webStorageStore<T extends Tokens = Tokens>(storage: WebStorageLike, key: string): TokenStore<T> {
  const methods = storage as Partial<Record<keyof WebStorageLike, unknown>> | null | undefined
  // A method that cannot be read (a getter that throws) is a missing one: our TypeError, not its error.
  const readable = (method: keyof WebStorageLike): unknown => {
    try {
      return methods?.[method]
    } catch {
      return undefined
    }
  }
  for (const method of ['getItem', 'setItem', 'removeItem'] as const) {
    if (typeof readable(method) !== 'function') throw invalidArgument('storage', 'a Web Storage object (localStorage, sessionStorage)', storage)
  }
  assertNonEmptyString('key', key)
  return {
    get: () => parseStoredTokens<T>(storage.getItem(key)),
    set: (tokens) => storage.setItem(key, JSON.stringify(tokens)),
    delete: () => storage.removeItem(key),
    shared: storage !== ownSessionStorage(),
  }
}
