import { type AuthFailureRule, assertOptionalRule } from '../exchange/refusal-rule.js'
import { assertOptionalBoolean, assertOptionalObject, knownOptions, ownFields, readingOptions } from '../invalid-argument.js'
import { createOriginPolicy, type HrefPolicy, hrefPolicy, type OriginOptions, type OriginPolicy } from './origin-policy.js'

/** Options every client takes: where tokens go, and which responses mean the token was refused. */
export interface ClientOptions extends OriginOptions {
  /**
   * Which responses of this client mean "token refused": a list of statuses or a predicate
   * (async, may read the body). A request's own `authFailure` overrides it.
   * @default the strategy's `isAuthFailure`, else status 401
   */
  authFailure?: AuthFailureRule | undefined
}

const known = { origins: true, allowInsecureHttp: true, authFailure: true } satisfies Record<keyof ClientOptions, true>

/** Validates a client's options at attach time: its allowlist (for URLs and URL strings) and its refusal rule. */
export function resolveClientOptions(
  where: string,
  given: ClientOptions,
  fallback: string | undefined,
): { isAllowed: OriginPolicy; allowsHref: HrefPolicy; rule: AuthFailureRule | undefined } {
  return readingOptions(where, () => {
    assertOptionalObject(where, given)
    const options = knownOptions(where, given ?? {}, known)
    assertOptionalRule('authFailure', options.authFailure)
    const isAllowed = createOriginPolicy(options, fallback)
    return { isAllowed, allowsHref: hrefPolicy(isAllowed), rule: options.authFailure }
  })
}

/** tokenflight's options for one request, the same on every transport. */
export interface RequestOptions {
  /** Send this request untouched: no token, no refresh on a refusal. @default false */
  skip?: boolean | undefined
  /** This request's rule for a refused token, replacing the client's. @default the client's rule */
  authFailure?: AuthFailureRule | undefined
}

/**
 * A request's own `tokenflight` options, read as own fields only (never a `skip` or `authFailure`
 * from `Object.prototype`), its rule checked before anything is sent, as a client's is when attached.
 */
export function ownRequestOptions(options: RequestOptions | undefined): RequestOptions | undefined {
  if (options == null) return undefined
  const own = ownFields(options)
  assertOptionalRule('tokenflight.authFailure', own.authFailure)
  assertOptionalBoolean('tokenflight.skip', own.skip) // `'false'` would read as true
  return own
}
