import type { Coordinator, CoordinatorLink } from '../coordinator.js'
import { assertOnlyKnownKeys, assertOptionalDuration, assertOptionalString } from '../invalid-argument.js'
import type { Tokens } from '../strategy.js'
import { openTabChannel, type TabChannel, type TabChannelKind, tabChannelKind } from './tab-channel.js'
import { tabFingerprint } from './tab-fingerprint.js'
import { openTabLock, type TabLock, type TabLockKind, tabLockKind } from './tab-lock.js'
import { createTabNews, type TabNews } from './tab-news.js'
import { storageLockTiming } from './tab-storage-lock.js'
import { eventHost } from './tab-storage.js'
import { createNoticeWaiter, type NoticeWaiter } from './wake-on-notice.js'

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

// One coordinator's state, shared by the functions below.
interface TabState<T extends Tokens> {
  readonly name: string
  readonly notices: NoticeWaiter
  readonly news: TabNews<T>
  channel: TabChannel<T>
  lock: TabLock
  link: CoordinatorLink<T> | undefined
  warned: boolean
  refreshing: string | undefined // the fingerprint this tab is refreshing now
  running: number // refreshes in this coordinator, waiting for the lock included
  detached: (() => void) | undefined // closes channel and lock once `running` is 0
}

async function refreshHere<T extends Tokens>(state: TabState<T>, stale: string, work: () => Promise<T>, tookOver: boolean): Promise<T> {
  // The lock came from a dead holder: whatever it announced will never have an outcome.
  if (tookOver) state.news.forget(stale)
  await state.news.outcome(stale)
  const already = state.news.adopted(stale)
  if (already) return already
  state.channel.post({ type: 'refreshing', stale })
  state.refreshing = stale
  try {
    const next = await work()
    state.channel.post({ type: 'tokens', replaces: stale, tokens: next })
    return next
  } catch (error) {
    state.channel.post({ type: 'failed', stale })
    throw error
  } finally {
    state.refreshing = undefined
  }
}

function attach<T extends Tokens>(state: TabState<T>, link: CoordinatorLink<T>): () => void {
  state.link = link
  state.channel = openTabChannel<T>(state.name, (message) => state.news.hear(message, (tokens) => state.link?.adopt(tokens)))
  // A tab going away mid-refresh can deliver nothing: the others need not wait out the grace.
  // Registered before the lock's own listener, so the news goes out before the lock is freed.
  const onPageHide = (): void => {
    if (state.refreshing) state.channel.post({ type: 'failed', stale: state.refreshing })
  }
  eventHost()?.addEventListener('pagehide', onPageHide)
  state.lock = openTabLock(state.name, state.notices)
  // A refresh still running when the session is destroyed finishes for the other tabs (the
  // session lets it): they need its tokens on the channel, and the lock held until then.
  state.detached = () => {
    eventHost()?.removeEventListener('pagehide', onPageHide)
    state.channel.close()
    state.lock.close()
  }
  return () => {
    if (state.running === 0) state.detached?.()
    else state.link = undefined
  }
}

async function refreshUnderLock<T extends Tokens>(state: TabState<T>, stale: T, work: () => Promise<T>): Promise<T> {
  const fingerprint = tabFingerprint(stale.accessToken)
  if (state.lock.kind === 'none' && !state.warned && state.link) {
    state.warned = true
    state.link.emit('coordinationDegraded', { error: new Error('No lock between tabs here (no Web Locks, no localStorage): refreshing alone') })
  }
  // A holder that cannot be seen dying keeps the lock no longer than a refresh may take.
  const holdMs = (state.link?.refreshDeadlineMs ?? 30_000) + storageLockTiming.ttlMs
  state.running++
  try {
    return await state.lock.run((tookOver) => refreshHere(state, fingerprint, work, tookOver), holdMs, () => state.news.adopted(fingerprint))
  } finally {
    if (--state.running === 0 && !state.link) state.detached?.()
  }
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
  const notices = createNoticeWaiter()
  const state: TabState<T> = {
    name: options.name ?? 'tokenflight',
    notices,
    news: createTabNews<T>(options.graceMs ?? 2_000, notices),
    // Until attached: a channel that posts nowhere and no lock.
    channel: { kind: 'none', post() {}, close() {} },
    lock: { kind: 'none', run: (fn) => fn(false), close() {} },
    link: undefined,
    warned: false,
    refreshing: undefined,
    running: 0,
    detached: undefined,
  }
  return {
    mechanism: { lock: tabLockKind(), channel: tabChannelKind() },
    attach: (link) => attach(state, link),
    refresh: (stale, work) => refreshUnderLock(state, stale, work),
    announce(tokens) {
      state.channel.post({ type: 'tokens', replaces: undefined, tokens })
    },
  }
}
