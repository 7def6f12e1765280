import { assertNonEmptyString, assertObject, assertOptionalFunction, assertOptionalString, invalidArgument, knownOptions } from '../invalid-argument.js'
import type { RefreshContext, Strategy, Tokens } from '../strategy.js'
import { type TokenHeader, tokenHeader } from './token-header.js'

/** Options of {@link custom}. */
export interface CustomOptions<T extends Tokens> {
  /** @default 'custom' */
  name?: string | undefined
  /** Puts the token on a request yourself. @default `authorization`'s header, else `Authorization: Bearer <token>` */
  authorize?: Strategy<T>['authorize'] | undefined
  /** Where the access token goes, without writing `authorize`. @default { header: 'Authorization', scheme: 'Bearer' } */
  authorization?: TokenHeader | undefined
  /** Whether a response means the token was refused. @default status 401 */
  isAuthFailure?: Strategy<T>['isAuthFailure'] | undefined
}

const known = { name: true, authorize: true, authorization: true, isAuthFailure: true } satisfies Record<keyof CustomOptions<Tokens>, true>
const defaults = { name: 'custom' }
const strategyKeys = { name: true, refresh: true, authorize: true, isAuthFailure: true } satisfies Record<keyof Strategy<Tokens>, true>

/**
 * Checks a hand-written strategy object at creation and returns it.
 *
 * @example
 * const strategy = defineStrategy({ name: 'mine', refresh: async (t, { fetch }) => ({ ...t, accessToken: await renew(fetch) }) })
 */
export function defineStrategy<T extends Tokens>(strategy: Strategy<T>): Strategy<T> {
  assertObject('strategy', strategy)
  // An object literal's unknown key is a misspelt hook (`isAuthFaliure` would never run); a class's fields are its own.
  const prototype: unknown = Object.getPrototypeOf(strategy)
  if (prototype === Object.prototype || prototype === null) knownOptions('defineStrategy', strategy, strategyKeys)
  assertNonEmptyString('strategy.name', strategy.name)
  if (typeof strategy.refresh !== 'function') throw invalidArgument('strategy.refresh', 'a function', strategy.refresh)
  assertOptionalFunction('strategy.authorize', strategy.authorize)
  assertOptionalFunction('strategy.isAuthFailure', strategy.isAuthFailure)
  return strategy
}

/**
 * A strategy from a refresh function. Throw `RefreshError` from it to say whether a failure is
 * transient (retried) or terminal (session expired); any other error fails that refresh only,
 * and reaches callers and events as an `Error` naming its class and code, never its message.
 *
 * @example
 * const strategy = custom(async (tokens, { fetch, signal }) => {
 *   const res = await fetch('https://auth.example.com/renew', { method: 'POST', signal })
 *   return { ...tokens, accessToken: (await res.json()).token }
 * }, { authorization: { header: 'X-Auth-Token', scheme: '' } })
 */
export function custom<T extends Tokens>(refresh: (current: T, context: RefreshContext) => Promise<T> | T, given: CustomOptions<T> = {}): Strategy<T> {
  if (typeof refresh !== 'function') throw invalidArgument('refresh', 'a function', refresh)
  assertObject('custom options', given)
  const options = knownOptions('custom options', given, known)
  const { name = defaults.name, isAuthFailure } = options
  assertOptionalString('name', options.name)
  if (options.authorize && options.authorization) {
    throw invalidArgument('authorization', 'left out when `authorize` is given (one of the two says where the token goes)', 'both', { wrongType: false })
  }
  const authorize = options.authorize ?? tokenHeader(options.authorization)
  return defineStrategy<T>({
    name,
    refresh: async (current, context) => refresh(current, context),
    ...(authorize && { authorize }),
    ...(isAuthFailure && { isAuthFailure }),
  })
}
