import type { Tokens } from './strategy.js'

// The claims of a JWT, unverified (the issuer's signature is the resource server's business):
// base64url JSON between the first and second dot. Only numeric claims are read, so multi-byte
// characters elsewhere need no UTF-8 decoding (jwt-decode's replacement: docs/dependencies.md).
function jwtClaims(token: string): { exp?: unknown; iat?: unknown } {
  try {
    const payload = token.split('.')[1] ?? ''
    return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) ?? {}
  } catch {
    return {} // not a JWT: nothing known
  }
}

const seconds = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value * 1000 : undefined)

/** When the access token expires (epoch ms): the strategy's `expiresAt`, else the JWT `exp`, else unknown. */
export function tokenExpiry(tokens: Tokens): number | undefined {
  // Infinity counts as a (far) expiry: the session clamps it rather than ignore it.
  if (typeof tokens.expiresAt === 'number' && !Number.isNaN(tokens.expiresAt)) return tokens.expiresAt
  return seconds(jwtClaims(tokens.accessToken).exp)
}

/** When the access token was issued (epoch ms), from the JWT `iat`; unknown for other tokens. */
export function tokenIssuedAt(tokens: Tokens): number | undefined {
  return seconds(jwtClaims(tokens.accessToken).iat)
}

/**
 * When a token issued just now, at `now` by this clock, expires: its JWT life (`exp - iat`) counted
 * from `now`, so a provider whose clock is off by more than a token's life does not make every
 * token look expired on arrival; the strategy's `expiresAt` (already in this clock) wins.
 */
export function issuedNowExpiry(tokens: Tokens, now: number): number | undefined {
  const { exp, iat } = jwtClaims(tokens.accessToken)
  const [expires, issued] = [seconds(exp), seconds(iat)]
  if (typeof tokens.expiresAt === 'number' || expires === undefined || issued === undefined) return tokenExpiry(tokens)
  return now + Math.max(0, expires - issued)
}
