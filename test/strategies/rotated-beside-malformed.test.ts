/**
 * An answer that rotates the refresh credential but is refused over another field (an empty or
 * mistyped access token): the provider has spent the credential it was given, so the session keeps
 * the rotated one and presents it next, never the spent one (which reuse detection would punish).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createSession, InvalidRefreshResponseError, memoryStore, type Tokens } from '../../src/index.js'
import { type LoopbackServer, providerCases, startLoopback } from '../_helpers/strategy-harness.js'

const servers: LoopbackServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()))
})

// Where each rotating provider's answer holds the access token.
const accessPaths: Record<string, string[]> = { fib: ['data', 'accessToken'], ags: ['access_token'], oauth2: ['access_token'], ciam: ['id_token'] }

function withAccess(answer: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(answer)
  let at: Record<string, unknown> = copy
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>
  at[path.at(-1) as string] = value
  return copy
}

describe.each(providerCases.filter((provider) => provider.name in accessPaths))('$name: a rotated credential beside a malformed access token', (provider) => {
  it.each([
    ['empty', ''],
    ['a number', 42],
  ])('access token %s: InvalidRefreshResponseError, the rotated credential stored, and presented by the next refresh', async (_, bad) => {
    const good = provider.answer(300)
    const rotated = JSON.stringify(good).match(/"([^"]*rotated-2)"/)?.[1] as string
    const answers = [withAccess(good, accessPaths[provider.name] as string[], bad), good]
    const server = await startLoopback((_request, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answers.shift())))
    servers.push(server)
    const store = memoryStore<Tokens>()
    const session = createSession({ strategy: provider.make(server.url), tokens: provider.tokens, store, retry: false })
    await expect(session.refresh()).rejects.toBeInstanceOf(InvalidRefreshResponseError)
    expect(session.state).toBe('active')
    expect(provider.credential((await store.get()) as Tokens)).toBe(rotated)
    await session.refresh()
    const second = server.requests[1]
    const presented = `${JSON.stringify(second?.headers)} ${second?.body}`
    expect(presented).toContain(encodeURIComponent(rotated).replace(/%20/g, '+'))
    expect(presented).not.toContain(provider.credential(provider.tokens) as string)
  })
})
