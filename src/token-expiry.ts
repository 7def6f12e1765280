import { MAX_LIFETIME_MS } from './session/refresh-window.js'
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

// A NumericDate counts seconds; from 1e11 (the year 5138) on, it was written in milliseconds: unknown.
const seconds = (value: unknown): number | undefined => (typeof value === 'number' && Math.abs(value) < 1e11 ? value * 1000 : undefined)

// Differences under this are the refresh-ahead window's business, not a clock to correct.
const NOTICEABLE_SKEW_MS = 5_000

/**
 * When the access token expires (epoch ms): the strategy's `expiresAt` (this clock), else the JWT
 * `exp` read with the provider's clock `skewMs` ahead of this one, else unknown.
 */
export function tokenExpiry(tokens: Tokens, skewMs = 0): number | undefined {
  // Infinity counts as a (far) expiry: the session clamps it rather than ignore it.
  if (typeof tokens.expiresAt === 'number' && !Number.isNaN(tokens.expiresAt)) return tokens.expiresAt
  const exp = seconds(jwtClaims(tokens.accessToken).exp)
  return exp === undefined ? undefined : exp - skewMs
}

/** When the access token was issued (epoch ms, this clock), from the JWT `iat`; unknown for other tokens. */
export function tokenIssuedAt(tokens: Tokens, skewMs = 0): number | undefined {
  const iat = seconds(jwtClaims(tokens.accessToken).iat)
  return iat === undefined ? undefined : iat - skewMs
}

/**
 * How far the provider's clock is ahead of this one, from a JWT it issued between `askedAt` and
 * `arrivedAt` (a refresh's answer): how far its `iat` falls outside that span, or `undefined`
 * when its claims are implausible (no life, or more than a year: `iat` in milliseconds,
 * `iat: 0`), and 0 when under a few seconds. An answer read late (a busy process) is no skew.
 */
export function providerSkew(tokens: Tokens, askedAt: number, arrivedAt: number): number | undefined {
  const { exp, iat } = jwtClaims(tokens.accessToken)
  const [expires, issued] = [seconds(exp), seconds(iat)]
  if (expires === undefined || issued === undefined || !(expires - issued > 0 && expires - issued <= MAX_LIFETIME_MS)) return undefined
  const skew = issued < askedAt ? issued - askedAt : Math.max(0, issued - arrivedAt)
  return Math.abs(skew) < NOTICEABLE_SKEW_MS ? 0 : skew
}
