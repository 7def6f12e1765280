import type { Tokens } from '../strategy.js'
import { readTabMessage, type TabMessage } from './tab-message.js'
import { broadcastChannel, openBroadcast, PROBE_MS } from './tab-broadcast.js'
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

/** Which channel {@link openTabChannel} would open here. */
export function tabChannelKind(): TabChannelKind {
  if (broadcastChannel()) return 'broadcast-channel'
  return usableLocalStorage() ? 'storage-event' : 'none'
}

/**
 * BroadcastChannel where there is one; else the `storage` event of localStorage (Safari 14, old
 * Firefox) where it keeps what is written; else nothing (a single context needs no channel).
 * A BroadcastChannel is confirmed by use: until a probe it posts reaches a second channel of the
 * name, news goes through the storage event as well, and a channel that refuses a message, or
 * delivers no probe within {@link PROBE_MS}, gives way to the storage event for good. Every tab
 * hears both. Whatever arrives is checked first; `lost` hears of news that could not be sent.
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
  let instead: TabChannel<T> | undefined
  // One storage channel, made at its first use (storage that drops writes silently, blocked or in
  // some private modes, carries no news either): beside a BroadcastChannel not yet confirmed, whose
  // copy failing to store is not news, or in its place.
  let viaStorage: TabChannel<T> | undefined
  const storageNews = (): TabChannel<T> => {
    viaStorage ??= storage && keepsWrites(storage, `${name}:probe`) ? storageChannel(storage, key, remove, (error) => instead && lost(error)) : noChannel
    return viaStorage
  }
  const giveWay = (why: string): TabChannel<T> => {
    if (instead) return instead
    instead = storageNews()
    lost(new Error(`BroadcastChannel ${why}: ${instead.kind === 'none' ? 'each tab refreshes on its own' : 'news goes through localStorage instead'}`))
    return instead
  }
  const broadcast = tabChannelKind() === 'broadcast-channel' ? openBroadcast(name, deliver, () => giveWay(`delivered nothing within ${PROBE_MS} ms`)) : undefined
  if (!broadcast) instead = storageNews()
  return {
    get kind() {
      return instead ? instead.kind : 'broadcast-channel'
    },
    post(message) {
      if (!instead && broadcast?.tryPost(message)) {
        if (!broadcast.confirmed) storageNews().post(message)
        return
      }
      ;(instead ?? giveWay('refused a message')).post(message)
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
