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
  it('storeFailed and a rejected clear() carry no token, whatever the store threw', async () => {
    const tokens = { accessToken: 'access-SECRET-1234', refreshToken: 'refresh-SECRET-5678' }
    const quoting = (command: string, args: unknown[]) => {
      const error = Object.assign(new Error(`ERR unknown command '${command}', with args beginning with: 'key' '${JSON.stringify(args[0] ?? null)}'`), {
        command: { name: command, args: ['key', JSON.stringify(args[0] ?? null)] },
        code: 'ERR_REDIS',
      })
      return Promise.reject(error)
    }
    const store = {
      get: () => Promise.resolve(undefined),
      set: (value: unknown) => quoting('set', [value]),
      delete: () => Promise.reject(new Error(`cannot delete ${tokens.refreshToken} (and ${JSON.stringify(tokens).slice(0, 30)}`)),
    }
    const session = createSession({ strategy: countingStrategy(), tokens, store })
    const output: string[] = []
    session.on('storeFailed', (event) => output.push(...texts(event), ...texts(event.error), inspect(event.error, { showHidden: true, depth: 5 })))
    await session.setTokens({ ...tokens, accessToken: 'access-SECRET-next' }).catch((error: unknown) => output.push(...texts(error), inspect(error, { showHidden: true })))
    await session.clear().catch((error: unknown) => output.push(...texts(error), inspect(error, { showHidden: true })))
    expect(output.length).toBeGreaterThan(3)
    expect(output.join('\n')).toContain('ERR unknown command')
    for (const secret of ['access-SECRET', 'refresh-SECRET', 'SECRET-1234', 'SECRET-5678']) expect(output.join('\n')).not.toContain(secret)
  })
})
