import { randomBytes, randomUUID } from 'node:crypto'

/** Why a refresh token was refused. */
export type Refusal = 'unknown' | 'reused' | 'revoked' | 'expired' | 'logged-out'

/** A freshly issued token pair. */
export interface Issued {
  accessToken: string
  accessExpiresAt: number
  refreshToken: string
  refreshExpiresAt: number | undefined
  /** End of the family's fixed session cap, if there is one. */
  sessionCapAt: number | undefined
  family: string
}

interface Family {
  revoked: boolean
  loggedOut: boolean
  capAt: number | undefined
}

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url')

/** A JWT-shaped token (unsigned: the emulator is the only one checking it) carrying `exp`. */
export function jwtLike(claims: Record<string, unknown>): string {
  return `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}.${base64url(randomBytes(16))}`
}

/**
 * Issues and checks tokens the way a rotating-refresh-token provider does: each refresh token
 * belongs to a family; with reuse detection, presenting a spent one revokes the whole family.
 */
export class TokenAuthority {
  readonly #families = new Map<string, Family>()
  readonly #refresh = new Map<string, { family: string; spent: boolean; expiresAt: number | undefined }>()
  readonly #access = new Map<string, { family: string; expiresAt: number }>()
  reuseDetections = 0

  constructor(
    readonly options: {
      accessTtlMs: number
      refreshTtlMs: number | undefined
      sessionCapMs?: number | undefined
      rotate: boolean
      reuseDetection: boolean
      opaqueAccess?: boolean | undefined
    },
    readonly now: () => number = Date.now,
  ) {}

  #issueAccess(family: string): { accessToken: string; accessExpiresAt: number } {
    const issuedAt = this.now()
    const accessExpiresAt = issuedAt + this.options.accessTtlMs
    // `exp` rounds up: a client trusting it may send a just-expired token and get a 401,
    // never the reverse (a token it thinks dead that the server would still accept).
    const accessToken = this.options.opaqueAccess
      ? `opaque-${randomBytes(24).toString('base64url')}`
      : jwtLike({ sub: 'emulated-user', iat: Math.floor(issuedAt / 1000), exp: Math.ceil(accessExpiresAt / 1000), jti: randomUUID() })
    this.#access.set(accessToken, { family, expiresAt: accessExpiresAt })
    return { accessToken, accessExpiresAt }
  }

  #issueRefresh(family: string): { refreshToken: string; refreshExpiresAt: number | undefined; sessionCapAt: number | undefined } {
    const refreshToken = `rt.${randomBytes(24).toString('base64url')}`
    const sessionCapAt = this.#families.get(family)?.capAt
    const ttlEnd = this.options.refreshTtlMs === undefined ? undefined : this.now() + this.options.refreshTtlMs
    const refreshExpiresAt = ttlEnd === undefined ? sessionCapAt : Math.min(ttlEnd, sessionCapAt ?? ttlEnd)
    this.#refresh.set(refreshToken, { family, spent: false, expiresAt: refreshExpiresAt })
    return { refreshToken, refreshExpiresAt, sessionCapAt }
  }

  /** A new sign-in: a new family with its first token pair. */
  signIn(): Issued {
    const family = randomUUID()
    const capAt = this.options.sessionCapMs === undefined ? undefined : this.now() + this.options.sessionCapMs
    this.#families.set(family, { revoked: false, loggedOut: false, capAt })
    return { family, ...this.#issueAccess(family), ...this.#issueRefresh(family) }
  }

  /** Redeems a refresh token for a new access token (and a new refresh token when rotating). */
  redeem(refreshToken: string, expectedFamily?: string): Issued | Refusal {
    const entry = this.#refresh.get(refreshToken)
    if (!entry || (expectedFamily !== undefined && entry.family !== expectedFamily)) return 'unknown'
    const family = this.#families.get(entry.family) as Family
    if (family.loggedOut) return 'logged-out'
    if (family.revoked) return 'revoked'
    if (entry.expiresAt !== undefined && this.now() >= entry.expiresAt) return 'expired'
    if (family.capAt !== undefined && this.now() >= family.capAt) return 'expired'
    if (entry.spent) {
      if (!this.options.reuseDetection) return 'revoked'
      this.reuseDetections++
      family.revoked = true
      return 'reused'
    }
    if (!this.options.rotate) {
      return { family: entry.family, ...this.#issueAccess(entry.family), refreshToken, refreshExpiresAt: entry.expiresAt, sessionCapAt: family.capAt }
    }
    entry.spent = true
    return { family: entry.family, ...this.#issueAccess(entry.family), ...this.#issueRefresh(entry.family) }
  }

  /** Whether a resource request with this access token is accepted. */
  accepts(accessToken: string): boolean {
    const entry = this.#access.get(accessToken)
    if (!entry || this.now() >= entry.expiresAt) return false
    const family = this.#families.get(entry.family) as Family
    return !family.loggedOut
  }

  /** Every access token issued so far expires now. */
  expireAccessTokens(): void {
    const time = this.now()
    for (const entry of this.#access.values()) entry.expiresAt = Math.min(entry.expiresAt, time)
  }

  /** Every refresh token issued so far expires now. */
  expireRefreshTokens(): void {
    const time = this.now()
    for (const entry of this.#refresh.values()) entry.expiresAt = time
  }

  /** Every access and refresh token issued so far. */
  issued(): string[] {
    return [...this.#access.keys(), ...this.#refresh.keys()]
  }

  /** The user signed out everywhere: every family is dead. */
  logOut(): void {
    for (const family of this.#families.values()) family.loggedOut = true
  }
}
