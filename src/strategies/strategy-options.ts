import { assertObject, assertOptionalBoolean, knownOptions, ownFields } from '../invalid-argument.js'
import type { TokenHeader } from './token-header.js'

/** Options every built-in strategy takes, besides its provider's own. */
export interface CommonOptions {
  /**
   * Allow a plain-http refresh endpoint on a host that is not loopback. The refresh credentials
   * then travel in clear: only for a trusted network. @default false
   */
  allowInsecureHttp?: boolean | undefined
  /** Where the access token goes on requests. @default { header: 'Authorization', scheme: 'Bearer' } */
  authorization?: TokenHeader | undefined
}

/** The known keys of {@link CommonOptions}, to spread into a factory's own. */
export const commonKeys = { allowInsecureHttp: true, authorization: true } satisfies Record<keyof CommonOptions, true>

/**
 * Checks that `options` is an object of known keys and merges `defaults` under it once: an option
 * left `undefined` takes its default.
 */
export function withDefaults<O extends CommonOptions, D extends Partial<O>>(where: string, options: O, known: Record<keyof O, true>, defaults: D): O & D {
  assertObject(where, options)
  const own = knownOptions(where, options, known)
  assertOptionalBoolean('allowInsecureHttp', own.allowInsecureHttp)
  const merged: Record<string, unknown> = ownFields(defaults)
  for (const [key, value] of Object.entries(own)) if (value !== undefined) merged[key] = value
  return merged as O & D
}
