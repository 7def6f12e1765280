import { RefreshError } from '../errors/index.js'
import type { Tokens } from '../strategy.js'
import { tabFingerprint } from './tab-fingerprint.js'
import type { TabMessage } from './tab-message.js'
import type { NoticeWaiter } from './wake-on-notice.js'

const REMEMBERED = 32
const MIN_REANNOUNCED_GRACE_MS = 100
// How long a tab that asked the others for their tokens waits for an answer before refreshing what
// it has: one message's trip, and only once, when nobody answers (a lone tab).
const ANSWER_WAIT_MS = 150

function remember(set: Set<string>, fingerprint: string): void {
  set.add(fingerprint)
  if (set.size > REMEMBERED) set.delete(set.values().next().value as string)
}

function rememberWhen(map: Map<string, number>, fingerprint: string): void {
  map.delete(fingerprint) // re-inserted: the newest is the last to be forgotten
  map.set(fingerprint, Date.now())
  if (map.size > REMEMBERED) map.delete(map.keys().next().value as string)
}

/** What a tab has heard of the other tabs' refreshes (by fingerprint of the stale token), and its own. */
export interface TabNews<T> {
  /** Records a message; tokens in it go to `adopt`. Wakes every waiter. */
  hear(message: TabMessage<T>, adopt: (tokens: T | undefined) => void): void
  /** The tokens another tab got in place of `stale`, if it did. */
  adopted(stale: string): T | undefined
  /**
   * Refreshes `stale` here unless another tab did or is doing it: waits for an outcome it heard
   * announced, for as long as the announcer keeps saying so, and `graceMs` past its last word
   * (none when `tookOver`: the lock came from a dead holder that will never say), then runs
   * `work`, announcing it (again every `graceMs / 2`) and its outcome on `post`. Its tokens are
   * announced only if `stands()` after it: a sign-in or sign-out made meanwhile wins.
   */
  refresh(stale: string, work: () => Promise<T>, tookOver: boolean, post: (message: TabMessage<T>) => void, stands: () => boolean): Promise<T>
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
    return Date.now() < this.#answerBy
  }

  asked(): void {
    this.#answerBy = Date.now() + ANSWER_WAIT_MS
  }

  adopted(stale: string): T | undefined {
    return this.#replaced.has(stale) ? this.#latest : undefined
  }

  hear(message: TabMessage<T>, adopt: (tokens: T | undefined) => void): void {
    if (message.type === 'refreshing') rememberWhen(this.#announced, message.stale)
    else if (message.type === 'failed') {
      this.#announced.delete(message.stale)
      if (message.terminal) remember(this.#refused, message.stale)
    } else if (message.type === 'tokens') {
      this.#answerBy = 0 // any tokens news answers the question
      if (message.replaces) remember(this.#replaced, message.replaces)
      // Tokens this tab heard were replaced come from a tab that has not heard it yet (a late answer).
      const late = message.tokens ? this.#replaced.has(tabFingerprint(message.tokens.accessToken)) : false
      if (!late) {
        this.#latest = message.tokens
        adopt(message.tokens)
      }
    }
    this.notices.wake()
  }

  // A refresh slower than the grace is still waited for while its tab says it runs: a lock cleared
  // under its holder (another script's localStorage.clear()) must not let a second tab spend the token.
  async #outcome(stale: string): Promise<void> {
    for (;;) {
      const said = this.#announced.get(stale)
      const deadline = (said ?? 0) + this.graceMs
      if (said === undefined || this.#replaced.has(stale) || Date.now() >= deadline) return
      await this.notices.next(deadline - Date.now())
    }
  }

  async refresh(stale: string, work: () => Promise<T>, tookOver: boolean, post: (message: TabMessage<T>) => void, stands: () => boolean): Promise<T> {
    // A tab that just started may hold tokens another tab has spent: their answer comes first.
    while (Date.now() < this.#answerBy) await this.notices.next(this.#answerBy - Date.now())
    if (tookOver) this.#announced.delete(stale)
    await this.#outcome(stale)
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
      post({ type: 'failed', stale, terminal: (error instanceof RefreshError && !error.transient) || undefined })
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
