/**
 * A coordinator of the user's own is user code like a strategy or a store: what it answers is
 * checked, what it never settles holds no caller past the session's deadline, what it throws is
 * shown by its safe words only, and it cannot keep `destroy()` from ending the session.
 */
import { describe, expect, it } from 'vitest'
import { type Coordinator, createSession, InvalidRefreshResponseError, SessionExpiredError, type Tokens } from '../../src/index.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'

const SECRET = 'at-secret-4f1c9e'
const start: Tokens = { accessToken: 'token-0', refreshToken: 'refresh-0' }
const never = new Promise<never>(() => {})

describe("a coordinator's refresh answer is checked as a strategy's", () => {
  it.each([
    ['undefined', undefined],
    ['a string', 'token-x'],
    ['a number access token', { accessToken: 5 }],
    ['an access token with CR LF', { accessToken: `${SECRET}\r\nX-Injected: 1` }],
  ])('%s: refresh() rejects with InvalidRefreshResponseError, the token never adopted', async (_, answer) => {
    const coordinator: Coordinator = { refresh: async () => answer as Tokens }
    const session = createSession({ strategy: countingStrategy(), tokens: start, coordinator })
    const error = await session.refresh().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRefreshResponseError)
    expect(String((error as Error).message)).not.toContain(SECRET)
    expect(await session.getAccessToken().catch(() => 'none')).not.toContain(SECRET)
    await session.destroy()
  })
})

describe("a coordinator's announce()", () => {
  it.each(['setTokens', 'clear'] as const)('never settling: %s() rejects within refreshTimeoutMs, the tokens set here stand', async (method) => {
    const coordinator: Coordinator = { refresh: (_stale, work) => work(), announce: () => never }
    const session = createSession({ strategy: countingStrategy(), tokens: start, coordinator, refreshTimeoutMs: 200 })
    const call = method === 'setTokens' ? session.setTokens({ accessToken: 'token-9' }) : session.clear()
    await expect(call).rejects.toThrow(/announce\(\) did not settle within 200 ms/)
    expect(session.state).toBe(method === 'setTokens' ? 'active' : 'signed-out')
    await session.destroy()
  })

  it('throwing its own text (the tokens it was given): setTokens() rejects with the safe words only', async () => {
    const coordinator: Coordinator = {
      refresh: (_stale, work) => work(),
      announce: (tokens) => {
        throw new Error(`cannot publish ${tokens?.accessToken}`)
      },
    }
    const session = createSession({ strategy: countingStrategy(), tokens: start, coordinator })
    const error = (await session.setTokens({ accessToken: SECRET }).catch((e: unknown) => e)) as Error
    expect(error.message).toMatch(/announce\(\) failed/)
    expect(`${error.message} ${error.stack} ${JSON.stringify(error)}`).not.toContain(SECRET)
    await session.destroy()
  })
})

describe('destroy() with a coordinator that cannot let go', () => {
  it.each([
    ['an async attach', async () => () => {}],
    [
      'a detach that throws',
      () => () => {
        throw new Error('detach failed')
      },
    ],
  ])('%s: destroy() still ends the session and releases what waits', async (_, attach) => {
    const coordinator = { refresh: () => never, attach } as unknown as Coordinator
    const session = createSession({ strategy: countingStrategy(), tokens: start, coordinator, refreshTimeoutMs: 60_000 })
    const waiting = session.refresh().catch((e: unknown) => e)
    await expect(session.destroy()).resolves.toBeUndefined()
    expect(session.state).toBe('expired')
    expect(await waiting).toBeInstanceOf(SessionExpiredError)
    await expect(session.getAccessToken()).rejects.toBeInstanceOf(SessionExpiredError)
  })
})
