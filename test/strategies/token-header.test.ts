/**
 * Where the access token goes is an option of every strategy, built-in and custom:
 * `authorization: { header: 'X-Auth-Token', scheme: '' }` sends `X-Auth-Token: <token>`,
 * `{ scheme: 'Token' }` sends `Authorization: Token <token>`, on the first send and on the replay
 * after a refresh. Names and schemes that cannot travel in a header are refused at creation.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createSession, type Strategy, type Tokens } from '../../src/index.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { custom } from '../../src/strategies/index.js'
import { type LoopbackServer, type ProviderCase, providerCases, startLoopback } from '../_helpers/strategy-harness.js'

const API = 'https://api.example.com'
const servers: LoopbackServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()))
})

const customCase = {
  name: 'custom',
  make: (_url: string, extra: Record<string, unknown> = {}) =>
    custom(async (t: Tokens) => ({ ...t, accessToken: 'custom-access-new' }), extra) as Strategy<Tokens>,
  tokens: { accessToken: 'custom-access-old' },
  answer: () => ({}),
}
const everyStrategy = [...providerCases, customCase] as Array<Pick<ProviderCase, 'name' | 'make' | 'tokens' | 'answer'>>

const layouts = [
  { label: "{ header: 'X-Auth-Token', scheme: '' }", option: { header: 'X-Auth-Token', scheme: '' }, header: 'x-auth-token', value: (t: string) => t },
  { label: "{ scheme: 'Token' }", option: { scheme: 'Token' }, header: 'authorization', value: (t: string) => `Token ${t}` },
  { label: "{ header: 'X-Api-Token' }", option: { header: 'X-Api-Token' }, header: 'x-api-token', value: (t: string) => `Bearer ${t}` },
  { label: 'no option', option: undefined, header: 'authorization', value: (t: string) => `Bearer ${t}` },
]

describe.each(everyStrategy)('$name: the header a token goes in', (provider) => {
  it.each(layouts)('$label, on the first send and on the replay', async ({ option, header, value }) => {
    const auth = await startLoopback((_request, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(provider.answer(300))))
    servers.push(auth)
    const strategy = provider.make(auth.url, option ? { authorization: option } : {})
    const session = createSession({ strategy, tokens: provider.tokens, retry: false })
    const seen: Headers[] = []
    const api: typeof fetch = async (input, init) => {
      seen.push(new Request(input, init).headers)
      return new Response(null, { status: seen.length === 1 ? 401 : 200 })
    }
    const response = await wrapFetch(api, session, { origins: [API] })(`${API}/me`)
    expect(response.status).toBe(200)
    const fresh = await session.getAccessToken()
    expect(fresh).not.toBe(provider.tokens.accessToken)
    expect(seen.map((h) => h.get(header))).toEqual([value(provider.tokens.accessToken), value(fresh as string)])
    if (header !== 'authorization') expect(seen.map((h) => h.has('authorization'))).toEqual([false, false])
  })

  it.each([
    { authorization: { header: 'X Auth' }, name: 'authorization.header' },
    { authorization: { header: 'X-Auth\r\nInjected: 1' }, name: 'authorization.header' },
    { authorization: { header: '' }, name: 'authorization.header' },
    { authorization: { header: 'Authorization:' }, name: 'authorization.header' },
    { authorization: { header: 42 }, name: 'authorization.header' },
    { authorization: { scheme: 'To ken' }, name: 'authorization.scheme' },
    { authorization: { scheme: 'Bearer\n' }, name: 'authorization.scheme' },
    { authorization: { scheme: null }, name: 'authorization.scheme' },
    { authorization: { headr: 'X-Auth' }, name: 'headr' },
    { authorization: 'X-Auth-Token', name: 'authorization' },
  ])('refuses $authorization at creation, naming $name', ({ authorization, name }) => {
    expect(() => provider.make('https://auth.example.com', { authorization })).toThrow(expect.objectContaining({ name: 'TypeError', message: expect.stringContaining(`\`${name}\``) }))
  })
})

describe('custom', () => {
  it('refuses both authorize and authorization: one says where the token goes', () => {
    expect(() => custom(async (t) => t, { authorize: () => {}, authorization: { scheme: 'Token' } })).toThrow(/`authorization`/)
  })

  it('keeps a hand-written authorize', () => {
    const authorize = (tokens: Tokens, headers: Headers) => headers.set('X-Mine', tokens.accessToken)
    expect(custom(async (t) => t, { authorize }).authorize).toBe(authorize)
  })
})
