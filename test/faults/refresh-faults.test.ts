/**
 * Fault injection against a real loopback refresh endpoint (the FIB emulator): whatever the
 * endpoint does, every waiting request settles within refreshTimeoutMs (one deadline, retries and
 * backoff included) plus slack, with a typed error naming what happened, and refreshFailed /
 * expired fire the right number of times.
 *
 * The session starts with a token it knows has expired, so all requests join one refresh before
 * anything is sent: with a 401 path, a fault that fails in milliseconds (connection refused)
 * could finish before a late 401 arrives, which rightly starts a second refresh.
 */
import axios from 'axios'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession, type Session } from '../../src/index.js'
import { attachAxios } from '../../src/interceptors/axios.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { type Emulator, type RefreshFault, startEmulator } from '../../src/testing/index.js'

const TIMEOUT = 1_500
const RETRIES = 2
const BOUND = TIMEOUT + 1_000 // the one deadline + slack for a loaded machine

const running: Emulator<'fib'>[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((emulator) => emulator.stop()))
})

interface Case {
  label: string
  fault: RefreshFault
  times: number
  error: { name: string; message: RegExp }
  refreshFailed: number
  expired: number
}

const html = { status: 200, rawBody: '<html><body>Gateway login</body></html>', contentType: 'text/html' }
const cases: Case[] = [
  { label: '500 on every attempt', fault: { status: 500 }, times: 3, error: { name: 'RefreshError', message: /HTTP 500/ }, refreshFailed: 1, expired: 0 },
  // Retry-After 2 s is within maxDelayMs but past the deadline: given up at once, not waited for.
  { label: '503 with Retry-After past the deadline', fault: { status: 503, rawBody: '{}', contentType: 'application/json', headers: { 'retry-after': '2' } }, times: 1, error: { name: 'RefreshError', message: /HTTP 503/ }, refreshFailed: 1, expired: 0 },
  { label: 'HTML behind a 200', fault: html, times: 1, error: { name: 'InvalidRefreshResponseError', message: /`body`.*HTML/ }, refreshFailed: 1, expired: 0 },
  { label: 'an empty 200', fault: { status: 200, rawBody: '' }, times: 1, error: { name: 'InvalidRefreshResponseError', message: /empty body/ }, refreshFailed: 1, expired: 0 },
  { label: 'the connection reset on every attempt', fault: 'reset', times: 3, error: { name: 'RefreshError', message: /could not be reached/ }, refreshFailed: 1, expired: 0 },
  { label: 'the connection closed mid-body', fault: 'truncate', times: 1, error: { name: 'InvalidRefreshResponseError', message: /cut off/ }, refreshFailed: 1, expired: 0 },
  { label: 'a hang on every attempt', fault: 'hang', times: 3, error: { name: 'RefreshTimeoutError', message: /timed out after 1500 ms/ }, refreshFailed: 1, expired: 0 },
  { label: 'a terminal 401', fault: { status: 401 }, times: 1, error: { name: 'SessionExpiredError', message: /expired/ }, refreshFailed: 1, expired: 1 },
]

const knownExpired = (emulator: Emulator<'fib'>) => ({ ...emulator.signIn(), expiresAt: Date.now() - 1 })

function count(session: Session): { refreshFailed: number; expired: number } {
  const seen = { refreshFailed: 0, expired: 0 }
  session.on('refreshFailed', () => seen.refreshFailed++)
  session.on('expired', () => seen.expired++)
  return seen
}

async function settleAll(calls: Array<Promise<unknown>>): Promise<{ elapsed: number; errors: unknown[] }> {
  const began = performance.now()
  const results = await Promise.allSettled(calls)
  return { elapsed: performance.now() - began, errors: results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : [])) }
}

describe.each(['axios', 'fetch'])('refresh endpoint faults through %s', (client) => {
  it.each(cases)('$label', async ({ fault, times, error, refreshFailed, expired }) => {
    const emulator = await startEmulator({ provider: 'fib' })
    running.push(emulator)
    const session = createSession({ strategy: emulator.strategy(), tokens: knownExpired(emulator), refreshTimeoutMs: TIMEOUT, retry: { retries: RETRIES, minDelayMs: 10, maxDelayMs: 5_000 } })
    const seen = count(session)
    emulator.expireAccessTokens()
    emulator.failNextRefreshes(times, fault)
    const send = client === 'axios' ? axiosClient(emulator, session) : fetchClient(emulator, session)
    const { elapsed, errors } = await settleAll(Array.from({ length: 20 }, (_, i) => send(`/api/f/${i}`)))
    expect(elapsed).toBeLessThan(BOUND)
    expect(errors).toHaveLength(20)
    for (const e of errors) expect(e).toMatchObject({ name: error.name, message: expect.stringMatching(error.message) })
    expect(seen).toEqual({ refreshFailed, expired })
  })

  it('503 with Retry-After 1 s inside the deadline: waited for, then success', async () => {
    const emulator = await startEmulator({ provider: 'fib' })
    running.push(emulator)
    const session = createSession({ strategy: emulator.strategy(), tokens: knownExpired(emulator), refreshTimeoutMs: 3_000, retry: { retries: RETRIES, minDelayMs: 10, maxDelayMs: 1_500 } })
    const seen = count(session)
    emulator.expireAccessTokens()
    emulator.failNextRefreshes(1, { status: 503, rawBody: '{}', contentType: 'application/json', headers: { 'retry-after': '1' } })
    const send = client === 'axios' ? axiosClient(emulator, session) : fetchClient(emulator, session)
    const { elapsed, errors } = await settleAll(Array.from({ length: 20 }, (_, i) => send(`/api/r/${i}`)))
    expect(errors).toEqual([])
    expect(elapsed).toBeGreaterThanOrEqual(950)
    expect(elapsed).toBeLessThan(3_000)
    expect(seen).toEqual({ refreshFailed: 0, expired: 0 })
  })

  it('connection refused: the refresh endpoint is down', async () => {
    const emulator = await startEmulator({ provider: 'fib' })
    const session = createSession({ strategy: emulator.strategy(), tokens: knownExpired(emulator), refreshTimeoutMs: TIMEOUT, retry: { retries: RETRIES, minDelayMs: 10 } })
    const seen = count(session)
    // Requests go to a live resource server; only the refresh endpoint is unreachable.
    const api = await startEmulator({ provider: 'fib' })
    running.push(api)
    await emulator.stop()
    const sessionOnApi = session
    const send = client === 'axios' ? axiosClient(api, sessionOnApi) : fetchClient(api, sessionOnApi)
    const { elapsed, errors } = await settleAll(Array.from({ length: 10 }, (_, i) => send(`/api/down/${i}`)))
    expect(elapsed).toBeLessThan(BOUND)
    expect(errors).toHaveLength(10)
    for (const e of errors) expect(e).toMatchObject({ name: 'RefreshError', transient: true, message: expect.stringMatching(/could not be reached/) })
    expect(seen).toEqual({ refreshFailed: 1, expired: 0 })
  })
})

function axiosClient(emulator: Emulator, session: Session): (path: string) => Promise<unknown> {
  const api = axios.create({ baseURL: emulator.url })
  attachAxios(api, session)
  return (path) => api.get(path)
}

function fetchClient(emulator: Emulator, session: Session): (path: string) => Promise<unknown> {
  const authedFetch = wrapFetch(fetch, session, { origins: [emulator.url] })
  return async (path) => {
    const res = await authedFetch(emulator.resourceUrl(path))
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
    return res
  }
}
