import type { Tokens } from './strategy.js'

// Tokens a refused refresh answer still gave (a rotated refresh credential beside a malformed
// access token), by the error that refused it: never a field of the error, so never printed.
const kept = /* @__PURE__ */ new WeakMap<object, Tokens>()

/** Notes on `error` the tokens to keep although the answer was refused; returns `error`. */
export function keepTokens<E extends object>(error: E, tokens: Tokens): E {
  kept.set(error, tokens)
  return error
}

/** The tokens a refused answer still gave, if `error` says so. */
export const keptTokens = (error: unknown): Tokens | undefined => (typeof error === 'object' && error !== null ? kept.get(error) : undefined)
