/**
 * Every URL option of every strategy is checked at creation, with an error naming the option
 * (`fib({ baseURL: 'not a url' })` used to throw a bare `TypeError: Invalid URL`), and a refresh
 * endpoint over plain http to a host that is not loopback is refused unless `allowInsecureHttp`:
 * the refresh credentials would travel in clear.
 */
import { describe, expect, it } from 'vitest'
import { providerCases } from '../_helpers/strategy-harness.js'

const invalid = (name: string) => expect.objectContaining({ name: 'TypeError', message: expect.stringContaining(`\`${name}\``) })

describe.each(providerCases)('$name URL option', (provider) => {
  const make = (url: unknown, extra?: Record<string, unknown>) => () => provider.make(url as string, extra)
  const option = provider.urlOption

  it.each(['not a url', '/relative/path', 'ftp://auth.example.com', 'javascript:alert(1)', 'https://exa mple.com'])('%s → TypeError naming the option', (url) => {
    // oauth2's factory appends the token path: a relative or garbage base stays invalid either way.
    expect(make(url)).toThrow(invalid(option))
  })

  it.each([42, null, {}])('%s (not a string) → TypeError naming the option', (url) => {
    expect(make(url)).toThrow(invalid(option))
  })

  it('a URL with user:password is refused without printing it', () => {
    const attempt = make('https://user:hunter2-password@auth.example.com')
    expect(attempt).toThrow(invalid(option))
    expect(attempt).not.toThrow(/hunter2/)
  })

  it.each(['http://auth.example.com', 'http://10.0.0.5:8080', 'http://127.0.0.1.nip.io', 'http://localhost.example.com'])(
    'plain http to %s is refused unless allowInsecureHttp',
    (url) => {
      expect(make(url)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringMatching(/https.*allowInsecureHttp/) }))
      expect(make(url, { allowInsecureHttp: true })).not.toThrow()
    },
  )

  it.each(['https://auth.example.com', 'http://localhost:8080', 'http://127.0.0.1:9000', 'http://127.4.5.6', 'http://[::1]:8443'])(
    '%s is accepted',
    (url) => {
      expect(make(url)).not.toThrow()
    },
  )

  it('allowInsecureHttp must be a boolean', () => {
    expect(make('http://auth.example.com', { allowInsecureHttp: 'yes' })).toThrow(invalid('allowInsecureHttp'))
  })
})
