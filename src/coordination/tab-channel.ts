import type { Tokens } from '../strategy.js'
import { readTabMessage, type TabMessage } from './tab-message.js'
import { keepsWrites, onStorageKey, usableLocalStorage } from './tab-storage.js'

export type { TabMessage } from './tab-message.js'

/** How news reaches the other tabs: `BroadcastChannel`, the `storage` event, or not at all. */
export type TabChannelKind = 'broadcast-channel' | 'storage-event' | 'none'

/** Posts to and hears from the other tabs. */
export interface TabChannel<T> {
  readonly kind: TabChannelKind
  post(message: TabMessage<T>): void
  close(): void
}

interface BroadcastLike {
  onmessage: ((event: { data: unknown }) => void) | null
  postMessage(message: unknown): void
  close(): void
}

/** Which channel {@link openTabChannel} would open here. */
export function tabChannelKind(): TabChannelKind {
  if (typeof (globalThis as { BroadcastChannel?: unknown }).BroadcastChannel === 'function') return 'broadcast-channel'
  return usableLocalStorage() ? 'storage-event' : 'none'
}

/**
 * BroadcastChannel where there is one; else the `storage` event of localStorage (Safari 14, old
 * Firefox) where it keeps what is written; else nothing (a single context needs no channel).
 * Whatever arrives is checked first; `lost` hears of news localStorage did not keep (full).
 */
export function openTabChannel<T extends Tokens>(name: string, hear: (message: TabMessage<T>) => void, lost: (error: Error) => void): TabChannel<T> {
  const kind = tabChannelKind()
  const deliver = (data: unknown): void => {
    const message = readTabMessage<T>(data)
    if (message) hear(message)
  }
  const storage = usableLocalStorage()
  const key = `${name}:message`
  const remove = (): void => {
    try {
      storage?.removeItem(key)
    } catch {
      // Blocked storage: there was nothing to remove either.
    }
  }
  // Earlier versions left messages (tokens) at this key: nothing may rest there.
  remove()
  const broadcast = kind === 'broadcast-channel' ? openBroadcast<T>(name, deliver) : undefined
  if (broadcast) return broadcast
  // Storage that drops writes silently (blocked, some private modes) carries no news either.
  if (!storage || !keepsWrites(storage, `${name}:probe`)) return { kind: 'none', post() {}, close() {} }
  const stop = onStorageKey(key, (value) => {
    if (value === null) return
    try {
      deliver(JSON.parse(value))
    } catch {
      // Not JSON: someone else's value, ignored.
    }
  })
  return {
    kind: 'storage-event',
    post(message) {
      // Written and removed in the same task: the other tabs' `storage` events still carry the
      // value, and it never rests in storage (see docs/scaling.md for what remains).
      let kept = false
      try {
        const value = JSON.stringify(message)
        storage.setItem(key, value)
        kept = storage.getItem(key) === value
      } catch {
        // Storage full or blocked: said below.
      }
      remove()
      if (!kept) lost(new Error('localStorage did not keep the news for the other tabs (full or blocked): they may refresh on their own'))
    },
    close: stop,
  }
}

// A BroadcastChannel, or `undefined` where constructing one throws (blocked by a page's policy,
// replaced by page code): the storage event serves instead.
function openBroadcast<T extends Tokens>(name: string, deliver: (data: unknown) => void): TabChannel<T> | undefined {
  let channel: BroadcastLike
  try {
    channel = new (globalThis as unknown as { BroadcastChannel: new (name: string) => BroadcastLike }).BroadcastChannel(name)
    channel.onmessage = (event) => deliver(event.data)
  } catch {
    return undefined
  }
  const post = (message: TabMessage<T>): void => {
    try {
      channel.postMessage(message)
    } catch {
      // Tokens that cannot be cloned (a function in them): this tab keeps them; the news is lost.
    }
  }
  return { kind: 'broadcast-channel', post, close: () => channel.close() }
}
