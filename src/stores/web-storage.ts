import type { Tokens } from '../strategy.js'
import type { TokenStore } from '../token-store.js'
import { parseStoredTokens } from './parse-stored-tokens.js'

/**
 * Keeps tokens in `localStorage` or `sessionStorage` under one key (JSON). They survive a reload,
 * but any script on the page can read them: with an XSS hole, a refresh token here is stolen.
 * Prefer the default memory store with `tabCoordinator()` (docs/scaling.md).
 *
 * @example
 * const session = createSession({ strategy, store: webStorageStore(sessionStorage, 'tokenflight') })
 */
export function webStorageStore<T extends Tokens = Tokens>(storage: Storage, key: string): TokenStore<T> {
  return {
    get: () => parseStoredTokens<T>(storage.getItem(key)),
    set: (tokens) => storage.setItem(key, JSON.stringify(tokens)),
    delete: () => storage.removeItem(key),
  }
}
