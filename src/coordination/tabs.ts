import type { Coordinator, CoordinatorLink } from '../coordinator.js'
import { assertOnlyKnownKeys, assertOptionalDuration, assertOptionalString } from '../invalid-argument.js'
import type { Tokens } from '../strategy.js'
import { openTabChannel, type TabChannel, type TabChannelKind, tabChannelKind } from './tab-channel.js'
import { tabFingerprint } from './tab-fingerprint.js'
import { openTabLock, type TabLock, type TabLockKind, tabLockKind } from './tab-lock.js'
import type { TabMessage } from './tab-message.js'
import { storageLockTiming } from './tab-storage-lock.js'
import { eventHost } from './tab-storage.js'
import { createNoticeWaiter } from './wake-on-notice.js'

export type { TabChannelKind } from './tab-channel.js'
export type { TabLockKind } from './tab-lock.js'

/** Options of {@link tabCoordinator}. */
export interface TabCoordinatorOptions {
  /** Names the lock and the channel; tabs with the same name share refreshes. @default 'tokenflight' */
  name?: string | undefined
  /** How long a tab that got the lock waits for news of a refresh another tab announced. @default 2000 */
  graceMs?: number | undefined
}

const known = { name: true, graceMs: true } satisfies Record<keyof TabCoordinatorOptions, true>

/** What a {@link TabCoordinator} uses in this context, best first. */
export interface TabMechanism {
  /** `web-locks` (secure contexts), `storage` (a localStorage lock holding no token), or `none`. */
  readonly lock: TabLockKind
  /** `broadcast-channel`, `storage-event` (a value written and removed at once), or `none`. */
  readonly channel: TabChannelKind
}

/** A {@link Coordinator} for the tabs of one origin that says which mechanism it uses. */
export interface TabCoordinator<T extends Tokens = Tokens> extends Coordinator<T> {
  /** The lock and channel in use here, decided when the coordinator is created. */
  readonly mechanism: TabMechanism
}

const REMEMBERED = 32

function remember(set: Set<string>, fingerprint: string): void {
  set.add(fingerprint)
  if (set.size > REMEMBERED) set.delete(set.values().next().value as string)
}

/**
 * One refresh for every tab of the origin. A lock lets one tab refresh at a time: Web Locks where
 * they exist, else a localStorage lock of owner ids that stores no token (insecure contexts,
 * Safari < 15.4, Firefox < 96). The new tokens reach the other tabs on a BroadcastChannel, else
 * through `storage` events of a value written and removed at once. The lock holder announces
 * `refreshing` first, so a tab that gets the lock next waits for that outcome instead of spending
 * the same refresh token. `mechanism` says what this context got; a context with no lock emits
 * `coordinationDegraded` at its first refresh.
 *
 * @example
 * const coordinator = tabCoordinator()
 * const session = createSession({ strategy, tokens, coordinator })
 * if (coordinator.mechanism.lock === 'none') showNotice('each tab refreshes on its own here')
 */
export function tabCoordinator<T extends Tokens = Tokens>(options: TabCoordinatorOptions = {}): TabCoordinator<T> {
  assertOnlyKnownKeys('tabCoordinator', options, known)
  assertOptionalString('name', options.name)
  assertOptionalDuration('graceMs', options.graceMs, 0)
  const name = options.name ?? 'tokenflight'
  const graceMs = options.graceMs ?? 2_000
  const mechanism: TabMechanism = { lock: tabLockKind(), channel: tabChannelKind() }
  const notices = createNoticeWaiter()
  const announced = new Set<string>() // fingerprints of stale tokens another tab said it is replacing
  const replaced = new Set<string>() // … that another tab did replace
  let latest: T | undefined
  // Until attached: a channel that posts nowhere and no lock.
  let channel: TabChannel<T> = { kind: 'none', post() {}, close() {} }
  let lock: TabLock = { kind: 'none', run: (fn) => fn(false), close() {} }
  let link: CoordinatorLink<T> | undefined
  let warned = false
  let refreshing: string | undefined // the fingerprint this tab is refreshing now
  let running = 0 // refreshes in this coordinator, waiting for the lock included
  let detached: (() => void) | undefined // closes channel and lock once `running` is 0

  function hear(message: TabMessage<T>): void {
    if (message.type === 'refreshing') remember(announced, message.stale)
    else if (message.type === 'failed') announced.delete(message.stale)
    else {
      latest = message.tokens
      if (message.replaces) remember(replaced, message.replaces)
      link?.adopt(message.tokens)
    }
    notices.wake()
  }

  const adopted = (stale: string): T | undefined => (replaced.has(stale) ? latest : undefined)

  // Waits (bounded) until a refresh another tab announced for `stale` has an outcome.
  async function outcome(stale: string): Promise<void> {
    const deadline = Date.now() + graceMs
    while (announced.has(stale) && !replaced.has(stale) && Date.now() < deadline) await notices.next(deadline - Date.now())
  }

  async function refreshHere(stale: string, work: () => Promise<T>, tookOver: boolean): Promise<T> {
    // The lock came from a dead holder: whatever it announced will never have an outcome.
    if (tookOver) announced.delete(stale)
    await outcome(stale)
    const already = adopted(stale)
    if (already) return already
    channel.post({ type: 'refreshing', stale })
    refreshing = stale
    try {
      const next = await work()
      channel.post({ type: 'tokens', replaces: stale, tokens: next })
      return next
    } catch (error) {
      channel.post({ type: 'failed', stale })
      throw error
    } finally {
      refreshing = undefined
    }
  }

  // A tab going away mid-refresh can deliver nothing: the others need not wait out the grace.
  const onPageHide = (): void => {
    if (refreshing) channel.post({ type: 'failed', stale: refreshing })
  }

  return {
    mechanism,
    attach(attached) {
      link = attached
      channel = openTabChannel<T>(name, hear)
      // Before the lock's own listener: the news goes out before the lock is freed.
      eventHost()?.addEventListener('pagehide', onPageHide)
      lock = openTabLock(name, notices)
      // A refresh still running when the session is destroyed finishes for the other tabs (the
      // session lets it): they need its tokens on the channel, and the lock held until then.
      detached = () => {
        eventHost()?.removeEventListener('pagehide', onPageHide)
        channel.close()
        lock.close()
      }
      return () => {
        if (running === 0) detached?.()
        else link = undefined
      }
    },
    async refresh(stale, work) {
      const fingerprint = tabFingerprint(stale.accessToken)
      if (lock.kind === 'none') {
        if (!warned && link) link.emit('coordinationDegraded', { error: new Error('No lock between tabs here (no Web Locks, no localStorage): refreshing alone') })
        warned = true
      }
      // A holder that cannot be seen dying keeps the lock no longer than a refresh may take.
      const holdMs = (link?.refreshDeadlineMs ?? 30_000) + storageLockTiming.ttlMs
      running++
      try {
        return await lock.run((tookOver) => refreshHere(fingerprint, work, tookOver), holdMs, () => adopted(fingerprint))
      } finally {
        if (--running === 0 && !link) detached?.()
      }
    },
    announce(tokens) {
      channel.post({ type: 'tokens', replaces: undefined, tokens })
    },
  }
}
