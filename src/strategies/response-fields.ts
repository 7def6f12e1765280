import { InvalidRefreshResponseError } from '../errors/index.js'
import { keepTokens } from '../kept-tokens.js'
import type { Tokens } from '../strategy.js'
import { hasOwn } from '../has-own.js'
import { CONTROL, HEADER_VALUE, NOT_FOR_A_HEADER } from '../invalid-argument.js'

/**
 * Reads a dotted path (`data.accessToken`) from a parsed body, own fields only (never what
 * `Object.prototype` would supply); `undefined` where it breaks off.
 */
export function fieldAt(body: unknown, path: string): unknown {
  let value = body
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || !hasOwn(value, key)) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return value
}

const kindOf = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value)
/** A non-empty string a header can carry as it is: every token is sent in one. */
export const isHeaderValue = (value: unknown): value is string => typeof value === 'string' && value !== '' && !NOT_FOR_A_HEADER.test(value)

/** A required token field: a non-empty string that can go in a header, or an error naming it (never its value). */
export function requireString(body: unknown, path: string): string {
  const value = fieldAt(body, path)
  if (isHeaderValue(value)) return value
  throw new InvalidRefreshResponseError(path, `a non-empty string ${HEADER_VALUE}`, value === '' ? 'an empty string' : kindOf(value), { body })
}

/**
 * An optional token field: absent (or `null`, as many servers write it) is fine, present must be
 * as {@link requireString} checks it.
 */
export function optionalString(body: unknown, path: string): string | undefined {
  return fieldAt(body, path) == null ? undefined : requireString(body, path)
}

/**
 * A field that only informs (a granted scope, an id_token): a string without control characters
 * (a token set refuses them), else absent. Refusing the answer over it would drop the refresh
 * token the provider just rotated, and end the session.
 */
export function informativeString(body: unknown, path: string): string | undefined {
  const value = fieldAt(body, path)
  return typeof value === 'string' && value !== '' && !CONTROL.test(value) ? value : undefined
}

const MAX_LIFETIME_S = 31_536_000 // a year: past it a lifetime is a provider's bug, not a promise

/**
 * A lifetime field in seconds, counted from `sentAt`, as epoch ms; at most a year. Absent or
 * unusable (zero, negative, NaN, not a number) is unknown (`undefined`), never a failure: the
 * answer's rotated tokens must be kept whatever its lifetimes say. Digit strings (`"3600"`) are
 * read.
 */
export function expiryAt(body: unknown, path: string, sentAt: number): number | undefined {
  return lifetimeAt(body, path, sentAt, 0)
}

/**
 * The deadline of a credential (a refresh token, a session) past which the endpoint is not called
 * and the session ends here: under a second is unknown, so that the server, not a lifetime of 0
 * (Keycloak's "no limit") or a fraction, says when the credential is spent.
 */
export function credentialDeadlineAt(body: unknown, path: string, sentAt: number): number | undefined {
  return lifetimeAt(body, path, sentAt, 1)
}

function lifetimeAt(body: unknown, path: string, sentAt: number, below: number): number | undefined {
  const value = fieldAt(body, path)
  const seconds = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
  if (typeof seconds !== 'number' || !(seconds > 0 && seconds >= below)) return undefined
  return sentAt + Math.min(seconds, MAX_LIFETIME_S) * 1000
}

/**
 * Reads an answer's field with `read`. When that refuses the answer but the answer rotated the
 * credential at `path` (into `field`) to a usable value, the error keeps the tokens with it: the
 * provider has spent the one presented, and the session presents the rotated one next.
 */
export function keepingRotated<T extends Tokens, R>(body: unknown, current: T, field: keyof T & string, path: string, read: () => R): R {
  try {
    return read()
  } catch (error) {
    const rotated = error instanceof InvalidRefreshResponseError ? usableString(body, path) : undefined
    if (rotated !== undefined && rotated !== current[field]) keepTokens(error as InvalidRefreshResponseError, { ...current, [field]: rotated })
    throw error
  }
}

// A string field that `optionalString` accepts, else `undefined` (never a throw).
function usableString(body: unknown, path: string): string | undefined {
  try {
    return optionalString(body, path)
  } catch {
    return undefined
  }
}
