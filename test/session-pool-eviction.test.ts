/**
 * A session pool evicts a session (past `maxSessions`, or idle) while one of its requests is still
 * out: on every transport, the refusal that comes back is answered by the key's next session
 * (which loads the user's store), not failed as if the user had signed out.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createSession, createSessionPool, memoryStore, type Session, type SessionPool, type Tokens, type TokenStore } from '../src/index.js'
import { custom } from '../src/strategies/index.js'
import { deferred } from './_helpers/deferred.js'
import { startMatrixApi } from './_helpers/matrix-api.js'
import { clientOf, TRANSPORTS, type Transport } from './_helpers/transports.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.()
})

// The user a request is for: its path starts with `/<user>/`, whatever form the transport gives the URL in.
const userOf = (request: { url?: string | URL | undefined }): string | undefined => /\/(alice|bob)\//.exec(String(request.url))?.[1]

/**
 * A pool of one session at most, each user with their own store (as a shared store would keep
 * them across processes). A refresh of `alice-0` gives `alice-1`; `refreshes` counts them.
 */
async function setUp(
  transport: Transport,
  refuses: (token: string | undefined, path: string) => boolean | Promise<boolean>,
  { replayConcurrency, idleMs, cached }: { replayConcurrency?: number; idleMs?: number; cached?: boolean } = {},
) {
  const api = await startMatrixApi(refuses)
  cleanups.push(api.stop)
  const stores = new Map<string, TokenStore<Tokens>>()
  const refreshes: string[] = []
  const made = new Map<string, Session>()
  let creates = 0
  const pool: SessionPool<string> = createSessionPool({
    maxSessions: 1,
    idleMs,
    // `cached`: a create() with a cache of its own in front, handing back the session it made before.
    create: (user: string) => {
      creates++
      const before = cached ? made.get(user) : undefined
      if (before) return before
      const store = stores.get(user) ?? memoryStore<Tokens>()
      stores.set(user, store)
      const strategy = custom<Tokens>(({ accessToken }) => {
        refreshes.push(accessToken)
        return { accessToken: `${user}-${Number(accessToken.split('-')[1]) + 1}` }
      })
      const session = createSession({ strategy, tokens: { accessToken: `${user}-0` }, store, replayConcurrency })
      made.set(user, session)
      return session
    },
  })
  cleanups.push(() => pool.destroy())
  const client = clientOf(transport, (request) => {
    const user = userOf(request)
    return user === undefined ? undefined : pool.get(user)
  }, api.url)
  cleanups.push(client.detach)
  return { api, pool, refreshes, creates: () => creates, call: client.call, auths: () => api.seen.map((seen) => `${seen.path} ${seen.authorization}`) }
}

describe.each(TRANSPORTS)('%s', (transport) => {
  it('a refusal that comes back after its session was evicted is refreshed and replayed by the user’s next session', async () => {
    const held = deferred()
    const { call, pool, refreshes, api, auths } = await setUp(transport, async (token, path) => {
      if (path === '/alice/slow') await held.promise
      return token === 'alice-0'
    })
    const first = pool.get('alice')
    const slow = call('/alice/slow')
    await expect.poll(() => api.seen.length).toBe(1)
    expect(await call('/bob/quick')).toEqual({ status: 200, body: { ok: true, path: '/bob/quick' } })
    expect(pool.peek('alice')).toBeUndefined() // evicted while its request is out
    held.resolve()
    expect(await slow).toEqual({ status: 200, body: { ok: true, path: '/alice/slow' } })
    expect(refreshes).toEqual(['alice-0'])
    expect(pool.peek('alice')).not.toBe(first)
    expect(auths()).toEqual(['/alice/slow Bearer alice-0', '/bob/quick Bearer bob-0', '/alice/slow Bearer alice-1'])
  })

  it('a replay still queued when its session is evicted is sent by the next session with the refreshed tokens it stored, without a second refresh', async () => {
    const firstReplay = deferred()
    let replays = 0
    const { call, pool, refreshes, auths } = await setUp(
      transport,
      async (token, path) => {
        if (token === 'alice-1' && path.startsWith('/alice/') && ++replays === 1) await firstReplay.promise
        return token === 'alice-0'
      },
      { replayConcurrency: 1 },
    )
    const first = pool.get('alice')
    const calls = [call('/alice/one'), call('/alice/two')]
    await expect.poll(() => replays).toBe(1) // one replay out, the other queued behind it
    expect(await call('/bob/quick')).toEqual({ status: 200, body: { ok: true, path: '/bob/quick' } })
    expect(pool.peek('alice')).not.toBe(first) // evicted; the queued replay went to the next one at once
    firstReplay.resolve()
    const outcomes = await Promise.all(calls)
    expect(outcomes.map((outcome) => ('status' in outcome ? outcome.status : outcome.error))).toEqual([200, 200])
    expect(refreshes).toEqual(['alice-0'])
    expect(auths().filter((line) => line.startsWith('/alice/')).sort()).toEqual([
      '/alice/one Bearer alice-0',
      '/alice/one Bearer alice-1',
      '/alice/two Bearer alice-0',
      '/alice/two Bearer alice-1',
    ])
  })

  it('a request slower than idleMs: its session is evicted by the idle timer, and its refusal is still refreshed and replayed', async () => {
    const { call, pool, refreshes, auths } = await setUp(
      transport,
      async (token, path) => {
        if (path === '/alice/slow') await new Promise((resolve) => setTimeout(resolve, 300))
        return token === 'alice-0'
      },
      { idleMs: 100 },
    )
    const first = pool.get('alice')
    expect(await call('/alice/slow')).toEqual({ status: 200, body: { ok: true, path: '/alice/slow' } })
    expect(await first.getAccessToken().catch((error: Error) => error.message)).toMatch(/destroyed/)
    expect(refreshes).toEqual(['alice-0'])
    expect(auths()).toEqual(['/alice/slow Bearer alice-0', '/alice/slow Bearer alice-1'])
  })

  it('a create() that hands back the session it made before (destroyed by the eviction): the refusal ends as that session did, create() asked at most twice', async () => {
    const held = deferred()
    const { call, creates, refreshes, api } = await setUp(
      transport,
      async (token, path) => {
        if (path === '/alice/slow') await held.promise
        return token === 'alice-0'
      },
      { cached: true },
    )
    const slow = call('/alice/slow')
    await expect.poll(() => api.seen.length).toBe(1)
    await call('/bob/quick') // evicts alice's session while her request is out
    const before = creates()
    held.resolve()
    expect(await slow).toEqual({ error: 'ERR_SESSION_EXPIRED' })
    expect(creates() - before).toBeLessThanOrEqual(2) // asked when the refusal came, and when its wait failed
    expect(refreshes).toEqual([])
  })
})
