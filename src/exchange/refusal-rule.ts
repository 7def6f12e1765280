import { withTimeout } from '../abort.js'
import { RuleTimeoutError } from '../errors/index.js'
import { invalidArgument } from '../invalid-argument.js'
import type { AuthFailureInput, Strategy, Tokens } from '../strategy.js'

/**
 * Which responses mean "the token was refused": a list of statuses (`[401, 403]`), or a
 * predicate that may be async and may read the body or the `WWW-Authenticate` header.
 *
 * @example
 * const graphql: AuthFailureRule = async (res) => res.status === 401 || JSON.stringify(await res.body()).includes('UNAUTHENTICATED')
 */
export type AuthFailureRule = readonly number[] | ((response: AuthFailureInput) => boolean | PromiseLike<boolean>)

/** Throws a readable `TypeError` unless `rule` is undefined, a list of HTTP statuses or a function. */
export function assertOptionalRule(name: string, rule: unknown): asserts rule is AuthFailureRule | undefined {
  if (rule === undefined || typeof rule === 'function') return
  if (Array.isArray(rule) && rule.every((status) => Number.isInteger(status) && status >= 100 && status <= 599)) return
  throw invalidArgument(name, 'an array of HTTP statuses or a function', rule, { wrongType: !Array.isArray(rule) })
}

/**
 * Applies the rule that holds for one response: the request's, else the client's, else the
 * strategy's `isAuthFailure`, else `status === 401`. Synchronous when the rule is (the common
 * case costs no promise); a throwing rule comes back as a rejected promise.
 */
export function judge<T extends Tokens>(rule: AuthFailureRule | undefined, strategy: Strategy<T>, input: AuthFailureInput): boolean | Promise<boolean> {
  try {
    const verdict = Array.isArray(rule)
      ? rule.includes(input.status)
      : typeof rule === 'function'
        ? rule(input)
        : strategy.isAuthFailure
          ? strategy.isAuthFailure(input)
          : input.status === 401
    return typeof verdict === 'boolean' ? verdict : Promise.resolve(verdict).then(Boolean)
  } catch (error) {
    return Promise.reject(error)
  }
}

/**
 * An async rule's verdict within its deadline; a caller's abort lets go of the request with its
 * reason, and of the deadline's timer (which holds the rule). With no verdict (past the deadline,
 * aborted, the rule threw) the response is never handed back: `noVerdict` lets go of what it holds.
 */
export function awaitVerdict(verdict: Promise<boolean>, timeoutMs: number, signal: AbortSignal | null | undefined, noVerdict: () => unknown): Promise<boolean> {
  return withTimeout(verdict, timeoutMs, () => new RuleTimeoutError(timeoutMs), signal).catch((error: unknown) => {
    noVerdict() // signed in or out
    throw error
  })
}

/** Reads a response text the way every transport shows it to a rule: JSON when it parses, else the text. */
export function parseBody(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
