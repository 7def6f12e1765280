import { CONTROL, HEADER_VALUE, invalidArgument, NOT_FOR_A_HEADER } from '../invalid-argument.js'
import { shownKey } from '../shown-key.js'
import type { Tokens } from '../strategy.js'

/** What is wrong with a token set: the field (`''` for the set itself), what it should be, and what it holds. */
export interface TokensProblem {
  field: string
  expected: string
  /** The offending value: describe it by its type only, it may be a token. */
  value: unknown
  wrongType: boolean
}

function secretProblem(field: string, value: unknown, optional: boolean): TokensProblem | undefined {
  if (optional && value === undefined) return undefined
  if (typeof value !== 'string' || value === '') return { field, expected: 'a non-empty string', value, wrongType: typeof value !== 'string' }
  if (NOT_FOR_A_HEADER.test(value)) return { field, expected: `a string ${HEADER_VALUE}`, value, wrongType: false }
  return undefined
}

// An epoch in seconds read as ms is early 1970 (2^31 - 1, "never", included): every read would
// refresh. Judged only against a clock that reads as a real date; a test clock may start anywhere.
const readsAsSeconds = (expiresAt: number, now: number | undefined): boolean => now !== undefined && now > 1e12 && expiresAt > 0 && expiresAt < 1e11

/**
 * Finds what makes `tokens` unusable: not an object, an `accessToken` (or `refreshToken`) that is
 * not a non-empty string a header can carry, an `expiresAt` that is not a number (or, given the
 * clock's `now`, reads as seconds), or a control character (CR, LF, NUL… cannot travel in a
 * header) in any string field. `undefined` when usable.
 */
export function tokensProblem(tokens: unknown, now?: number): TokensProblem | undefined {
  if (tokens === UNREADABLE) return { field: '', expected: 'an object whose fields can be read', value: {}, wrongType: false }
  if (typeof tokens !== 'object' || tokens === null || Array.isArray(tokens)) return { field: '', expected: 'an object', value: tokens, wrongType: true }
  const { accessToken, refreshToken, expiresAt } = tokens as Tokens
  const problem = secretProblem('.accessToken', accessToken, false) ?? secretProblem('.refreshToken', refreshToken, true)
  if (problem) return problem
  if (expiresAt !== undefined && (typeof expiresAt !== 'number' || Number.isNaN(expiresAt))) {
    return { field: '.expiresAt', expected: 'a number (epoch ms)', value: expiresAt, wrongType: typeof expiresAt !== 'number' }
  }
  if (expiresAt !== undefined && readsAsSeconds(expiresAt, now)) {
    return { field: '.expiresAt', expected: 'epoch milliseconds (this one reads as seconds)', value: expiresAt, wrongType: false }
  }
  for (const [key, value] of Object.entries(tokens)) {
    if (typeof value === 'string' && CONTROL.test(value)) {
      return { field: `.${shownKey(key)}`, expected: 'a string without control characters (CR, LF, NUL…)', value, wrongType: false }
    }
  }
  return undefined
}

/**
 * Tokens from a provider, a store or another copy, as the session would keep them: a copy (see
 * {@link copyTokens}) whose `expiresAt`, if it reads as seconds or is NaN, is dropped rather than refused
 * (refusing would drop a refresh token the provider has already rotated: a JWT `exp`, else the
 * first 401, tells the expiry instead), and what makes it unusable, if anything.
 */
export function foreignTokens(value: unknown, now: number): { tokens: unknown; problem: TokensProblem | undefined } {
  const tokens = copyTokens(value) as Partial<Tokens> | undefined
  // NaN is an expiry computed from a lifetime the answer did not have (`sentAt + body.ttl * 1000`): unknown, too.
  if (typeof tokens?.expiresAt === 'number' && (Number.isNaN(tokens.expiresAt) || readsAsSeconds(tokens.expiresAt, now))) delete tokens.expiresAt
  return { tokens, problem: tokensProblem(tokens) }
}

const UNREADABLE: unique symbol = Symbol('unreadable tokens')

/**
 * A plain copy of a token set, each field read once (inherited ones included): what the session
 * keeps cannot change after it was checked, and a getter or Proxy that throws cannot put its own
 * message (which may quote a token) into an error. Anything but an object comes back as it is.
 */
export function copyTokens(tokens: unknown): unknown {
  if (typeof tokens !== 'object' || tokens === null) return tokens
  try {
    if (Array.isArray(tokens)) return tokens
    // Own fields, then a class's getters (what code put on `Object.prototype` does not count); no prototype.
    const copy: Record<string, unknown> = Object.assign(Object.create(null), tokens)
    for (let proto = Object.getPrototypeOf(tokens); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const key of Object.getOwnPropertyNames(proto)) {
        if (key === 'constructor' || key in copy) continue
        const value: unknown = (tokens as Record<string, unknown>)[key]
        if (value !== undefined && typeof value !== 'function') copy[key] = value
      }
    }
    return copy
  } catch {
    return UNREADABLE
  }
}

/** Throws the `TypeError` for `problem`, naming the field under `name`, never printing a token (an `expiresAt` number is shown). */
export function throwTokensProblem(name: string, problem: TokensProblem): never {
  throw invalidArgument(`${name}${problem.field}`, problem.expected, problem.value, { wrongType: problem.wrongType, secret: problem.field !== '.expiresAt' })
}

/**
 * A checked copy of `tokens` (see {@link copyTokens}, {@link tokensProblem}); else a `TypeError`
 * naming the field. Never prints a value: a token passed where the object belongs, or in the
 * wrong field, must not reach a log.
 */
export function checkedTokens<T extends Tokens>(name: string, tokens: unknown, now?: number): T {
  const copy = copyTokens(tokens)
  const problem = tokensProblem(copy, now)
  if (problem) throwTokensProblem(name, problem)
  return copy as T
}
