import { assertOptionalObject } from '../invalid-argument.js'
import type { Tokens } from '../strategy.js'
import type { TokenStore } from '../token-store.js'

/**
 * Keeps tokens in this process's memory only: the default, and the safest place for a
 * refresh token in a browser (out of reach of scripts reading localStorage).
 *
 * @example
 * const session = createSession({ strategy, store: memoryStore(), tokens })
 */
export function memoryStore<T extends Tokens = Tokens>(initial?: T): TokenStore<T> {
  assertOptionalObject('memoryStore initial tokens', initial) // a token string here fails only at the first read, far from the mistake
  let tokens = initial
  return {
    get: () => tokens,
    set: (next) => {
      tokens = next
    },
    delete: () => {
      tokens = undefined
    },
  }
}
