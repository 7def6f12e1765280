/**
 * A redirect from an allowed origin to a foreign one must not carry the token, in Node's axios
 * (follow-redirects) and in fetch (undici). Tokens never go over plain http to a host that is
 * not loopback unless the user opts in.
 */
import axios from 'axios'
import { afterEach, describe, expect, it } from 'vitest'
import { createSession } from '../../src/index.js'
import { attachAxios } from '../../src/interceptors/axios.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { custom } from '../../src/strategies/index.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'
import { type ResourceServer, startResourceServer } from '../_helpers/resource-server.js'

const servers: ResourceServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()))
})

async function pair() {
  const allowed = await startResourceServer(() => true)
  const foreign = await startResourceServer(() => true)
  servers.push(allowed, foreign)
  const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'secret-token' } })
  return { allowed, foreign, session, to: `/redirect?to=${encodeURIComponent(`${foreign.url}/landing`)}` }
}

describe('redirects to a foreign origin', () => {
  it('axios (Node, follow-redirects) drops Authorization', async () => {
    const { allowed, foreign, session, to } = await pair()
    const api = axios.create({ baseURL: allowed.url })
    attachAxios(api, session)
    await expect(api.get(to)).resolves.toMatchObject({ status: 200 })
    expect(allowed.requests[0]?.authorization).toBe('Bearer secret-token')
    expect(foreign.requests).toHaveLength(1)
    expect(foreign.requests[0]?.authorization).toBeUndefined()
  })

  it('fetch (undici) drops Authorization', async () => {
    const { allowed, foreign, session, to } = await pair()
    const authedFetch = wrapFetch(fetch, session, { origins: [allowed.url] })
    await expect(authedFetch(allowed.url + to)).resolves.toMatchObject({ status: 200 })
    expect(allowed.requests[0]?.authorization).toBe('Bearer secret-token')
    expect(foreign.requests).toHaveLength(1)
    expect(foreign.requests[0]?.authorization).toBeUndefined()
  })
})

describe('plain http', () => {
  // A fake fetch records what would be sent: no traffic leaves this machine.
  function recorder() {
    const seen: Array<string | null> = []
    const fakeFetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      seen.push(new Request(input, init).headers.get('authorization'))
      return new Response('ok')
    }
    return { seen, fakeFetch: fakeFetch as typeof fetch }
  }

  it('a pattern that matches an http host which is not loopback gets no token', async () => {
    const { seen, fakeFetch } = recorder()
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'secret-token' } })
    const authedFetch = wrapFetch(fakeFetch, session, { origins: [/^https?:\/\/[a-z]+\.example\.test$/] })
    await authedFetch('http://api.example.test/data')
    await authedFetch('https://api.example.test/data')
    expect(seen).toEqual([null, 'Bearer secret-token'])
  })

  it('allowInsecureHttp opts in', async () => {
    const { seen, fakeFetch } = recorder()
    const session = createSession({ strategy: countingStrategy(), tokens: { accessToken: 'secret-token' } })
    const authedFetch = wrapFetch(fakeFetch, session, { origins: ['http://intranet.example.test'], allowInsecureHttp: true })
    await authedFetch('http://intranet.example.test/data')
    expect(seen).toEqual(['Bearer secret-token'])
  })
})

