/** What a store hands back is refused when unusable: corrupt JSON, foreign shapes, control characters. */
import { describe, expect, it } from 'vitest'
import { createSession, webStorageStore } from '../../src/index.js'
import { parseStoredTokens } from '../../src/stores/parse-stored-tokens.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'

describe('parseStoredTokens', () => {
  it.each([
    ['corrupt JSON', '{oops'],
    ['a JSON string', JSON.stringify('eyJ.stored')],
    ['no accessToken', JSON.stringify({ refreshToken: 'r' })],
    ['an accessToken with CRLF', JSON.stringify({ accessToken: 'a\r\nb' })],
    ['a refreshToken with NUL', JSON.stringify({ accessToken: 'a', refreshToken: 'r\u0000' })],
    ['a provider field with LF', JSON.stringify({ accessToken: 'a', sessionToken: 's\n' })],
    ['null', 'null'],
  ])('%s reads as absent', (_label, raw) => {
    expect(parseStoredTokens(raw)).toBeUndefined()
  })

  it('usable tokens read back as they were written', () => {
    const tokens = { accessToken: 'a"\'ü', refreshToken: 'r', expiresAt: 5, sessionId: 'x' }
    expect(parseStoredTokens(JSON.stringify(tokens))).toEqual(tokens)
  })
})

describe('webStorageStore', () => {
  const storage = () => {
    const items = new Map<string, string>()
    return { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), removeItem: (k: string) => void items.delete(k) }
  }

  it('takes any Web Storage look-alike (no DOM type needed) and validates it at creation', () => {
    expect(() => webStorageStore(storage(), 'tf')).not.toThrow()
    expect(() => webStorageStore({} as never, 'tf')).toThrow(/`storage`/)
    expect(() => webStorageStore(storage(), '')).toThrow(/`key`/)
  })

  it('a tampered entry with a line feed in the token: the session starts from its initial tokens', async () => {
    const s = storage()
    s.setItem('tf', JSON.stringify({ accessToken: 'evil\r\nX-Injected: 1' }))
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'initial' }, store: webStorageStore(s, 'tf') })
    await expect(session.getAccessToken()).resolves.toBe('initial')
  })
})
