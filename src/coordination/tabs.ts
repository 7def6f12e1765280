import { type Coordinator, type CoordinatorLink, coordinatedRunMs } from '../coordinator.js'
import { assertOptionalDuration, assertOptionalObject, assertOptionalString, knownOptions } from '../invalid-argument.js'
import type { Tokens } from '../strategy.js'
import { openTabChannel, type TabChannel, type TabChannelKind, tabChannelKind } from './tab-channel.js'
import { tabFingerprint } from './tab-fingerprint.js'
import { noTabLock, openTabLock, type TabLock, type TabLockKind, tabLockKind } from './tab-lock.js'
import type { TabMessage } from './tab-message.js'
import { createTabNews, type TabNews } from './tab-news.js'
import { storageLockTiming } from './tab-storage-lock.js'
import { listenGlobally } from './tab-storage.js'
import { saidOnce } from './said-once.js'
import { createNoticeWaiter, type NoticeWaiter } from './wake-on-notice.js'

export type { TabChannelKind } from './tab-channel.js'
export type { TabLockKind } from './tab-lock.js'

/** Options of {@link tabCoordinator}. */
export interface TabCoordinatorOptions {
  /** Names the lock and the channel; tabs with the same name share refreshes. @default 'tokenflight' */
  name?: string | undefined
  /** How long a tab that got the lock (or, without one, yielded to another tab's claim) waits for news of a refresh another tab announced. @default 2000 */
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
  /** The lock and channel in use here: foreseen when the coordinator is created, then what its session opened; a lock or channel the browser refuses gives way to the next at its first refusal (said with `coordinationDegraded`). */
  readonly mechanism: TabMechanism
}

/**
 * One refresh for every tab of the origin. A lock lets one tab refresh at a time: Web Locks where
 * they exist, else a localStorage lock of owner ids that stores no token (insecure contexts,
 * Safari < 15.4, Firefox < 96). The new tokens reach the other tabs on a BroadcastChannel, else
 * through `storage` events of a value written and removed at once. The lock holder announces
 * `refreshing` first, so a tab that gets the lock next waits for that outcome instead of spending
 * the same refresh token. Without a lock, a tab claims a refresh on the channel first and the
 * lowest of the claims made at the same moment refreshes. `mechanism` says what this context got;
 * a context with no lock, or no channel (the next lock holder then cannot hear the outcome), emits
 * `coordinationDegraded` at its first refresh.
 *
 * @example
 * const coordinator = tabCoordinator()
 * const session = createSession({ strategy, tokens, coordinator })
 * if (coordinator.mechanism.lock === 'none') showNotice('each tab refreshes on its own here')
 */
export function tabCoordinator<T extends Tokens = Tokens>(given: TabCoordinatorOptions = {}): TabCoordinator<T> {
  assertOptionalObject('tabCoordinator options', given)
  const options = knownOptions('tabCoordinator', given ?? {}, known)
  assertOptionalString('name', options.name)
  assertOptionalDuration('graceMs', options.graceMs, 0)
  const notices = createNoticeWaiter()
  const news = createTabNews<T>(options.graceMs ?? 2_000, notices)
  const predicted: TabMechanism = { lock: tabLockKind(), channel: tabChannelKind() }
  // Until attached: a channel that posts nowhere and no lock.
  let opened: OpenedTabs<T> | undefined
  const channel = (): TabChannel<T> => opened?.channel ?? { kind: 'none', post() {}, close() {} }
  let link: CoordinatorLink<T> | undefined
  let running = 0 // refreshes here, waiting for the lock included
  // Each way this context falls short of coordinating, said once; what comes while no refresh
  // runs (as a session attaches, its listeners not added yet) is said at the next refresh.
  const degraded = saidOnce(
    () => running > 0 && link !== undefined,
    (error) => link?.emit('coordinationDegraded', { error }),
  )
  const post = (message: TabMessage<T>): void => channel().post(message)
  return {
    mechanism: liveMechanism(predicted, () => opened),
    attach(attached) {
      link = attached
      const tabs = openTabs(options.name ?? 'tokenflight', news, notices, () => link, degraded.report)
      opened = tabs
      // What this context lacks, said at the first refresh; a refusal later says so itself.
      const shortOf = shortfall(tabs.lock.kind, tabs.channel.kind)
      if (shortOf) degraded.report(new Error(shortOf))
      // A refresh running when the session is destroyed finishes for the other tabs (the session
      // lets it): they need its tokens on the channel, and the lock held until then.
      return () => {
        if (running === 0) tabs.close()
        else link = undefined
      }
    },
    async refresh(stale, work) {
      const fingerprint = tabFingerprint(stale.accessToken)
      running++
      const lock = opened?.lock ?? noTabLock
      degraded.flush()
      // A holder that cannot be seen dying keeps the lock no longer than a coordinated refresh may run.
      const holdMs = coordinatedRunMs(link?.refreshDeadlineMs ?? 30_000) + storageLockTiming.ttlMs
      try {
        // The refresh stands unless the session was signed in or out meanwhile (a destroyed one's still serves the others).
        const stands = (): boolean => !link?.current || link.current()?.accessToken === stale.accessToken
        return await lock.run((turn) => news.refresh(fingerprint, () => work(turn.held), turn, post, stands), holdMs, () => news.adopted(fingerprint))
      } finally {
        if (--running === 0 && !link) opened?.close()
      }
    },
    announce: (tokens) => post({ type: 'tokens', replaces: undefined, tokens }),
  }
}

