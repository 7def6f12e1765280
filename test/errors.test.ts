import { format, inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import {
  BodyNotReplayableError,
  InvalidRefreshResponseError,
  isTokenflightError,
  RefreshError,
  RefreshTimeoutError,
  SessionExpiredError,
  TokenflightError,
} from '../src/index.js'

const SECRET = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.signature-secret'
const body = { data: { accessToken: SECRET, refreshToken: SECRET } }

const samples: Array<[string, TokenflightError]> = [
  ['RefreshError', new RefreshError('FIB refresh failed with HTTP 500', { transient: true, status: 500, body })],
  ['InvalidRefreshResponseError', new InvalidRefreshResponseError('data.expirationTime', 'a number', 'string', { body })],
  ['SessionExpiredError', new SessionExpiredError(undefined, { cause: new RefreshError('gone', { transient: false, body }) })],
  ['RefreshTimeoutError', new RefreshTimeoutError(10_000)],
  ['BodyNotReplayableError', new BodyNotReplayableError({ headers: { authorization: `Bearer ${SECRET}` } })],
]

describe('errors', () => {
  it.each(samples)('%s never shows a token in message, toString, stack, inspect or JSON', (name, error) => {
    expect(error.name).toBe(name)
    // `showHidden` and `%o` (console.log's) print non-enumerable properties too.
    const hidden = [inspect(error, { depth: 10, showHidden: true }), format('%o', error), inspect(Object.create(error), { showHidden: true })]
    for (const text of [error.message, String(error), error.stack ?? '', inspect(error, { depth: 10 }), JSON.stringify(error), ...hidden]) {
      expect(text).not.toContain(SECRET)
    }
  })

  it.each(samples)('%s has a stable code and is recognised by isTokenflightError', (_name, error) => {
    expect(error.code).toMatch(/^ERR_[A-Z_]+$/)
    expect(isTokenflightError(error)).toBe(true)
    expect(error).toBeInstanceOf(TokenflightError)
  })

  it('keeps the body reachable for code that needs it, just not printable', () => {
    const error = samples[0]?.[1] as RefreshError
    expect(error.body).toEqual(body)
    expect(Object.keys(error)).not.toContain('body')
    // A waiter's copy (an object inheriting from the error) reads it too.
    expect((Object.create(error) as RefreshError).body).toEqual(body)
  })

  it('isTokenflightError works across copies of the package (brand, not instanceof)', () => {
    const foreign = Object.defineProperty(new Error('x'), Symbol.for('tokenflight.error'), { value: true })
    expect(isTokenflightError(foreign)).toBe(true)
    expect(isTokenflightError(new Error('x'))).toBe(false)
    expect(isTokenflightError(null)).toBe(false)
  })
})

it('an error given no cause has no `cause` property (inspect would print `[cause]: undefined`)', () => {
  for (const error of [new RefreshError('m', { transient: true }), new InvalidRefreshResponseError('f', 'x', 'y'), new SessionExpiredError()]) {
    expect('cause' in error).toBe(false)
    expect(inspect(error)).not.toContain('[cause]')
  }
})

describe('on a platform older than the `cause` option of Error (Chrome < 93, Firefox < 91, Safari < 15)', () => {
  it('each error keeps the cause it was given, as an own property left out of JSON', () => {
    // What `super(message, options)` reaches there: an Error that ignores its options.
    function OldError(this: unknown, message?: string) {
      return Reflect.construct(Error, [message], new.target ?? OldError)
    }
    OldError.prototype = Error.prototype
    Object.setPrototypeOf(TokenflightError, OldError)
    try {
      const root = new Error('root')
      expect(Reflect.construct(OldError, ['probe', { cause: root }])).not.toHaveProperty('cause')
      const refreshError = new RefreshError('refused', { transient: false, cause: root })
      const expired = new SessionExpiredError(undefined, { cause: refreshError })
      expect(refreshError.cause).toBe(root)
      expect(expired.cause).toBe(refreshError)
      expect(Object.keys(expired)).not.toContain('cause')
      expect('cause' in new RefreshError('no cause', { transient: true })).toBe(false)
    } finally {
      Object.setPrototypeOf(TokenflightError, Error)
    }
  })
})
