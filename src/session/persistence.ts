import type { Tokens } from '../strategy.js'
import type { TokenStore } from '../token-store.js'
import { foreignTokens, throwTokensProblem } from './assert-tokens.js'
import { storeCaller } from './store-call.js'
import { type StoreLimits, StoreSync } from './store-sync.js'

/** What a read found: `ok` false when the store failed, so nothing is known about its content. */
export interface StoreRead<T> {
  ok: boolean
  tokens: T | undefined
}

/** A session's access to its store: every call bounded, sync throws taken as rejections, failed writes retried. */
export interface Persistence<T extends Tokens> {
  /** Reads the stored tokens; what a store returns is checked like user input. */
  read(): Promise<StoreRead<T>>
  /**
   * Writes `tokens` within `ms`; on failure they stay wanted (retried) and it rejects. A refresh's
   * own write (`lasting`) is not cut short by `destroy()`: its rotated refresh token must land.
   */
  write(tokens: T, ms?: number, lasting?: boolean): Promise<void>
  /** Whether `tokens` are what the store is to hold (written, or being written, by this copy). */
  wants(tokens: T): boolean
  /**
   * Brings a user's store to what is wanted in the background, when it is behind: at most once a
   * second after a failure. A coordinator's store writes its own back; one re-issued here could
   * go over another copy's newer tokens.
   */
  retryPending(): void
  /** Writes what a failed write left behind, within `ms`, even after the session ended. */
  flush(ms: number): Promise<void>
  /** Whether a user's store misses the session's tokens (its write failed, or is under way). */
  behind(): boolean
  /** Deletes the stored tokens. */
  remove(): Promise<void>
  /**
   * Tokens another copy of the session got: a store of its own (not `shared`) keeps them too, in
   * the background; a shared one has them already.
   */
  adopted(tokens: T | undefined): void
}

/** Wraps `store` (or nothing: memory only) so that no store can hang or crash the session. */
export function persistence<T extends Tokens>(store: TokenStore<T> | undefined, limits: StoreLimits): Persistence<T> {
  const call = storeCaller({
    ...limits,
    failed(operation, error) {
      if (operation !== 'get') sync.failed()
      limits.failed(operation, error)
    },
  })
  const sync = new StoreSync(store, limits, call)

  return {
    async read() {
      if (!store) return { ok: true, tokens: undefined }
      const failure = { ok: false, tokens: undefined }
      let found: unknown
      try {
        found = (await call('get', () => store.get())) ?? undefined
      } catch {
        return failure
      }
      if (found === undefined) return { ok: true, tokens: undefined }
      try {
        const { tokens, problem } = foreignTokens(found, limits.now())
        if (problem) throwTokensProblem('stored tokens', problem)
        return { ok: true, tokens: tokens as T }
      } catch (error) {
        limits.failed('get', error as Error) // ours: it names the field, never the value (or the clock's)
        return failure
      }
    },
    write(tokens, ms, lasting) {
      sync.want(tokens)
      return sync.bringUp(ms, lasting)
    },
    wants: (tokens) => sync.wants(tokens),
    retryPending: () => sync.retryIfBehind(),
    flush: (ms) => sync.flushIfBehind(ms),
    behind: () => sync.behind(),
    remove() {
      sync.want(undefined)
      return sync.bringUp()
    },
    adopted(tokens) {
      sync.want(tokens)
      // A shared store has them from the copy that got them.
      if (store?.shared !== false) sync.heldElsewhere()
      else sync.bringUp().catch(() => {})
    },
  }
}