describe('a token in a header of its own (the `authorization` option) on a redirect', () => {
  const strategyWithHeader = () => custom(async () => ({ accessToken: 'fresh-token' }), { authorization: { header: 'X-Auth-Token', scheme: '' } })

  it('axios (Node): not to a foreign origin, though follow-redirects forwards every header but Authorization and cookies', async () => {
    const { allowed, foreign, to } = await pair()
    const session = createSession({ strategy: strategyWithHeader(), tokens: { accessToken: 'secret-token' } })
    const api = axios.create({ baseURL: allowed.url })
    const seenByCaller: string[] = []
    attachAxios(api, session)
    await expect(api.get(to, { beforeRedirect: (options) => void seenByCaller.push(String(options.href)) })).resolves.toMatchObject({ status: 200 })
    expect(allowed.requests[0]?.headers['x-auth-token']).toBe('secret-token')
    expect(foreign.requests).toHaveLength(1)
    expect(foreign.requests[0]?.headers['x-auth-token']).toBeUndefined()
    expect(seenByCaller).toEqual([`${foreign.url}/landing`]) // the caller's own hook still runs
  })

  it('axios (Node): a beforeRedirect set after ours (an interceptor added before attachAxios runs after it) still runs first, then the guard', async () => {
    const { allowed, foreign, to } = await pair()
    const session = createSession({ strategy: strategyWithHeader(), tokens: { accessToken: 'secret-token' } })
    const api = axios.create({ baseURL: allowed.url })
    const seenByCaller: string[] = []
    api.interceptors.request.use((config) => {
      config.beforeRedirect = (options) => {
        seenByCaller.push(String(options.href))
        options.headers['X-Auth-Token'] = 'secret-token' // even one that puts it back
      }
      return config
    })
    attachAxios(api, session)
    await expect(api.get(to)).resolves.toMatchObject({ status: 200 })
    expect(foreign.requests[0]?.headers['x-auth-token']).toBeUndefined()
    expect(seenByCaller).toEqual([`${foreign.url}/landing`])
  })

  it.each([
    ['frozen', (config: object) => Object.freeze(config)],
    ['sealed', (config: object) => Object.seal(config)],
  ])('axios (Node): a config a request interceptor %s before ours (its beforeRedirect cannot be guarded) is refused with a TypeError, the token sent nowhere', async (_, lock) => {
    const { allowed, foreign, to } = await pair()
    const session = createSession({ strategy: strategyWithHeader(), tokens: { accessToken: 'secret-token' } })
    const api = axios.create({ baseURL: allowed.url })
    attachAxios(api, session)
    api.interceptors.request.use((config) => lock(config) as typeof config) // added after: runs before ours
    const error = await api.get(to).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TypeError)
    expect(String(error)).toMatch(/cannot keep the token off redirects/)
    expect(String(error)).not.toContain('secret-token')
    expect([...allowed.requests, ...foreign.requests]).toEqual([])
  })

  it('axios (Node): a beforeRedirect an interceptor running after ours deletes or replaces is guarded again before the send', async () => {
    const undos = [
      (config: { beforeRedirect?: unknown }): void => {
        delete config.beforeRedirect
      },
      (config: { beforeRedirect?: unknown }): void => {
        config.beforeRedirect = undefined
      },
    ]
    for (const undo of undos) {
      const { allowed, foreign, to } = await pair()
      const session = createSession({ strategy: strategyWithHeader(), tokens: { accessToken: 'secret-token' } })
      const api = axios.create({ baseURL: allowed.url })
      api.interceptors.request.use((config) => {
        undo(config)
        return config
      })
      attachAxios(api, session)
      await expect(api.get(to)).resolves.toMatchObject({ status: 200 })
      expect(allowed.requests[0]?.headers['x-auth-token']).toBe('secret-token')
      expect(foreign.requests[0]?.headers['x-auth-token']).toBeUndefined()
    }
  })

  it('axios (Node): kept on a redirect within the allowed origins', async () => {
    const { allowed } = await pair()
    const session = createSession({ strategy: strategyWithHeader(), tokens: { accessToken: 'secret-token' } })
    const api = axios.create({ baseURL: allowed.url })
    attachAxios(api, session)
    await expect(api.get(`/redirect?to=${encodeURIComponent(`${allowed.url}/landing`)}`)).resolves.toMatchObject({ status: 200 })
    expect(allowed.requests.map((r) => r.headers['x-auth-token'])).toEqual(['secret-token', 'secret-token'])
  })
})
