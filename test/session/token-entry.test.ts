/**
 * Tokens are refused where they enter, with an error naming the field and never the value: a
 * token passed where the tokens object belongs (it was printed in the TypeError), and tokens with
 * CR, LF, NUL or any control character (they made every request fail with a Headers error quoting
 * `Bearer <token>`), and access or refresh tokens beyond Latin-1 or with a space at either end (a
 * header cannot carry them as they are), in options, setTokens and refresh results.
 */
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { createSession, InvalidRefreshResponseError, type Tokens } from '../../src/index.js'
import { countingStrategy } from '../_helpers/counting-strategy.js'

const SECRET = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.sig-secret'
const strategy = countingStrategy()

function caught(run: () => unknown): Error {
  try {
    run()
  } catch (error) {
    return error as Error
  }
  throw new Error('did not throw')
}

const texts = (error: Error): string => [error.message, String(error), error.stack, inspect(error, { depth: 5 }), JSON.stringify(error)].join('\n')

const controls = ['\r', '\n', '\u0000', '\t', '\u001b', '\u007f']
// A header carries Latin-1 only: axios sent `abc€def` as `abcdef` (another credential), fetch refused it.
const beyondLatin1 = ['€', '\u0100', '😀', '\u0085']
const misplaced: Array<[string, unknown, string]> = [
  ['a token as the tokens object', SECRET, '`tokens`'],
  ['a token in an array', [SECRET], '`tokens`'],
  ['a token as expiresAt', { accessToken: 'a', expiresAt: SECRET }, '`tokens.expiresAt`'],
  ['a token object as accessToken', { accessToken: { value: SECRET } }, '`tokens.accessToken`'],
  ...controls.map((c): [string, unknown, string] => [`accessToken with ${JSON.stringify(c)}`, { accessToken: `${SECRET}${c}x` }, '`tokens.accessToken`']),
  ...controls.map((c): [string, unknown, string] => [`refreshToken with ${JSON.stringify(c)}`, { accessToken: 'a', refreshToken: `${c}${SECRET}` }, '`tokens.refreshToken`']),
  ...beyondLatin1.map((c): [string, unknown, string] => [`accessToken with ${JSON.stringify(c)}`, { accessToken: `${SECRET}${c}x` }, '`tokens.accessToken`']),
  ...beyondLatin1.map((c): [string, unknown, string] => [`refreshToken with ${JSON.stringify(c)}`, { accessToken: 'a', refreshToken: `${c}${SECRET}` }, '`tokens.refreshToken`']),
  // A header drops spaces at either end: `"   "` went out as `Bearer` alone, ` tok ` as another value.
  ['accessToken of spaces only', { accessToken: '   ' }, '`tokens.accessToken`'],
  ['accessToken with a leading space', { accessToken: ` ${SECRET}` }, '`tokens.accessToken`'],
  ['refreshToken with a trailing space', { accessToken: 'a', refreshToken: `${SECRET} ` }, '`tokens.refreshToken`'],
  ['a provider field (sessionToken) with CRLF', { accessToken: 'a', sessionToken: `${SECRET}\r\nX-Evil: 1` }, '`tokens.sessionToken`'],
]

describe.each(misplaced)('%s', (_label, tokens, field) => {
  it('createSession throws a TypeError naming the field, never the value', () => {
    const error = caught(() => createSession({ strategy, tokens: tokens as Tokens }))
    expect(error).toMatchObject({ name: 'TypeError', code: expect.stringMatching(/^ERR_INVALID_ARG_/) })
    expect(error.message).toContain(field)
    expect(texts(error)).not.toContain('sig-secret')
  })

  it('setTokens rejects the same way, and keeps the tokens it had', async () => {
    const session = createSession({ strategy, tokens: { accessToken: 'before' } })
    const error = await session.setTokens(tokens as Tokens).then(() => new Error('resolved'), (e: Error) => e)
    expect(error.name).toBe('TypeError')
    expect(error.message).toContain(field)
    expect(texts(error)).not.toContain('sig-secret')
    await expect(session.getAccessToken()).resolves.toBe('before')
  })

  it('a strategy returning it: InvalidRefreshResponseError naming the field, the old tokens kept', async () => {
    const session = createSession({ strategy: countingStrategy(() => tokens as Tokens), tokens: { accessToken: 'before' } })
    const events: unknown[] = []
    session.on('refreshFailed', (event) => events.push(event))
    const error = await session.refresh().then(() => new Error('resolved'), (e: Error) => e)
    expect(error).toBeInstanceOf(InvalidRefreshResponseError)
    expect(error.message).toContain(field.replace('tokens.', ''))
    expect(texts(error)).not.toContain('sig-secret')
    expect(inspect(events, { depth: 6 }) + JSON.stringify(events)).not.toContain('sig-secret')
    await expect(session.getAccessToken()).resolves.toBe('before')
  })
})

it('options passed as a token: the TypeError does not print it', () => {
  const error = caught(() => createSession(SECRET as never))
  expect(error.message).toContain('`options`')
  expect(texts(error)).not.toContain('sig-secret')
})

describe('tokens another copy announces (tabs, processes)', () => {
  it('are checked like any other input: unusable ones are ignored, the session keeps its own', async () => {
    let link: { adopt(tokens: Tokens | undefined): void } | undefined
    const coordinator = {
      attach(given: typeof link) {
        link = given
        return () => {}
      },
      refresh: (_stale: Tokens, work: () => Promise<Tokens>) => work(),
    }
    const session = createSession({ strategy, tokens: { accessToken: 'own-token' }, coordinator })
    for (const control of controls) link?.adopt({ accessToken: `bad${control}token` })
    link?.adopt({ accessToken: 42 } as unknown as Tokens)
    expect(await session.getAccessToken()).toBe('own-token')
    link?.adopt({ accessToken: 'next-token' })
    expect(await session.getAccessToken()).toBe('next-token')
  })
})
