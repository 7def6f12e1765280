/** The part of the Web Storage API the tab coordination uses (structural: no DOM lib needed). */
export interface TabStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

interface StorageEventLike {
  readonly key: string | null
  readonly newValue: string | null
}

interface EventHost {
  addEventListener(type: string, listener: (event: StorageEventLike) => void): void
  removeEventListener(type: string, listener: (event: StorageEventLike) => void): void
}

/**
 * `localStorage` when this context has a usable one, else `undefined`: workers have none, and
 * reading the property throws where storage is blocked (sandboxed frames, blocked cookies).
 */
export function usableLocalStorage(): TabStorage | undefined {
  try {
    const storage = (globalThis as { localStorage?: TabStorage }).localStorage
    return typeof storage?.getItem === 'function' ? storage : undefined
  } catch {
    return undefined
  }
}

/** Whether `storage` keeps what is written at `key` (blocked storage may drop writes without a word); leaves nothing there. */
export function keepsWrites(storage: TabStorage, key: string): boolean {
  const probe = String(Math.random())
  try {
    storage.setItem(key, probe)
    return storage.getItem(key) === probe
  } catch {
    return false
  } finally {
    try {
      storage.removeItem(key)
    } catch {
      // Nothing was kept to remove.
    }
  }
}

/** The global that receives `storage` and `pagehide` events, when this context has one. */
export function eventHost(): EventHost | undefined {
  const host = globalThis as Partial<EventHost>
  return typeof host.addEventListener === 'function' ? (host as EventHost) : undefined
}

/**
 * Calls `changed(newValue)` when another document of the origin changes `key`; returns a
 * function that stops listening.
 */
export function onStorageKey(key: string, changed: (newValue: string | null) => void): () => void {
  const host = eventHost()
  if (!host) return () => {}
  const listener = (event: StorageEventLike): void => {
    if (event.key === key || event.key === null) changed(event.key === key ? event.newValue : null)
  }
  host.addEventListener('storage', listener)
  return () => host.removeEventListener('storage', listener)
}
