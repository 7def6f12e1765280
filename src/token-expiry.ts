import { jwtDecode } from 'jwt-decode'
import type { Tokens } from './strategy.js'

/** When the access token expires (epoch ms): the strategy's `expiresAt`, else the JWT `exp`, else unknown. */
export function tokenExpiry(tokens: Tokens): number | undefined {
  if (typeof tokens.expiresAt === 'number' && Number.isFinite(tokens.expiresAt)) return tokens.expiresAt
  try {
    const { exp } = jwtDecode(tokens.accessToken)
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined
  } catch {
    return undefined // not a JWT: expiry unknown, refreshed on failure only
  }
}
