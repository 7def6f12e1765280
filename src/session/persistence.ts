import { withTimeout } from '../abort.js'
import { StoreTimeoutError } from '../errors/index.js'
import type { Tokens } from '../strategy.js'
import type { TokenStore } from '../token-store.js'
import { copyTokens, foreignTokens, throwTokensProblem } from './assert-tokens.js'
import { type StoreCallLimits, storeCaller } from './store-call.js'

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
  /** Deletes the stored tokens. */
  remove(): Promise<void>
  /**
   * Tokens another copy of the session got: a store of its own (not `shared`) keeps them too, in
   * the background; a shared one has them already.
   */
  adopted(tokens: T | undefined): void
}

interface Limits extends StoreCallLimits {
  /** The session's clock, for an `expiresAt` in seconds in what the store returns. */
  now: () => number
  /**
   * Whether calls wait for the one before, get copies and are brought up again by the session
   * after a failure (a user's store). A coordinator's store orders and writes back its own writes
   * (Redis: fenced, one connection, written back after an outage; Web Storage: synchronous), its
   * writes under a lock must be made at once, and it tracks the tokens it was given.
   */
  ordered: boolean
}

/** Wraps `store` (or nothing: memory only) so that no store can hang or crash the session. */
export function persistence<T extends Tokens>(store: TokenStore<T> | undefined, limits: Limits): Persistence<T> {
  const { timeoutMs, failed, lifetime } = limits
  const call = storeCaller(limits)

  // The store is brought to what is wanted (the latest tokens set, or none after a delete), one
  // call at a time: each starts once the one before has settled or missed its deadline, so a call
  // that never settles wedges nothing. Whoever asks while one runs shares the next call, which
  // writes the latest. A call that lands after a newer one has landed put older state back: the
  // store is marked behind and brought up again, like after a failure.
  let wanted: { tokens: T | undefined; version: number } = { tokens: undefined, version: 0 }
  let held = 0 // the version the store is known to hold
  let started = 0
  let newestLanded = 0
  let queue: Promise<unknown> = Promise.resolve()
  let idle = true // no call running or within its deadline
  let next: Promise<unknown> | undefined
  let busy = 0
  // After a failure, the store is brought up again at most once a second: a dead store is not hit on every request.
  let retryAt = 0

  function land(): Promise<unknown> {
    const { tokens, version } = wanted
    const turn = ++started
    // A user's store gets a copy to edit (one that drops the refresh token before saving edits
    // nothing here); a coordinator's own store gets the tokens it tracks as they are.
    const given = tokens && limits.ordered ? (copyTokens(tokens) as T) : tokens
    const stored = new Promise((resolve) => resolve(given ? (store as TokenStore<T>).set(given) : (store as TokenStore<T>).delete()))
    stored.then(() => {
      if (turn < newestLanded && limits.ordered) {
        held = 0 // older state over newer: behind, brought up again at once
        if (!lifetime.aborted) bringUp().catch(() => {})
      } else {
        newestLanded = turn
        held = Math.max(held, version)
      }
    }, () => {})
    // The next call waits for this one, at most its deadline.
    idle = false
    const ended: Promise<unknown> = withTimeout(stored, timeoutMs, () => new StoreTimeoutError(tokens ? 'set' : 'delete', timeoutMs))
      .catch(() => {})
      .then(() => {
        if (queue === ended) idle = true
      })
    queue = ended
    return stored
  }

  function bringUp(ms?: number, lasting?: boolean): Promise<void> {
    if (!store) return Promise.resolve()
    const operation = wanted.tokens ? 'set' : 'delete'
    // Called at once when nothing runs: a store may read its own state as the call is made (a
    // fenced write, a seed only into an empty key), so the call is made when it is asked for.
    const atOnce = (idle || !limits.ordered) && !next
    if (!atOnce && !next) {
      next = queue.then(() => {
        next = undefined
        return land()
      })
    }
    const shared = atOnce ? land() : (next as Promise<unknown>)
    busy++
    return call(operation, () => shared, ms, lasting).then(
      () => {
        busy--
      },
      (error: unknown) => {
        busy--
        retryAt = Date.now() + 1_000
        throw error
      },
    )
  }

  const want = (tokens: T | undefined): void => {
    wanted = { tokens, version: wanted.version + 1 }
  }

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
        failed('get', error as Error) // ours: it names the field, never the value (or the clock's)
        return failure
      }
    },
    write(tokens, ms, lasting) {
      want(tokens)
      return bringUp(ms, lasting)
    },
    wants: (tokens) => wanted.tokens?.accessToken === tokens.accessToken,
    retryPending() {
      if (store && limits.ordered && held < wanted.version && busy === 0 && Date.now() >= retryAt) bringUp().catch(() => {})
    },
    remove() {
      want(undefined)
      return bringUp()
    },
    adopted(tokens) {
      want(tokens)
      // A shared store has them from the copy that got them.
      if (store?.shared !== false) held = wanted.version
      else bringUp().catch(() => {})
    },
  }
}
