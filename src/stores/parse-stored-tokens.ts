import type { Tokens } from '../strategy.js'

/** Stored JSON back to tokens; anything corrupt or foreign reads as absent, never as tokens. */
export function parseStoredTokens<T extends Tokens>(raw: string | null): T | undefined {
  if (!raw) return undefined
  try {
    const tokens = JSON.parse(raw) as T
    return typeof tokens?.accessToken === 'string' && tokens.accessToken !== '' ? tokens : undefined
  } catch {
    return undefined
  }
}
