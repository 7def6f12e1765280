/**
 * No access or refresh token appears in anything tokenflight produces: event payloads, its
 * errors (message, stack, toString, util.inspect with causes, JSON.stringify) or console output,
 * for every provider through every failure scenario. The emulator lists every token it issued.
 *
 * axios's own AxiosError carries the request config, Authorization header included, by axios's
 * design; for errors that are not tokenflight's only the message and toString are checked.
 */
import { inspect } from 'node:util'
import axios from 'axios'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createSession, isTokenflightError, type SessionEvents } from '../../src/index.js'
import { attachAxios } from '../../src/interceptors/axios.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { type Emulator, emulatedProviders, startEmulator } from '../../src/testing/index.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'

const running: Emulator[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  await Promise.all(running.splice(0).map((emulator) => emulator.stop()))
})

const scenarios: Record<string, (emulator: Emulator) => void> = {
  'refresh succeeds': () => {},
  'refresh refused (terminal)': (e) => e.failNextRefreshes(1, { status: 401 }),
  'refresh busy (transient)': (e) => e.failNextRefreshes(2, { status: 503 }),
  'HTML behind a 200': (e) => e.failNextRefreshes(1, { status: 200, rawBody: '<html>login</html>' }),
  'refresh hangs': (e) => e.hangNextRefreshes(2),
  'connection reset': (e) => e.failNextRefreshes(2, 'reset'),
  'user logged out': (e) => e.logOut(),
}

function texts(value: unknown): string[] {
  if (isTokenflightError(value)) return [value.message, String(value), value.stack ?? '', inspect(value, { depth: 10, showHidden: false }), JSON.stringify(value)]
  if (value instanceof Error) return [value.message, String(value)]
  return [JSON.stringify(value) ?? '', inspect(value, { depth: 10 }), String(value)]
}

describe.each(emulatedProviders)('%s: no token in events, errors or logs', (provider) => {
  it.each(Object.keys(scenarios))('%s', async (scenario) => {
    const output: string[] = []
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void output.push(args.map((a) => inspect(a)).join(' ')))
    }
    const emulator = await startEmulator({ provider })
    running.push(emulator)
    const session = createSession({ strategy: emulator.strategy(), tokens: emulator.signIn(), refreshTimeoutMs: 100, retry: { retries: 1, minDelayMs: 1 } })
    for (const type of ['refreshing', 'refreshed', 'refreshFailed', 'expired', 'replayed'] as Array<keyof SessionEvents>) {
      session.on(type, (event) => output.push(...texts(event)))
    }
    const api = axios.create({ baseURL: emulator.url })
    attachAxios(api, session)
    const authedFetch = wrapFetch(fetch, session, { origins: [emulator.url] })
    emulator.expireAccessTokens()
    scenarios[scenario]?.(emulator)
    const results = await Promise.allSettled([
      ...Array.from({ length: 4 }, () => api.get('/api/secret')),
      ...Array.from({ length: 4 }, () => authedFetch(emulator.resourceUrl('/api/secret'))),
      session.getAccessToken().then(() => 'ok'),
    ])
    for (const result of results) if (result.status === 'rejected') output.push(...texts(result.reason))
    const secrets = emulator.issuedTokens()
    expect(secrets.length).toBeGreaterThan(1)
    const all = output.join('\n')
    for (const secret of secrets) expect(all.includes(secret), `a token leaked in scenario "${scenario}"`).toBe(false)
  })
})

describe('a store whose errors quote what it was given', () => {
  const tokens = { accessToken: 'access-SECRET-1234', refreshToken: 'ref+tok/en=SECRET-5678' }
  const shapes: Record<string, () => unknown> = {
    'Redis with args': () => Object.assign(new Error(`ERR unknown command 'set', with args beginning with: 'key' '${JSON.stringify(tokens)}'`), { command: { name: 'set', args: ['key', JSON.stringify(tokens)] }, code: 'ERR_REDIS' }),
    'URL-encoded': () => new Error(`cannot store ${encodeURIComponent(tokens.refreshToken)}`),
    base64: () => new Error(`cannot store ${Buffer.from(JSON.stringify(tokens)).toString('base64')}`),
    'cut short': () => new Error(`cannot store ${tokens.refreshToken.slice(0, 12)}`),
    'JSON-escaped': () => new Error(`cannot store ${JSON.stringify(tokens.refreshToken.replace('/', '\\/'))}`),
    'in its cause': () => new Error('failed', { cause: new Error(tokens.accessToken) }),
    'a token as its code': () => Object.assign(new Error('failed'), { code: 'E' + 'SECRET1234ABCD' }),
    'a thrown string': () => `cannot store ${tokens.accessToken}`,
    'a throwing message getter': () => Object.defineProperty(new Error(), 'message', { get: () => { throw new Error(tokens.accessToken) } }),
    'a throwing toPrimitive': () => ({ [Symbol.toPrimitive]: () => { throw new Error(tokens.refreshToken) } }),
  }
  it.each(Object.keys(shapes))('%s: storeFailed, setTokens() and clear() carry no token', async (shape) => {
    const fail = () => Promise.reject(shapes[shape]?.())
    const store = { get: () => Promise.resolve(undefined), set: fail, delete: fail }
    const session = createSession({ strategy: countingStrategy(), tokens, store })
    const output: string[] = []
    const events: unknown[] = []
    session.on('storeFailed', (event) => {
      events.push(event)
      output.push(...texts(event), ...texts(event.error), inspect(event.error, { showHidden: true, depth: 5 }))
    })
    const kept = (error: unknown) => void output.push(...texts(error), inspect(error, { showHidden: true, depth: 5 }))
    await session.setTokens({ ...tokens, accessToken: 'access-SECRET-next' }).catch(kept)
    await session.clear().catch(kept)
    expect(events.length).toBeGreaterThanOrEqual(2)
    expect(output.join('\n')).toContain("The token store's set() failed")
    for (const secret of ['SECRET', 'ref+tok', encodeURIComponent('ref+tok'), Buffer.from(JSON.stringify(tokens)).toString('base64').slice(0, 16)]) {
      expect(output.join('\n')).not.toContain(secret)
    }
  })

  it('what is safe of the original stays: a Node-style code, the class name, Redis\'s leading word', async () => {
    const store = { get: () => undefined, set: () => Promise.reject(Object.assign(new Error('READONLY You can\'t write against a read only replica.'), { name: 'ReplyError', code: 'ECONNRESET' })), delete: () => {} }
    const session = createSession({ strategy: countingStrategy(), tokens, store })
    const error = await session.setTokens(tokens).catch((caught: Error) => caught)
    expect(error).toMatchObject({ message: "The token store's set() failed (ReplyError, ECONNRESET, READONLY)", code: 'ECONNRESET' })
  })
})
