/**
 * Listeners observe: one that throws is reported (reportError, or an uncaught exception from a
 * fresh task where there is none, as EventTarget does) and never changes an outcome. Before, a
 * throwing `refreshed` listener failed the waiting call and emitted a spurious `refreshFailed`.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createSession, RefreshError, type SessionEvents } from '../../src/index.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'
import { port } from '../_helpers/session-port.js'

const start = { accessToken: 'token-0', refreshToken: 'refresh-0' }

afterEach(() => {
  vi.unstubAllGlobals()
})

/** Captures what reaches Node's uncaughtException, with vitest's own handler set aside meanwhile. */
async function captureUncaught(run: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = []
  const others = process.listeners('uncaughtException')
  process.removeAllListeners('uncaughtException')
  const capture = (error: unknown): void => void seen.push(error)
  process.on('uncaughtException', capture)
  try {
    await run()
    await new Promise((resolve) => setTimeout(resolve, 20))
  } finally {
    process.off('uncaughtException', capture)
    for (const listener of others) process.on('uncaughtException', listener)
  }
  return seen
}

describe.each(['refreshing', 'refreshed'] as const)('a %s listener that throws', (type) => {
  it('changes no outcome: the waiting call gets the new tokens, no refreshFailed, reported once', async () => {
    const reported = vi.fn()
    vi.stubGlobal('reportError', reported)
    const session = createSession({ strategy: countingStrategy(), tokens: start })
    const boom = new Error(`${type} listener bug`)
    const failures: unknown[] = []
    session.on(type, () => {
      throw boom
    })
    session.on('refreshFailed', (event) => failures.push(event))
    const after = vi.fn()
    session.on(type, after) // the next listener still runs
    await expect(port(session).afterRefusal('token-0')).resolves.toMatchObject({ accessToken: 'token-1' })
    await expect(session.getAccessToken()).resolves.toBe('token-1')
    expect(failures).toEqual([])
    expect(after).toHaveBeenCalledTimes(1)
    expect(reported).toHaveBeenCalledTimes(1)
    expect(reported).toHaveBeenCalledWith(boom)
  })
})

describe('throwing listeners of failure events', () => {
  it.each(['refreshFailed', 'expired'] as const)('%s: the caller still gets the refresh error, nothing else', async (type) => {
    const reported = vi.fn()
    vi.stubGlobal('reportError', reported)
    const strategy = countingStrategy(() => {
      throw new RefreshError('refused', { transient: false, status: 401 })
    })
    const session = createSession({ strategy, tokens: start })
    session.on(type, () => {
      throw new Error('listener bug')
    })
    await expect(session.refresh()).rejects.toMatchObject({ name: 'SessionExpiredError' })
    expect(session.state).toBe('expired')
    expect(reported).toHaveBeenCalledTimes(1)
  })

  it('the replayed event of the interceptors port is isolated too', async () => {
    const reported = vi.fn()
    vi.stubGlobal('reportError', reported)
    const session = createSession({ strategy: countingStrategy(), tokens: start })
    session.on('replayed', () => {
      throw new Error('listener bug')
    })
    expect(() => port(session).emit('replayed', { queueDepth: 0 })).not.toThrow()
    expect(reported).toHaveBeenCalledTimes(1)
  })
})

describe('where there is no reportError', () => {
  it('rethrows from a fresh task: one uncaught exception, the refresh unaffected', async () => {
    vi.stubGlobal('reportError', undefined)
    const boom = new Error('refreshed listener bug')
    let outcome: unknown
    const uncaught = await captureUncaught(async () => {
      const session = createSession({ strategy: countingStrategy(), tokens: start })
      session.on('refreshed', () => {
        throw boom
      })
      outcome = await session.refresh()
    })
    expect(outcome).toBe('token-1')
    expect(uncaught).toEqual([boom])
  })
})

describe('on returns an unsubscribe function', () => {
  it('stops that listener only, and is safe to call twice', async () => {
    const session = createSession({ strategy: countingStrategy(), tokens: start })
    const seen: Array<keyof SessionEvents> = []
    const off = session.on('refreshed', () => seen.push('refreshed'))
    session.on('refreshing', () => seen.push('refreshing'))
    expect(off).toBeTypeOf('function')
    await session.refresh()
    off()
    off()
    await session.refresh()
    expect(seen).toEqual(['refreshing', 'refreshed', 'refreshing'])
  })

  it('a listener removing itself while its event is emitted does not make another one miss it', async () => {
    const session = createSession({ strategy: countingStrategy(), tokens: start })
    const calls: string[] = []
    const off = session.on('refreshed', () => {
      calls.push('first')
      off()
    })
    session.on('refreshed', () => calls.push('second'))
    await session.refresh()
    await session.refresh()
    expect(calls).toEqual(['first', 'second', 'second'])
  })

  it('emit is not part of the session: nothing outside can fake expired', () => {
    const session = createSession({ strategy: countingStrategy(), tokens: start })
    expect(Object.keys(session)).not.toContain('emit')
    expect(JSON.stringify(Object.keys(session))).not.toMatch(/getTokens|handleAuthFailure|authorize|isAuthFailure|replayConcurrency/)
  })
})
