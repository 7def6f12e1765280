/**
 * What the emulators answer, as the shipped strategies must read it. Two rules are marked
 * `it.fails` until the strategies apply them (they live in src/strategies/, another track's
 * files; the exact change is in that track's hand-over): flip them to `it` when they pass.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { RefreshError } from '../../src/errors/index.js'
import { oauth2, s360 } from '../../src/strategies/index.js'
import { type Emulator, emulatorCredentials, startEmulator } from '../../src/testing/index.js'

const running: Emulator[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((emulator) => emulator.stop()))
})

const context = () => ({ signal: new AbortController().signal, fetch: globalThis.fetch, now: Date.now })

describe('S360: a 200 whose envelope says failure', () => {
  it('is a terminal RefreshError carrying the envelope’s code, not an invalid response', async () => {
    const emulator = await startEmulator({ provider: 's360' })
    running.push(emulator)
    emulator.failNextRefreshes(1, { status: 200, code: 'ESB-IDP-E0003' })
    const failure = await s360(emulator.strategyOptions).refresh(emulator.signIn(), context() as never).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(RefreshError)
    expect(failure).toMatchObject({ providerCode: 'ESB-IDP-E0003', transient: false })
  })
})

describe('OAuth2: an answer without `scope`', () => {
  it('leaves a session that asked for no scope with the scope it was granted', async () => {
    const emulator = await startEmulator({ provider: 'oauth2' })
    running.push(emulator)
    const tokens = await oauth2(emulator.strategyOptions).refresh(emulator.signIn(), context() as never)
    expect(tokens.scope).toBe(emulatorCredentials.scope)
  })

  it('keeps the scope the refresh asked for (RFC 6749 §5.1), not the wider one from before', async () => {
    const emulator = await startEmulator({ provider: 'oauth2' })
    running.push(emulator)
    const tokens = await oauth2({ ...emulator.strategyOptions, scope: 'read' }).refresh(emulator.signIn(), context() as never)
    expect(tokens.scope).toBe('read')
  })
})
