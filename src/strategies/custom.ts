import { assertFunction, assertKnownKeys, assertObject, assertString } from '../invalid-argument.js'
import type { AuthFailureInput, RefreshContext, Strategy, Tokens } from '../strategy.js'

/** Options of {@link custom}. */
export interface CustomOptions<T extends Tokens> {
  /** @default 'custom' */
  name?: string | undefined
  authorize?: ((tokens: T, headers: Headers) => void) | undefined
  isAuthFailure?: ((response: AuthFailureInput) => boolean) | undefined
}

/**
 * Checks a hand-written strategy object at creation and returns it.
 *
 * @example
 * const strategy = defineStrategy({ name: 'mine', refresh: async (t, { fetch }) => ({ ...t, accessToken: await renew(fetch) }) })
 */
export function defineStrategy<T extends Tokens>(strategy: Strategy<T>): Strategy<T> {
  assertObject('strategy', strategy)
  assertString('strategy.name', strategy.name)
  assertFunction('strategy.refresh', strategy.refresh, false)
  assertFunction('strategy.authorize', strategy.authorize)
  assertFunction('strategy.isAuthFailure', strategy.isAuthFailure)
  return strategy
}

/**
 * A strategy from a refresh function. Throw `RefreshError` from it to say whether a failure is
 * transient (retried) or terminal (session expired); any other error fails that refresh only.
 *
 * @example
 * const strategy = custom(async (tokens, { fetch, signal }) => {
 *   const res = await fetch('https://auth.example.com/renew', { method: 'POST', signal })
 *   return { ...tokens, accessToken: (await res.json()).token }
 * })
 */
export function custom<T extends Tokens>(
  refresh: (current: T, context: RefreshContext) => Promise<T> | T,
  options: CustomOptions<T> = {},
): Strategy<T> {
  assertFunction('refresh', refresh, false)
  assertObject('custom options', options)
  assertKnownKeys('custom options', options, ['name', 'authorize', 'isAuthFailure'])
  const strategy: Strategy<T> = { name: options.name ?? 'custom', refresh: async (current, context) => refresh(current, context) }
  if (options.authorize) strategy.authorize = options.authorize
  if (options.isAuthFailure) strategy.isAuthFailure = options.isAuthFailure
  return defineStrategy(strategy)
}
