/**
 * The allowlist for URL strings remembers each origin's verdict instead of parsing every request's
 * URL. Whatever strings come first, a remembered verdict must be the one a parse would give:
 * hostile spellings (credentials, backslashes, tabs, upper case, default ports, encoded hosts,
 * relative and protocol-relative URLs, `null/…`, `blob:` URLs of an allowed origin) must never
 * borrow another string's verdict.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createOriginPolicy, hrefPolicy, resolveUrl } from '../../src/interceptors/origin-policy.js'

const ALLOWED = 'https://api.example.com'
const pieces = {
  scheme: ['https://', 'http://', 'HTTPS://', 'https:/', 'https:\\\\', '//', 'ftp://', 'blob:https://', 'null/', '', 'https:'],
  user: ['', 'user@', 'api.example.com@', 'a:b@', '%40@'],
  host: ['api.example.com', 'API.example.com', 'api.example.com.evil.com', 'evil.com', 'api.example.co', 'api%2Eexample.com', 'api.example.com\t', '127.0.0.1', '[::1]', 'localhost', 'xn--pi-7ka.example.com'],
  port: ['', ':443', ':8443', ':80', ':', ':0443'],
  rest: ['', '/', '/me', '\\me', '?q=/x', '#/x', '@evil.com/', '.evil.com/', '\t/me', ' /me', '/../x', '//evil.com/'],
}
const composed = fc.tuple(...Object.values(pieces).map((list) => fc.constantFrom(...list))).map((parts) => parts.join(''))
// Strings around the allowed origin, often enough that one can come before another in a run.
const near = fc.constantFrom(`${ALLOWED}/me`, ALLOWED, `blob:${ALLOWED}/6f1c2a9e`, `${ALLOWED}:443/me`, `${ALLOWED}@evil.com/`, `${ALLOWED}.evil.com/`, `http${ALLOWED.slice(5)}/me`)
const href = fc.oneof({ arbitrary: composed, weight: 3 }, { arbitrary: near, weight: 1 })

describe('hrefPolicy', () => {
  it('gives the verdict of a parse for every string, whatever was asked before', () => {
    fc.assert(
      fc.property(fc.array(href, { minLength: 1, maxLength: 40 }), fc.constantFrom(undefined, 'https://api.example.com/v1/', 'https://evil.com/'), (hrefs, base) => {
        const isAllowed = createOriginPolicy({ origins: [ALLOWED, /^http:\/\/127\.0\.0\.1(:\d+)?$/], allowInsecureHttp: false }, undefined)
        const allowsHref = hrefPolicy(isAllowed)
        for (const one of [...hrefs, ...hrefs]) {
          const url = resolveUrl(one, base)
          expect(allowsHref(one, base), one).toBe(url !== undefined && isAllowed(url))
        }
      }),
      { numRuns: 2_000 },
    )
  })

  it('remembers a verdict: the allowed origin, with and without a path, is looked up after the first parse', () => {
    let parses = 0
    const allowsHref = hrefPolicy((url) => {
      parses++
      return url.origin === ALLOWED
    })
    expect([`${ALLOWED}/a`, `${ALLOWED}/b?x`, ALLOWED, `${ALLOWED}@evil.com/`].map((one) => allowsHref(one))).toEqual([true, true, true, false])
    expect(parses).toBe(2)
  })
})
