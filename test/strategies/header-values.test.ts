/**
 * A value with CR, LF or NUL cannot travel in a header: `Headers.set` throws, quoting it. Such a
 * value is refused where it enters a strategy, naming the field and never printing the value:
 * token fields of a refresh answer, the credential a refresh presents, and header options.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { InvalidRefreshResponseError, RefreshError } from '../../src/index.js'
import { ags, ciam, oauth2, s360 } from '../../src/strategies/index.js'
import { type LoopbackServer, providerCases, startLoopback } from '../_helpers/strategy-harness.js'

const servers: LoopbackServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()))
})
const context = (now = 1_700_000_000_000) => ({ signal: new AbortController().signal, fetch, now: () => now })
const INJECTED = 'evil-token-value\r\nX-Injected: 1'

describe.each(providerCases)('$name', (provider) => {
  it('an answer whose token has CR/LF → InvalidRefreshResponseError naming the field, not quoting it', async () => {
    const answer = JSON.stringify(provider.answer(300)).replace(/"[a-z0-9]+-(access|id-token)-new"/, JSON.stringify(INJECTED))
    const auth = await startLoopback((_request, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(answer))
    servers.push(auth)
    const error = await provider.make(auth.url).refresh(provider.tokens, context()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRefreshResponseError)
    expect((error as Error).message).toMatch(/control characters/)
    expect((error as Error).message).not.toContain('evil')
  })

  it('an answer whose token a header cannot carry (not Latin-1) → InvalidRefreshResponseError, not stored to fail every later refresh', async () => {
    const answer = JSON.stringify(provider.answer(300)).replace(/"[a-z0-9]+-(access|id-token)-new"/, JSON.stringify('evil-séssion–token€'))
    const auth = await startLoopback((_request, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(answer))
    servers.push(auth)
    const error = await provider.make(auth.url).refresh(provider.tokens, context()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRefreshResponseError)
    expect((error as Error).message).toMatch(/Latin-1/)
    expect((error as Error).message).not.toContain('evil')
  })

  it.each(['   ', ' spaced-token-new', 'spaced-token-new '])('an answer whose token has a space at either end (%j) → InvalidRefreshResponseError: a header would drop it', async (token) => {
    const answer = JSON.stringify(provider.answer(300)).replace(/"[a-z0-9]+-(access|id-token)-new"/, JSON.stringify(token))
    const auth = await startLoopback((_request, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(answer))
    servers.push(auth)
    const error = await provider.make(auth.url).refresh(provider.tokens, context()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRefreshResponseError)
    expect((error as Error).message).toMatch(/no space at either end/)
    expect((error as Error).message).not.toContain('spaced')
  })

  it('a credential a header cannot carry (not Latin-1) → terminal RefreshError before any call, not "could not be reached"', async () => {
    const auth = await startLoopback((_request, res) => res.writeHead(200).end('{}'))
    servers.push(auth)
    const field = Object.keys(provider.tokens).find((key) => key !== 'accessToken') as string
    const error = await provider.make(auth.url).refresh({ ...provider.tokens, [field]: 'evil-séssion–token€' }, context()).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'RefreshError', transient: false })
    expect((error as Error).message).toContain(field)
    expect(auth.requests).toEqual([])
  })

  it('a credential with LF → terminal RefreshError before any call, not quoting it', async () => {
    const auth = await startLoopback((_request, res) => res.writeHead(200).end('{}'))
    servers.push(auth)
    const field = Object.keys(provider.tokens).find((key) => key !== 'accessToken') as string
    const error = await provider.make(auth.url).refresh({ ...provider.tokens, [field]: INJECTED }, context()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RefreshError)
    expect(error).toMatchObject({ transient: false })
    expect((error as Error).message).toContain(field)
    expect((error as Error).message).not.toContain('evil')
    expect(auth.requests).toEqual([])
  })
})

describe('header options', () => {
  const device = { fingerprint: 'f', osVersion: 'o', agent: 'a' }
  it.each([
    ['apiKey', () => s360({ baseURL: 'https://a.example.com', apiKey: INJECTED })],
    ['clientId', () => ciam({ baseURL: 'https://a.example.com', clientId: INJECTED, device })],
    ['device.agent', () => ciam({ baseURL: 'https://a.example.com', clientId: 'c', device: { ...device, agent: INJECTED } })],
    ['device.ip', () => ciam({ baseURL: 'https://a.example.com', clientId: 'c', device: { ...device, ip: INJECTED } })],
    ['authServiceId', () => ags({ baseURL: 'https://a.example.com', authServiceId: INJECTED })],
    ['tenantId', () => ags({ baseURL: 'https://a.example.com', authServiceId: 's', tenantId: INJECTED })],
    ['clientSecret', () => oauth2({ tokenEndpoint: 'https://a.example.com/t', clientId: 'c', clientSecret: INJECTED })],
  ])('%s with CR/LF is refused at creation, naming it, not quoting it', (name, make) => {
    expect(make).toThrow(expect.objectContaining({ name: 'TypeError', message: expect.stringContaining(`\`${name}\``) }))
    expect(make).not.toThrow(/evil/)
  })
  const LATIN_1_NOT = 'evil-séssion–key€'
  it.each([
    ['apiKey', () => s360({ baseURL: 'https://a.example.com', apiKey: LATIN_1_NOT })],
    ['clientId', () => ciam({ baseURL: 'https://a.example.com', clientId: LATIN_1_NOT, device })],
    ['device.fingerprint', () => ciam({ baseURL: 'https://a.example.com', clientId: 'c', device: { ...device, fingerprint: LATIN_1_NOT } })],
    ['device.language', () => ciam({ baseURL: 'https://a.example.com', clientId: 'c', device: { ...device, language: LATIN_1_NOT } })],
    ['authServiceId', () => ags({ baseURL: 'https://a.example.com', authServiceId: LATIN_1_NOT })],
    ['tenantId', () => ags({ baseURL: 'https://a.example.com', authServiceId: 's', tenantId: LATIN_1_NOT })],
  ])('%s a header cannot carry (not Latin-1) is refused at creation, not failed as a network error at every refresh', (name, make) => {
    expect(make).toThrow(expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(new RegExp(`\`${name}\`.*Latin-1`)) }))
    expect(make).not.toThrow(/evil/)
  })

  it('an oauth2 client secret is form-encoded before it goes in a header: any Unicode is taken', () => {
    expect(() => oauth2({ tokenEndpoint: 'https://a.example.com/t', clientId: 'c', clientSecret: LATIN_1_NOT, clientAuth: 'basic' })).not.toThrow()
  })
})