// What is in use once attached: a lock or channel the browser refuses gives way to the next.
function liveMechanism(predicted: TabMechanism, opened: () => { lock: { kind: TabLockKind }; channel: { kind: TabChannelKind } } | undefined): TabMechanism {
  return {
    get lock() {
      return opened()?.lock.kind ?? predicted.lock
    },
    get channel() {
      return opened()?.channel.kind ?? predicted.channel
    },
  }
}

// What a context without a lock or a channel cannot do, or `undefined` when it has both.
function shortfall(lock: TabLockKind, channel: TabChannelKind): string | undefined {
  if (lock === 'none') {
    return channel === 'none' ? 'No lock and no channel between tabs here: each tab refreshes on its own' : 'No lock between tabs here: tabs refreshing at the same moment agree on one over the channel'
  }
  // A lock without news: the next holder cannot learn what this refresh got, and refreshes too.
  if (channel === 'none') return 'No channel between tabs here (no BroadcastChannel, no localStorage that keeps a value): each tab refreshes on its own'
  return undefined
}

// The channel and lock of an attached session, and how to close them.
interface OpenedTabs<T extends Tokens> {
  channel: TabChannel<T>
  lock: TabLock
  close(): void
}

// Opens the channel and the lock for a session that attached; `linked` is it until destroyed.
function openTabs<T extends Tokens>(
  name: string,
  news: TabNews<T>,
  notices: NoticeWaiter,
  linked: () => CoordinatorLink<T> | undefined,
  degraded: (error: Error) => void,
): OpenedTabs<T> {
  const hear = (message: TabMessage<T>): void => {
    // Another tab just started: it gets the tokens this one holds (it may have spent ones),
    // unless this one just started too (its own, rendered into the page, may be spent).
    if (message.type !== 'ask') {
      news.hear(message, (tokens) => linked()?.adopt(tokens))
      return
    }
    const tokens = linked()?.current?.()
    if (tokens && !news.asking) channel.post({ type: 'tokens', replaces: undefined, tokens })
  }
  const channel: TabChannel<T> = openTabChannel<T>(name, hear, degraded)
  // Without a channel no answer can come: the first refresh does not wait for one.
  if (channel.kind !== 'none') {
    news.asked()
    channel.post({ type: 'ask' })
  }
  // A tab going away mid-refresh can deliver nothing: the others need not wait out the grace.
  const onPageHide = (): void => {
    if (news.refreshing) channel.post({ type: 'failed', stale: news.refreshing })
  }
  const stopHearingPageHide = listenGlobally('pagehide', onPageHide) // before the lock's: news out, then the lock freed
  const lock = openTabLock(name, notices, degraded)
  return {
    channel,
    lock,
    close() {
      stopHearingPageHide()
      channel.close()
      lock.close()
    },
  }
}
