import { describe, expect, it } from 'vitest'
import { createSession, webStorageStore } from '../../src/index.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'

// A Storage with the Web Storage API's behaviour, for Node.
function fakeStorage(): Storage {
  const items = new Map<string, string>()
  return {
    get length() {
      return items.size
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, String(value)),
  }
}

describe('webStorageStore', () => {
  it('persists rotated tokens under its key and survives a new session (a reload)', async () => {
    const storage = fakeStorage()
    const first = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'token-0' }, store: webStorageStore(storage, 'tf') })
    await first.refresh()
    expect(JSON.parse(storage.getItem('tf') ?? '')).toEqual({ accessToken: 'token-1' })
    const reloaded = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'stale-initial' }, store: webStorageStore(storage, 'tf') })
    await expect(reloaded.getAccessToken()).resolves.toBe('token-1')
    await reloaded.clear()
    expect(storage.getItem('tf')).toBeNull()
  })

  it('reads a corrupt or foreign entry as absent', () => {
    const storage = fakeStorage()
    storage.setItem('tf', '{oops')
    expect(webStorageStore(storage, 'tf').get()).toBeUndefined()
    storage.setItem('tf', JSON.stringify({ accessToken: 42 }))
    expect(webStorageStore(storage, 'tf').get()).toBeUndefined()
  })
})
