import type { Coordinator, CoordinatorLink } from '../coordinator.js'
import type { Tokens } from '../strategy.js'
import { openTabChannel, type TabChannel, type TabMessage } from './tab-channel.js'

/** Options of {@link tabCoordinator}. */
export interface TabCoordinatorOptions {
  /** Names the lock and the channel; tabs with the same name share refreshes. @default 'tokenflight' */
  name?: string | undefined
  /** How long a tab that got the lock waits for news of a refresh another tab announced. @default 2000 */
  graceMs?: number | undefined
}

const REMEMBERED = 32

/**
 * One refresh for every tab of the origin: Web Locks (`navigator.locks`) let one tab refresh at a
 * time; BroadcastChannel carries the new tokens, so the other tabs adopt them without calling.
 * The lock holder announces `refreshing` before its call, so a tab that gets the lock next and
 * has heard of that refresh waits for its outcome instead of spending the same refresh token.
 * Without Web Locks (very old browsers) each tab refreshes on its own.
 *
 * @example
 * const session = createSession({ strategy, tokens, coordinator: tabCoordinator() })
 */
export function tabCoordinator<T extends Tokens = Tokens>(options: TabCoordinatorOptions = {}): Coordinator<T> {
  const name = options.name ?? 'tokenflight'
  const graceMs = options.graceMs ?? 2_000
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks
  const announced = new Set<string>() // stale tokens another tab said it is replacing
  const replaced = new Set<string>() // stale tokens another tab did replace
  const wakers = new Set<() => void>()
  let latest: T | undefined
  let channel: TabChannel<T> | undefined

  const remember = (set: Set<string>, token: string): void => {
    set.add(token)
    if (set.size > REMEMBERED) set.delete(set.values().next().value as string)
  }

  function hear(link: CoordinatorLink<T>, message: TabMessage<T>): void {
    if (message.type === 'refreshing') remember(announced, message.stale)
    else if (message.type === 'failed') announced.delete(message.stale)
    else {
      latest = message.tokens
      if (message.replaces) remember(replaced, message.replaces)
      link.adopt(message.tokens)
    }
    for (const wake of wakers) wake()
  }

  // Waits (bounded) until a refresh another tab announced for `stale` has an outcome.
  async function outcome(stale: string): Promise<void> {
    const deadline = Date.now() + graceMs
    while (announced.has(stale) && !replaced.has(stale) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        wakers.add(resolve)
        setTimeout(resolve, deadline - Date.now())
      })
    }
    wakers.clear()
  }

  async function refreshHere(stale: T, work: () => Promise<T>): Promise<T> {
    await outcome(stale.accessToken)
    if (replaced.has(stale.accessToken) && latest) return latest
    channel?.post({ type: 'refreshing', stale: stale.accessToken })
    try {
      const next = await work()
      channel?.post({ type: 'tokens', replaces: stale.accessToken, tokens: next })
      return next
    } catch (error) {
      channel?.post({ type: 'failed', stale: stale.accessToken })
      throw error
    }
  }

  return {
    attach(link) {
      channel = openTabChannel<T>(name, (message) => hear(link, message))
      return () => channel?.close()
    },
    async refresh(stale, work) {
      if (!locks) return work()
      return await locks.request(`${name}:refresh`, () => refreshHere(stale, work))
    },
    announce(tokens) {
      channel?.post({ type: 'tokens', replaces: undefined, tokens })
    },
  }
}
