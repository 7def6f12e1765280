import type { Tokens } from '../strategy.js'
import type { TokenStore } from '../token-store.js'

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
    get() {
      const raw = storage.getItem(key)
      if (!raw) return undefined
      try {
        const tokens = JSON.parse(raw) as T
        return typeof tokens?.accessToken === 'string' && tokens.accessToken !== '' ? tokens : undefined
      } catch {
        return undefined // a corrupt entry is treated as absent, never as tokens
      }
    },
    set: (tokens) => storage.setItem(key, JSON.stringify(tokens)),
    delete: () => storage.removeItem(key),
  }
}
