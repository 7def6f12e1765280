import type { Strategy, Tokens } from './strategy.js'

/** Where an `authorize` of ours puts the access token: one header, an optional scheme before it. */
export interface TokenPlacement {
  readonly header: string
  /** `'Bearer '`, or `''` for the bare token. */
  readonly prefix: string
}

// Keyed by the function, so a strategy object copied or spread keeps its placement.
const placements = /* @__PURE__ */ new WeakMap<object, TokenPlacement>()
const bearer: TokenPlacement = { header: 'Authorization', prefix: 'Bearer ' }

/** Records that `authorize` only sets `placement`'s header, so a client may set it directly. */
export function withPlacement<F extends object>(authorize: F, placement: TokenPlacement): F {
  placements.set(authorize, placement)
  return authorize
}

/**
 * The header a strategy's token goes in, when it is a plain one (the default, or the
 * `authorization` option): clients then set it without building a `Headers` per request.
 * `undefined` for a user's own `authorize`, which gets a real `Headers`.
 */
export function placementOf<T extends Tokens>(strategy: Strategy<T>): TokenPlacement | undefined {
  return strategy.authorize ? placements.get(strategy.authorize) : bearer
}
