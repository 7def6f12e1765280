/**
 * The `<script>` build's targets (Chrome 80, Firefox 78, Safari 14) have no `Object.hasOwn`:
 * nothing tokenflight runs may need it.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSession } from '../src/index.js'
import { installFetch } from '../src/interceptors/fetch.js'
import { fib, s360 } from '../src/strategies/index.js'

const hasOwn = Object.hasOwn
beforeEach(() => {
  Reflect.deleteProperty(Object, 'hasOwn')
})
afterEach(() => {
  Object.hasOwn = hasOwn
})

describe('without Object.hasOwn', () => {
  it('strategies, a session, its events and the fetch patch are made and used', async () => {
    expect(Object.hasOwn).toBeUndefined()
    const session = createSession({ strategy: fib({ baseURL: 'https://auth.example.com' }), tokens: { accessToken: 'a', refreshToken: 'r' } })
    const off = session.on('refreshed', () => {})
    off()
    expect(() => s360({ baseURL: 'https://idp.example.com', apiKey: 'k', channel: 'web' } as never)).not.toThrow(/hasOwn/)
    const uninstall = installFetch(session, { origins: ['https://api.example.com'] })
    uninstall()
    expect(await session.getAccessToken()).toBe('a')
  })
})

it('no source file calls Object.hasOwn (the one helper says why)', () => {
  const files = readdirSync('src', { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'))
  const calling = files.filter((file) => /Object\.hasOwn\(/.test(readFileSync(join('src', file), 'utf8')))
  expect(calling).toEqual([])
})
