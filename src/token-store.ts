import type { Tokens } from './strategy.js'

/**
 * Where a session persists its tokens. Methods may be sync or async; `set`
 * must not resolve before the tokens are durable, because a rotated refresh
 * token is only used once the store has it.
 */
export interface TokenStore<T extends Tokens = Tokens> {
  get(): T | undefined | Promise<T | undefined>
  set(tokens: T): void | Promise<void>
  delete(): void | Promise<void>
  /**
   * `false` when each copy of the session (each tab) has a store of its own, as `sessionStorage`
   * is: the session then also stores the tokens a coordinator brings from another copy, so a
   * reload never restores a refresh token another tab has spent.
   * @default true (the copy that got the tokens stored them)
   */
  readonly shared?: boolean | undefined
}
