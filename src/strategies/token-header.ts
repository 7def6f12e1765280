import { assertOptionalObject, invalidArgument, knownOptions } from '../invalid-argument.js'
import type { Tokens } from '../strategy.js'
import { withPlacement } from '../token-placement.js'

/** Where the access token goes on a request. */
export interface TokenHeader {
  /** The header name. @default 'Authorization' */
  header?: string | undefined
  /** The word before the token; `''` sends the bare token. @default 'Bearer' */
  scheme?: string | undefined
}

// RFC 9110 §5.6.2 token: what a header name (and an auth scheme) may be made of.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const known = { header: true, scheme: true } satisfies Record<keyof TokenHeader, true>

/**
 * Turns the `authorization` option into a strategy's `authorize`, checked at creation;
 * `undefined` when not given (the session's default, `Authorization: Bearer <token>`).
 *
 * @example
 * tokenHeader({ header: 'X-Auth-Token', scheme: '' }) // X-Auth-Token: <token>
 */
export function tokenHeader(option: TokenHeader | undefined): ((tokens: Tokens, headers: Headers) => void) | undefined {
  assertOptionalObject('authorization', option)
  if (!option) return undefined
  const { header = 'Authorization', scheme = 'Bearer' } = knownOptions('authorization', option, known)
  for (const [key, value] of Object.entries({ header, scheme })) {
    // A scheme may be '' (the bare token); a header name may not.
    if (typeof value !== 'string' || !(TOKEN.test(value) || (value === '' && key === 'scheme'))) {
      throw invalidArgument(`authorization.${key}`, 'a word without spaces or control characters', value, { wrongType: typeof value !== 'string' })
    }
  }
  const prefix = scheme && `${scheme} `
  return withPlacement((tokens: Tokens, headers: Headers) => headers.set(header, prefix + tokens.accessToken), { header, prefix })
}
