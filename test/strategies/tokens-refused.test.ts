/**
 * Which final answers refuse the session's tokens themselves (`RefreshError.tokensRefused`): with a
 * coordinator only those are remembered, so one process's own set-up (a wrong client secret or
 * API key) never ends the sessions of the others.
 */
import { describe, expect, it } from 'vitest'
import { createSession, RefreshError } from '../../src/index.js'
import { expectRefreshFailure, providerCases } from '../_helpers/strategy-harness.js'

const byName = (name: string) => providerCases.find((c) => c.name === name) as (typeof providerCases)[number]

// [provider, status, body, tokens refused]
const answers: Array<[string, number, unknown, boolean]> = [
  ['oauth2', 400, { error: 'invalid_grant' }, true],
  ['oauth2', 401, { error: 'invalid_client' }, false],
  ['oauth2', 400, { error: 'unauthorized_client' }, false],
  ['oauth2', 400, { error: 'invalid_scope' }, false],
  ['oauth2', 401, {}, false],
  ['fib', 401, {}, true],
  ['fib', 400, {}, false],
  ['fib', 422, {}, false],
  ['ags', 401, {}, true],
  ['ags', 403, {}, false],
  ['ciam', 400, { error_code: 'IDAAS.SDK.PARAM.0023' }, true],
  ['ciam', 400, { error_code: 'IDAAS.SDK.PARAM.0022' }, true],
  ['ciam', 400, { error_code: 'IDAAS.SDK.PARAM.0003' }, false],
  ['s360', 401, { desc: { code: 'ESB-IDP-E0003' } }, true],
  ['s360', 401, { desc: { code: 'APIMDeveloperInactive' } }, false],
]

describe('tokensRefused on a final refusal', () => {
  it.each(answers)('%s, HTTP %i %j → tokensRefused %s', async (name, status, body, refused) => {
    const provider = byName(name)
    const answer = async () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
    const session = createSession({ strategy: provider.make('https://auth.example.com'), tokens: provider.tokens, retry: false, fetch: answer })
    const error = await expectRefreshFailure(session, session.refresh(), true)
    expect({ transient: error.transient, tokensRefused: error.tokensRefused }).toEqual({ transient: false, tokensRefused: refused })
  })

  it('a check made before any call (no refresh token held) is not a refusal of the tokens', async () => {
    const session = createSession({ strategy: byName('fib').make('https://auth.example.com'), tokens: { accessToken: 'a' }, retry: false })
    const error = await expectRefreshFailure(session, session.refresh(), true)
    expect(error.tokensRefused).toBe(false)
  })

  it('a RefreshError a custom strategy builds says false unless told, and only `true` counts', () => {
    expect(new RefreshError('no', { transient: false, status: 401 }).tokensRefused).toBe(false)
    expect(new RefreshError('no', { transient: false, tokensRefused: true }).tokensRefused).toBe(true)
    expect(new RefreshError('no', { transient: false, tokensRefused: 'yes' as never }).tokensRefused).toBe(false)
  })
})
