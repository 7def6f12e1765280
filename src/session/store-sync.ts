import { sleep, withTimeout } from '../abort.js'
import { StoreTimeoutError } from '../errors/index.js'
import type { Tokens } from '../strategy.js'
import type { TokenStore } from '../token-store.js'
import { copyTokens } from './assert-tokens.js'
import type { StoreCall, StoreCallLimits } from './store-call.js'
import { monotonicNow } from '../monotonic.js'
import { sameCredentials } from '../same-credentials.js'

/** What bounds a session's store calls, and how its store is treated. */
export interface StoreLimits extends StoreCallLimits {
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
// store is marked behind and brought up again at once.
export class StoreSync<T extends Tokens> {
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
  #resume: Promise<void> | undefined // the call made at the end of the second after a failure

  constructor(
    readonly store: TokenStore<T> | undefined,
    private readonly limits: StoreLimits,
    private readonly call: StoreCall,
  ) {}

  want(tokens: T | undefined): void {
    this.#wanted = { tokens, version: this.#wanted.version + 1 }
  }

  /** Whether `tokens` are the ones wanted in the store. */
  wants(tokens: T): boolean {
    return this.#wanted.tokens !== undefined && sameCredentials(this.#wanted.tokens, tokens)
  }

  /** Brings a user's store up in the background when it is behind, nothing runs and no failure is recent. */
  retryIfBehind(): void {
    if (this.store && this.limits.ordered && this.#held < this.#wanted.version && this.#busy === 0 && monotonicNow() >= this.#retryAt) this.bringUp().catch(() => {})
  }

  /**
   * Brings a user's store up at once if it is behind, whenever the last failure was: a session
   * that ends passes on what it holds (a rotated refresh token a failed write left in memory).
   */
  flushIfBehind(ms: number): Promise<void> {
    // A call under way, or one asked for within the second after a failure (made as the session
    // ends), writes what is wanted already: it is not waited for, nor made twice.
    const idle = this.#idle && !this.#resume && !this.#next
    return idle && this.behind() ? this.#bringUpNow(ms, true) : Promise.resolve()
  }

  /** Whether a user's store misses what is wanted (a write failed, or one is under way). */
  behind(): boolean {
    return this.store !== undefined && this.limits.ordered && this.#held < this.#wanted.version
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
    let call = (): void => {}
    const stored = new Promise((resolve) => {
      call = () => resolve(new Promise((made) => made(given ? store.set(given) : store.delete())))
    })
    stored.then(() => {
      if (turn < this.#newestLanded && limits.ordered) {
        this.#held = 0 // older state over newer: behind, brought up again at once
        if (!limits.lifetime.aborted) this.#bringUpNow().catch(() => {})
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
    // Made last: a store that calls back into the session (its `set` sends through an authed
    // client) finds this call under way, and what it asks for waits for it.
    call()
    return stored
  }

  bringUp(ms?: number, lasting?: boolean): Promise<void> {
    if (!this.store) return Promise.resolve()
    // Within a second of a failure the store is called again only at its end, whoever asks (a
    // `storeFailed` listener answering with `clear()` would spin on a dead store), and the askers
    // share that call. A refresh's own write goes at once: its rotated refresh token must land.
    const wait = lasting ? 0 : this.#retryAt - monotonicNow()
    if (wait <= 0) return this.#bringUpNow(ms, lasting)
    this.#resume ??= sleep(wait, this.limits.lifetime).then(
      () => {
        this.#resume = undefined
        return this.#bringUpNow()
      },
      (reason: unknown) => {
        // Destroyed within the second: the call asked for is still made, unawaited (a sign-out must reach the store).
        this.#resume = undefined
        void this.#land()
        throw reason
      },
    )
    return this.#resume
  }

  #bringUpNow(ms?: number, lasting?: boolean): Promise<void> {
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
    this.#busy++
    const shared = atOnce ? this.#land() : (this.#next as Promise<unknown>)
    return this.call(operation, () => shared, ms, lasting).then(
      () => {
        this.#busy--
      },
      (error: unknown) => {
        this.#busy--
        throw error
      },
    )
  }

  /** A write or delete failed: the next waits a second. Marked before `storeFailed` is heard. */
  failed(): void {
    this.#retryAt = monotonicNow() + 1_000
  }
}
