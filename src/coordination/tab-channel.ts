import type { Tokens } from '../strategy.js'
import { readTabMessage, type TabMessage } from './tab-message.js'
import { keepsWrites, onStorageKey, type TabStorage, usableLocalStorage } from './tab-storage.js'

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
 * A BroadcastChannel that refuses a message gives way to the storage event for good, so every tab
 * hears that too. Whatever arrives is checked first; `lost` hears of news that could not be sent.
 */
export function openTabChannel<T extends Tokens>(name: string, hear: (message: TabMessage<T>) => void, lost: (error: Error) => void): TabChannel<T> {
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
  const stopHearing = storage
    ? onStorageKey(key, (value) => {
        if (value === null) return
        try {
          deliver(JSON.parse(value))
        } catch {
          // Not JSON: someone else's value, ignored.
        }
      })
    : () => {}
  // Storage that drops writes silently (blocked, some private modes) carries no news either.
  const viaStorage = (): TabChannel<T> => (storage && keepsWrites(storage, `${name}:probe`) ? storageChannel(storage, key, remove, lost) : noChannel)
  const broadcast = tabChannelKind() === 'broadcast-channel' ? openBroadcast(name, deliver) : undefined
  let instead: TabChannel<T> | undefined = broadcast ? undefined : viaStorage()
  return {
    get kind() {
      return instead ? instead.kind : 'broadcast-channel'
    },
    post(message) {
      if (!instead && broadcast?.tryPost(message)) return
      if (!instead) {
        instead = viaStorage()
        const then = instead.kind === 'none' ? 'each tab refreshes on its own' : 'news goes through localStorage instead'
        lost(new Error(`BroadcastChannel refused a message: ${then}`))
      }
      instead.post(message)
    },
    close() {
      stopHearing()
      broadcast?.close()
    },
  }
}

const noChannel: TabChannel<never> = { kind: 'none', post() {}, close() {} }

// Posts through the `storage` event: written and removed in the same task.
function storageChannel<T>(storage: TabStorage, key: string, remove: () => void, lost: (error: Error) => void): TabChannel<T> {
  return {
    kind: 'storage-event',
    post(message) {
      // The other tabs' `storage` events still carry the value, and it never rests in storage
      // (see docs/scaling.md for what remains).
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
    close() {},
  }
}

interface BroadcastPoster {
  readonly kind: 'broadcast-channel'
  tryPost(message: unknown): boolean
  close(): void
}

// A BroadcastChannel, or `undefined` where constructing one throws (blocked by a page's policy,
// replaced by page code): the storage event serves instead.
function openBroadcast(name: string, deliver: (data: unknown) => void): BroadcastPoster | undefined {
  let channel: BroadcastLike
  try {
    channel = new (globalThis as unknown as { BroadcastChannel: new (name: string) => BroadcastLike }).BroadcastChannel(name)
    channel.onmessage = (event) => deliver(event.data)
  } catch {
    return undefined
  }
  const tryPost = (message: unknown): boolean => {
    try {
      channel.postMessage(message)
      return true
    } catch {
      return false // closed, replaced by page code, or a message it cannot clone
    }
  }
  return { kind: 'broadcast-channel', tryPost, close: () => channel.close() }
}
