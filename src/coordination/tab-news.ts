import { RefreshError } from '../errors/index.js'
import type { Tokens } from '../strategy.js'
import { tabFingerprint } from './tab-fingerprint.js'
import type { LockTurn } from './tab-lock.js'
import type { TabMessage } from './tab-message.js'
import type { NoticeWaiter } from './wake-on-notice.js'
import { monotonicNow } from '../monotonic.js'
import { REMEMBERED, remember, rememberWhen } from './remembered.js'

const MIN_REANNOUNCED_GRACE_MS = 100
// How long a tab that asked the others for their tokens waits for an answer (a lone tab: once).
const ANSWER_WAIT_MS = 150
// Without a lock: how long a tab that claimed a refresh listens for the claims of tabs that
// started at the same moment (many times a message's trip), and how long a claim heard counts.
export const CLAIM_WAIT_MS = 60

/** What a tab has heard of the other tabs' refreshes (by fingerprint of the stale token), and its own. */
export interface TabNews<T> {
  /** Records a message; tokens in it go to `adopt`. Wakes every waiter. */
  hear(message: TabMessage<T>, adopt: (tokens: T | undefined) => void): void
  /** The tokens another tab got in place of `stale`, if it did. */
  adopted(stale: string): T | undefined
  /**
   * Refreshes `stale` here unless another tab did or is doing it: waits for an outcome it heard
   * announced, for as long as the announcer keeps saying so, and `graceMs` past its last word
   * (none when the turn `tookOver`: the lock came from a dead holder that will never say), then
   * runs `work`, announcing it (again every `graceMs / 2`) and its outcome on `post`. An unlocked
   * turn claims the refresh first, and yields to a tab that claimed it at the same moment with a
   * lower id. Its tokens are announced only if `stands()` after it: a sign-in or sign-out made
   * meanwhile wins.
   */
  refresh(stale: string, work: () => Promise<T>, turn: LockTurn, post: (message: TabMessage<T>) => void, stands: () => boolean): Promise<T>
  /** The fingerprint this tab is refreshing now, if any. */
  readonly refreshing: string | undefined
  /** This tab has asked the others for their tokens: a refresh waits a moment for an answer first. */
  asked(): void
  /** Whether this tab still waits for an answer: its own tokens are not yet known to be current. */
  readonly asking: boolean
}

// What one tab heard of the others, by fingerprint of the stale token.
class HeardNews<T extends Tokens> implements TabNews<T> {
  readonly #announced = new Map<string, number>() // stale tokens another tab said it is replacing, and when it last said so
  readonly #replaced = new Set<string>() // … that another tab did replace
  readonly #refused = new Set<string>() // … whose refresh token the provider refused for good in another tab
  readonly #claims = new Map<string, Array<{ id: string; at: number }>>() // … the claims other tabs made lately
  #latest: T | undefined
  #refreshing: string | undefined
  #answerBy = 0 // until when a refresh waits for the others' tokens (the tab asked)

  constructor(
    private readonly graceMs: number,
    private readonly notices: NoticeWaiter,
  ) {}

  get refreshing(): string | undefined {
    return this.#refreshing
  }

  get asking(): boolean {
    return monotonicNow() < this.#answerBy
  }

  asked(): void {
    this.#answerBy = monotonicNow() + ANSWER_WAIT_MS
  }

  adopted(stale: string): T | undefined {
    const latest = this.#latest // the same access token (a refresh token rotated beside it) answers no later refresh
    return latest && this.#replaced.has(stale) && tabFingerprint(latest.accessToken) !== stale ? latest : undefined
  }

