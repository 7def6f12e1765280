import type { Tokens } from './strategy.js'

// The claims of a JWT, unverified (the issuer's signature is the resource server's business):
// base64url JSON between the first and second dot. Only the numeric `exp` is read, so multi-byte
// characters elsewhere in the claims need no UTF-8 decoding. This replaced jwt-decode
// (docs/dependencies.md).
function jwtClaims(token: string): { exp?: unknown } {
  const payload = token.split('.')[1] ?? ''
  return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown }
}

/** When the access token expires (epoch ms): the strategy's `expiresAt`, else the JWT `exp`, else unknown. */
export function tokenExpiry(tokens: Tokens): number | undefined {
  if (typeof tokens.expiresAt === 'number' && Number.isFinite(tokens.expiresAt)) return tokens.expiresAt
  try {
    const { exp } = jwtClaims(tokens.accessToken)
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined
  } catch {
    return undefined // not a JWT: expiry unknown, refreshed on failure only
  }
}
