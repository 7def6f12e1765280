/** A message between tabs of the same origin. */
export type TabMessage<T> =
  | { type: 'refreshing'; stale: string }
  | { type: 'tokens'; replaces: string | undefined; tokens: T | undefined }
  | { type: 'failed'; stale: string }

/** Posts to and hears from the other tabs. */
export interface TabChannel<T> {
  post(message: TabMessage<T>): void
  close(): void
}

/**
 * BroadcastChannel where there is one; else the `storage` event of localStorage (older Safari);
 * else nothing (a single tab needs no channel).
 */
export function openTabChannel<T>(name: string, hear: (message: TabMessage<T>) => void): TabChannel<T> {
  if (typeof BroadcastChannel === 'function') {
    const channel = new BroadcastChannel(name)
    channel.onmessage = (event: MessageEvent<TabMessage<T>>) => hear(event.data)
    return { post: (message) => channel.postMessage(message), close: () => channel.close() }
  }
  const storage = (globalThis as { localStorage?: Storage }).localStorage
  if (!storage || typeof addEventListener !== 'function') return { post() {}, close() {} }
  const key = `${name}:message`
  // Another tab's write fires `storage` here; a nonce makes repeated identical messages distinct.
  const onStorage = (event: StorageEvent): void => {
    if (event.key === key && event.newValue) hear((JSON.parse(event.newValue) as { message: TabMessage<T> }).message)
  }
  addEventListener('storage', onStorage)
  return {
    post: (message) => storage.setItem(key, JSON.stringify({ message, nonce: Math.random() })),
    close: () => removeEventListener('storage', onStorage),
  }
}
