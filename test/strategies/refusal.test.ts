/**
 * How a refused answer's `Retry-After` and provider code are read: an HTTP date or delta-seconds
 * only (nothing else becomes a date a year away), and a code shown only when it reads as one.
 */
import { describe, expect, it } from 'vitest'
import { parseRetryAfter, safeCode } from '../../src/strategies/refusal.js'

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

describe('safeCode', () => {
  it.each(['invalid_grant', 'slow_down', 'FlogoException', 'HTTPError', 'invalidGrant', 'ACCOUNT_LOCKED', 'E0003', 'ESB-IDP-E0099', 'COM.0002', 'PARAM.0023', '40001'])('%s, undocumented, is shown', (code) => {
    expect(safeCode(code, {}, ['a-refresh-credential'])).toBe(code)
  })

  // Echoes in encodings that are not looked for: they do not read as a code.
  it.each(['erserfuGbx3aNFQSTUwxyzaOIPK', 'OJSWM4TFONUFI33LGNXECU2EIZDUQ2TLNRWW4QSWINMA', 'aNFQSTUwxyzaOIPK', 'x9Kq2LmZ', 'dGVzdA', 'MZUWELLSOQWVMYRTJZYTQWDXGFGHANQ'])('%s is not shown', (code) => {
    expect(safeCode(code, {}, [])).toBeUndefined()
  })

  it('a documented code is shown whatever its shape', () => {
    expect(safeCode('X9kQ2', { X9kQ2: false }, [])).toBe('X9kQ2')
  })
})
