import { tokensProblem } from '../session/assert-tokens.js'
import type { Tokens } from '../strategy.js'

/**
 * Stored JSON back to tokens. Anything corrupt, foreign or unusable (an access token that is not
 * a non-empty string, a control character in any field) reads as absent, never as tokens.
 */
export function parseStoredTokens<T extends Tokens>(raw: string | null): T | undefined {
  if (!raw) return undefined
  try {
    const tokens: unknown = JSON.parse(raw)
    return tokensProblem(tokens) ? undefined : (tokens as T)
  } catch {
    return undefined
  }
}
