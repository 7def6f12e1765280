/**
 * How a refused answer's `Retry-After` and provider code are read: an HTTP date or delta-seconds
 * only (nothing else becomes a date a year away), and a code shown only when the provider documents it.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { documentedCode, parseRetryAfter, refusalError } from '../../src/strategies/refusal.js'

const now = Date.parse('2026-12-04T12:00:00Z')

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120_000],
    [' 5 ', 5_000],
    ['Fri, 04 Dec 2026 12:01:00 GMT', 60_000], // IMF-fixdate
    ['Friday, 04-Dec-26 12:01:00 GMT', 60_000], // RFC 850
    ['Fri Dec  4 12:01:00 2026', 60_000], // asctime, read as GMT below
    ['Thu, 03 Dec 2026 12:00:00 GMT', 0], // past: at once
    ['99999999999', 31_536_000_000], // a year at most
  ])('%j → %d ms', (value, ms) => {
    const read = parseRetryAfter(value, now)
    // asctime carries no zone: Date.parse reads it as local time.
    const shift = value.startsWith('Fri Dec') ? new Date(now).getTimezoneOffset() * 60_000 : 0
    expect(read).toBe(ms + shift)
  })

  // Date.parse reads a date into nearly any text with a number; none of these is an HTTP date.
  it.each(['Retry in 5000', 'abc 275760', 'soon-ish', '-10', '0.5', '120s', '1 hour', 'Fri', 'Mon 12:00:00'])('%j is ignored', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined()
  })
})

describe('documentedCode', () => {
  const documented = { invalid_grant: false, 'ESB-IDP-E0003': false, X9kQ2: true }

  it.each([
    ['invalid_grant', 'invalid_grant'],
    ['invalid_grant: refresh token abc revoked', 'invalid_grant'],
    ['ESB-IDP-E0003', 'ESB-IDP-E0003'],
    ['X9kQ2', 'X9kQ2'], // whatever its shape
  ])('%j → %s', (value, code) => {
    expect(documentedCode(value, documented)).toBe(code)
  })

  // Undocumented: harmless-looking or an echo shaped to look like a code, none is shown.
  it.each(['slow_down', 'FlogoException', 'E0003', 'invalid_grant_x', ' invalid_grant', 'ESB-IDP-E0099', 'kfjd.lmao.bepc', 'constructor', '__proto__', 'toString'])(
    '%j is not shown',
    (value) => {
      expect(documentedCode(value, documented)).toBeUndefined()
    },
  )

  it.each([undefined, null, 42, {}, ['invalid_grant']])('%j (not a string) is not shown', (value) => {
    expect(documentedCode(value, documented)).toBeUndefined()
  })
})

// Whatever a refused answer holds, in whichever field a provider reads, the message is built from
// constants: the provider, the status, and a documented code with its hint.
describe('refusalError: a message of constants only', () => {
  const rules = {
    refusesTokens: () => false,
    provider: 'P',
    codeAt: ['error', 'desc.code'],
    codes: { invalid_grant: false, 'ESB-IDP-E0003': false },
    hints: { invalid_grant: 'sign in again' },
    detailsAt: ['esbUUID'],
  }
  const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('invalid_grant', 'ESB-IDP-E0003', 'invalid_grant: x', 'slow_down'))
  const body = fc.record({ error: text, desc: fc.record({ code: text, en: text }), esbUUID: fc.oneof(text, fc.uuid()), message: text }, { requiredKeys: [] })

  it('fast-check: message, providerCode and every enumerable field hold no text of the body', () => {
    fc.assert(
      fc.property(fc.integer({ min: 400, max: 599 }), body, fc.option(text), (status, answer, retryAfter) => {
        const headers = new Headers()
        if (retryAfter !== null && /^[\t\x20-\x7e]*$/.test(retryAfter)) headers.set('retry-after', retryAfter)
        const error = refusalError(status, headers, answer, rules, now)
        expect(error.message).toMatch(/^P refresh failed with HTTP \d{3}(?: \((?:invalid_grant\): sign in again|ESB-IDP-E0003\)))?$/)
        expect([undefined, 'invalid_grant', 'ESB-IDP-E0003']).toContain(error.providerCode)
        for (const value of Object.values(error)) if (typeof value === 'string') expect(['RefreshError', 'ERR_REFRESH_FAILED', error.message, error.providerCode]).toContain(value)
      }),
      { numRuns: 500 },
    )
  })
})
