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

/**
 * Listens for `type` (`storage`, `pagehide`) on the global where it has events, and returns the
 * function that stops. An `addEventListener` or `removeEventListener` that page code made throw
 * is met like a missing one: nothing is heard, nothing is thrown.
 */
export function listenGlobally(type: string, listener: (event: StorageEventLike) => void): () => void {
  const host = globalThis as Partial<EventHost>
  try {
    if (typeof host.addEventListener !== 'function') return () => {}
    host.addEventListener(type, listener)
  } catch {
    return () => {}
  }
  return () => {
    try {
      host.removeEventListener?.(type, listener)
    } catch {
      // Nothing more can be done: the listener only ever wakes a waiter or posts news.
    }
  }
}

/**
 * Calls `changed(newValue)` when another document of the origin changes `key`; returns a
 * function that stops listening.
 */
export function onStorageKey(key: string, changed: (newValue: string | null) => void): () => void {
  return listenGlobally('storage', (event) => {
    if (event.key === key || event.key === null) changed(event.key === key ? event.newValue : null)
  })
}
