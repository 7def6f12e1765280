/**
 * A refusal whose send left before the refresh of its token ended is answered by that refresh:
 * its failure, for a while (`retry.maxDelayMs`), and never a timeout. And a refresh answer that
 * rotated the credential beside a malformed access token keeps it, even if the session was
 * destroyed meanwhile (the store outlives it).
 */
import { describe, expect, it } from 'vitest'
import { createSession, InvalidRefreshResponseError, memoryStore, RefreshError, RefreshTimeoutError, type Tokens } from '../../src/index.js'
import { keepTokens } from '../../src/kept-tokens.js'
import { internalsOf } from '../../src/session/internals.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function port(session: ReturnType<typeof createSession>) {
  const internals = internalsOf<Tokens>(session)
  if (!internals) throw new Error('not a session')
  return internals
}

describe('late refusals and the refresh that ended after their send', () => {
  it('share its failure within retry.maxDelayMs; past it, a late refusal starts a refresh of its own', async () => {
    const strategy = countingStrategy((call) => {
      if (call === 1) throw new RefreshError('unavailable', { transient: true, status: 503 })
      return { accessToken: 'token-1' }
    })
    const session = createSession({ strategy, tokens: { accessToken: 'token-0' }, retry: { retries: 0, minDelayMs: 0, maxDelayMs: 200 } })
    const internals = port(session)
    const sentAt = internals.refreshesEnded() // three sends leave with token-0
    await expect(internals.afterRefusal('token-0', sentAt)).rejects.toBeInstanceOf(RefreshError)
    await expect(internals.afterRefusal('token-0', sentAt)).rejects.toBeInstanceOf(RefreshError)
    expect(strategy.calls).toBe(1)
    await sleep(300)
    await expect(internals.afterRefusal('token-0', sentAt)).resolves.toMatchObject({ accessToken: 'token-1' })
    expect(strategy.calls).toBe(2)
  })

  it('a timed-out refresh is no answer: a late refusal starts a refresh of its own', async () => {
    const strategy = countingStrategy(async (call, _current, { signal }) => {
      if (call === 1) await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
      return { accessToken: 'token-1' }
    })
    const session = createSession({ strategy, tokens: { accessToken: 'token-0' }, refreshTimeoutMs: 50, retry: false })
    const internals = port(session)
    const sentAt = internals.refreshesEnded()
    await expect(internals.afterRefusal('token-0', sentAt)).rejects.toBeInstanceOf(RefreshTimeoutError)
    await sleep(20)
    await expect(internals.afterRefusal('token-0', sentAt)).resolves.toMatchObject({ accessToken: 'token-1' })
    expect(strategy.calls).toBe(2)
  })
})

describe('a rotated credential beside a malformed access token', () => {
  it('is stored although the session was destroyed while the refresh ran', async () => {
    const store = memoryStore<Tokens>()
    const strategy = countingStrategy(async (_call, current) => {
      await sleep(100)
      throw keepTokens(new InvalidRefreshResponseError('access_token', 'a non-empty string', 'an empty string'), { ...current, refreshToken: 'r1' })
    })
    const session = createSession({ strategy, tokens: { accessToken: 'token-0', refreshToken: 'r0' }, store, retry: false })
    const refreshing = session.refresh().catch((error: unknown) => error)
    await sleep(20)
    await session.destroy()
    await refreshing
    await sleep(150)
    expect((await store.get())?.refreshToken).toBe('r1')
  })
})