  hear(message: TabMessage<T>, adopt: (tokens: T | undefined) => void): void {
    if (message.type === 'claim') this.#heardClaim(message.stale, message.id)
    else if (message.type === 'refreshing') rememberWhen(this.#announced, message.stale)
    else if (message.type === 'failed') {
      this.#announced.delete(message.stale)
      this.#claims.delete(message.stale)
      if (message.terminal) remember(this.#refused, message.stale)
    } else if (message.type === 'tokens') {
      this.#answerBy = 0 // any tokens news answers the question
      if (message.replaces) remember(this.#replaced, message.replaces)
      // Tokens this tab heard were replaced come from a tab that has not heard it yet (a late answer),
      // unless they replace their own access token (a rotated refresh token beside the same one).
      const fingerprint = message.tokens ? tabFingerprint(message.tokens.accessToken) : undefined
      const late = fingerprint !== undefined && fingerprint !== message.replaces && this.#replaced.has(fingerprint)
      if (!late) {
        this.#latest = message.tokens
        adopt(message.tokens)
      }
    }
    this.notices.wake()
  }

  // A refresh slower than the grace is still waited for while its tab says it runs (a lock cleared under it must
  // not let a second tab spend the token), and a grace from a lock's grant: the grant may come before the news its
  // holder posted, after it said nothing for longer (its page busy) or nothing at all (`afterAnother`).
  async #outcome(stale: string, grantedAt = 0, afterAnother = false): Promise<void> {
    for (;;) {
      const said = this.#announced.get(stale)
      const deadline = Math.max(said ?? 0, grantedAt) + this.graceMs
      if ((said === undefined && !afterAnother) || this.#replaced.has(stale) || this.#refused.has(stale) || monotonicNow() >= deadline) return
      await this.notices.next(deadline - monotonicNow())
    }
  }

  // How long a claim heard counts: until its tab announces (or fails), a grace at most, and never
  // less than a few claim windows (a grace of 0 must not let a second tab claim mid-refresh).
  get #claimLiveMs(): number {
    return Math.max(4 * CLAIM_WAIT_MS, this.graceMs)
  }

  #heardClaim(stale: string, id: string): void {
    const recent = this.#claimsSince(stale, monotonicNow() - this.#claimLiveMs)
    this.#claims.delete(stale) // re-inserted: the newest is the last to be forgotten
    this.#claims.set(stale, [...recent, { id, at: monotonicNow() }])
    if (this.#claims.size > REMEMBERED) this.#claims.delete(this.#claims.keys().next().value as string)
  }

  // The claims of `stale` other tabs made since `since`.
  #claimsSince(stale: string, since: number): Array<{ id: string; at: number }> {
    return (this.#claims.get(stale) ?? []).filter((claim) => claim.at >= since)
  }

  // Without a lock: yields to a tab whose claim of `stale` still counts; else claims it, listens
  // for a moment, and refreshes unless a tab that claimed it meanwhile has a lower id. A window
  // that ran late (a throttled background tab) is claimed again rather than decided. Returns once
  // this tab is the one to refresh, or the outcome is known (adopted or refused).
  async #claim(stale: string, post: (message: TabMessage<T>) => void): Promise<void> {
    for (;;) {
      await this.#outcome(stale)
      if (this.adopted(stale) || this.#refused.has(stale)) return
      const since = monotonicNow()
      if (this.#claimsSince(stale, since - this.#claimLiveMs).length === 0) {
        const id = `${Math.random().toString(36).slice(2)}.${since}`
        post({ type: 'claim', stale, id })
        const until = since + CLAIM_WAIT_MS
        while (monotonicNow() < until) await this.notices.next(until - monotonicNow())
        const late = monotonicNow() > until + CLAIM_WAIT_MS
        const rivals = this.#claimsSince(stale, since)
        if (!late && rivals.every((other) => other.id > id)) return
        if (late && rivals.length === 0) continue
      }
      // Another tab claimed it: its outcome is waited for as if it had announced it (at least a
      // window: a grace of 0 must not spin).
      rememberWhen(this.#announced, stale)
      await this.notices.next(CLAIM_WAIT_MS)
    }
  }

  async refresh(stale: string, work: () => Promise<T>, turn: LockTurn, post: (message: TabMessage<T>) => void, stands: () => boolean): Promise<T> {
    // A tab that just started may hold tokens another tab has spent: their answer comes first.
    while (monotonicNow() < this.#answerBy) await this.notices.next(this.#answerBy - monotonicNow())
    if (turn.tookOver) this.#announced.delete(stale)
    await (turn.unlocked ? this.#claim(stale, post) : this.#outcome(stale, monotonicNow(), turn.afterAnother))
    const already = this.adopted(stale)
    if (already) return already
    // Presented again, a refused refresh token is one more reuse detection at the provider.
    if (this.#refused.has(stale)) throw new RefreshError('The provider already refused this refresh token (another tab presented it): sign in again', { transient: false })
    post({ type: 'refreshing', stale })
    // A grace too short to span a message's trip is not kept alive: no flood of news for it.
    const stillRefreshing = this.graceMs >= MIN_REANNOUNCED_GRACE_MS ? setInterval(() => post({ type: 'refreshing', stale }), this.graceMs / 2) : undefined
    this.#refreshing = stale
    try {
      const next = await work()
      // Overtaken by a sign-in or sign-out in some tab: the session drops these tokens, and so
      // must the others; they are released as after a failure.
      if (!stands()) {
        post({ type: 'failed', stale })
        return next
      }
      // As the others will: a late answer carrying `stale` is ignored here too.
      remember(this.#replaced, stale)
      this.#latest = next
      post({ type: 'tokens', replaces: stale, tokens: next })
      return next
    } catch (error) {
      post({ type: 'failed', stale, terminal: (error instanceof RefreshError && !error.transient && error.tokensRefused) || undefined })
      throw error
    } finally {
      clearInterval(stillRefreshing)
      this.#refreshing = undefined
    }
  }
}

/** Creates the {@link TabNews} of one coordinator; `notices` wakes its waiters. */
export function createTabNews<T extends Tokens>(graceMs: number, notices: NoticeWaiter): TabNews<T> {
  return new HeardNews<T>(graceMs, notices)
}
