/** Reading a token's expiry: the strategy's `expiresAt`, else the JWT `exp`, else unknown. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { tokenExpiry } from '../src/token-expiry.js'

const base64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url')
const jwt = (claims: unknown): string => `${base64url('{"alg":"HS256","typ":"JWT"}')}.${base64url(JSON.stringify(claims))}.c2ln`

describe('tokenExpiry', () => {
  it('prefers the strategy-supplied expiresAt', () => {
    expect(tokenExpiry({ accessToken: jwt({ exp: 100 }), expiresAt: 5_000 })).toBe(5_000)
  })

  it('reads exp (seconds) from any JWT payload: unpadded base64url, - and _, non-ASCII claims', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e11 - 1 }), fc.string({ unit: 'binary' }), (exp, name) => {
        expect(tokenExpiry({ accessToken: jwt({ name, exp, sub: '?>?~' }) })).toBe(exp * 1000)
      }),
    )
  })

  it('is unknown for opaque tokens, broken payloads and an exp that is not a number', () => {
    for (const accessToken of ['opaque-token', 'a.b.c', 'a.%%%.c', `x.${base64url('[1]')}.y`, jwt({ exp: '123' }), jwt({ exp: null }), jwt({}), '']) {
      expect(tokenExpiry({ accessToken })).toBeUndefined()
    }
  })

  it('is unknown for an exp written in milliseconds (past 1e11 s, the year 5138)', () => {
    for (const accessToken of [jwt({ exp: 1e11 }), jwt({ exp: Date.now() + 3_600_000 }), jwt({ exp: -1e12 })]) {
      expect(tokenExpiry({ accessToken })).toBeUndefined()
    }
  })
})
