import { withTimeout } from '../abort.js'
import { StoreTimeoutError } from '../errors/index.js'
import type { Tokens } from '../strategy.js'
import type { TokenStore } from '../token-store.js'
import { copyTokens, foreignTokens, throwTokensProblem } from './assert-tokens.js'
import { type StoreCall, type StoreCallLimits, storeCaller } from './store-call.js'

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

// The store is brought to what is wanted (the latest tokens set, or none after a delete), one
// call at a time: each starts once the one before has settled or missed its deadline, so a call
// that never settles wedges nothing. Whoever asks while one runs shares the next call, which
// writes the latest. A call that lands after a newer one has landed put older state back: the
// store is marked behind and brought up again, like after a failure.
class StoreSync<T extends Tokens> {
  #wanted: { tokens: T | undefined; version: number } = { tokens: undefined, version: 0 }
  #held = 0 // the version the store is known to hold
  #busy = 0
  // After a failure, the store is brought up again at most once a second: a dead store is not hit on every request.
  #retryAt = 0
  #started = 0
  #newestLanded = 0
  #queue: Promise<unknown> = Promise.resolve()
  #idle = true // no call running or within its deadline
  #next: Promise<unknown> | undefined

  constructor(
    readonly store: TokenStore<T> | undefined,
    private readonly limits: Limits,
    private readonly call: StoreCall,
  ) {}

  want(tokens: T | undefined): void {
    this.#wanted = { tokens, version: this.#wanted.version + 1 }
  }

  /** Whether `tokens` are the ones wanted in the store. */
  wants(tokens: T): boolean {
    return this.#wanted.tokens?.accessToken === tokens.accessToken
  }

  /** Brings a user's store up in the background when it is behind, nothing runs and no failure is recent. */
  retryIfBehind(): void {
    if (this.store && this.limits.ordered && this.#held < this.#wanted.version && this.#busy === 0 && Date.now() >= this.#retryAt) this.bringUp().catch(() => {})
  }

  /** What is wanted is in the store already: a shared store got it from another copy. */
  heldElsewhere(): void {
    this.#held = this.#wanted.version
  }

  #land(): Promise<unknown> {
    const { tokens, version } = this.#wanted
    const { limits } = this
    const store = this.store as TokenStore<T>
    const turn = ++this.#started
    // A user's store gets a copy to edit (one that drops the refresh token before saving edits
    // nothing here); a coordinator's own store gets the tokens it tracks as they are.
    const given = tokens && limits.ordered ? (copyTokens(tokens) as T) : tokens
    const stored = new Promise((resolve) => resolve(given ? store.set(given) : store.delete()))
    stored.then(() => {
      if (turn < this.#newestLanded && limits.ordered) {
        this.#held = 0 // older state over newer: behind, brought up again at once
        if (!limits.lifetime.aborted) this.bringUp().catch(() => {})
      } else {
        this.#newestLanded = turn
        this.#held = Math.max(this.#held, version)
      }
    }, () => {})
    // The next call waits for this one, at most its deadline.
    this.#idle = false
    const ended: Promise<unknown> = withTimeout(stored, limits.timeoutMs, () => new StoreTimeoutError(tokens ? 'set' : 'delete', limits.timeoutMs))
      .catch(() => {})
      .then(() => {
        if (this.#queue === ended) this.#idle = true
      })
    this.#queue = ended
    return stored
  }

  bringUp(ms?: number, lasting?: boolean): Promise<void> {
    if (!this.store) return Promise.resolve()
    const operation = this.#wanted.tokens ? 'set' : 'delete'
    // Called at once when nothing runs: a store may read its own state as the call is made (a
    // fenced write, a seed only into an empty key), so the call is made when it is asked for.
    const atOnce = (this.#idle || !this.limits.ordered) && !this.#next
    if (!atOnce && !this.#next) {
      this.#next = this.#queue.then(() => {
        this.#next = undefined
        return this.#land()
      })
    }
    const shared = atOnce ? this.#land() : (this.#next as Promise<unknown>)
    this.#busy++
    return this.call(operation, () => shared, ms, lasting).then(
      () => {
        this.#busy--
      },
      (error: unknown) => {
        this.#busy--
        this.#retryAt = Date.now() + 1_000
        throw error
      },
    )
  }
}

/** Wraps `store` (or nothing: memory only) so that no store can hang or crash the session. */
export function persistence<T extends Tokens>(store: TokenStore<T> | undefined, limits: Limits): Persistence<T> {
  const call = storeCaller(limits)
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
