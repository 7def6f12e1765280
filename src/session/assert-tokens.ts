import { CONTROL, invalidArgument, NOT_FOR_A_HEADER } from '../invalid-argument.js'
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
  if (NOT_FOR_A_HEADER.test(value)) return { field, expected: 'a string a header can carry (Latin-1, no control characters)', value, wrongType: false }
  return undefined
}

/**
 * Finds what makes `tokens` unusable: not an object, an `accessToken` (or `refreshToken`) that is
 * not a non-empty string a header can carry, an `expiresAt` that is not a number, or a control
 * character (CR, LF, NUL… cannot travel in a header) in any string field. `undefined` when usable.
 */
export function tokensProblem(tokens: unknown): TokensProblem | undefined {
  if (typeof tokens !== 'object' || tokens === null || Array.isArray(tokens)) return { field: '', expected: 'an object', value: tokens, wrongType: true }
  const { accessToken, refreshToken, expiresAt } = tokens as Tokens
  const problem = secretProblem('.accessToken', accessToken, false) ?? secretProblem('.refreshToken', refreshToken, true)
  if (problem) return problem
  if (expiresAt !== undefined && (typeof expiresAt !== 'number' || Number.isNaN(expiresAt))) {
    return { field: '.expiresAt', expected: 'a number (epoch ms)', value: expiresAt, wrongType: typeof expiresAt !== 'number' }
  }
  for (const [key, value] of Object.entries(tokens)) {
    if (typeof value === 'string' && CONTROL.test(value)) {
      return { field: `.${key}`, expected: 'a string without control characters (CR, LF, NUL…)', value, wrongType: false }
    }
  }
  return undefined
}

/**
 * Throws a `TypeError` naming the field unless `tokens` is a usable token set (see
 * {@link tokensProblem}). Never prints a value: a token passed where the object belongs, or in
 * the wrong field, must not reach a log.
 */
export function assertTokens(name: string, tokens: unknown): asserts tokens is Tokens {
  const problem = tokensProblem(tokens)
  if (!problem) return
  throw invalidArgument(`${name}${problem.field}`, problem.expected, problem.value, { wrongType: problem.wrongType, secret: true })
}
