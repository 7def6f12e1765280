/** The refresh window as a pure function of (expiresAt, obtainedAt, aheadMs, share, now): every boundary. */
import { describe, expect, it } from 'vitest'
import { clampExpiry, MAX_LIFETIME_MS, refreshDueAt, tokenPhase } from '../../src/session/refresh-window.js'

const expiresAt = 1_000_000
const aheadMs = 10_000

describe('tokenPhase', () => {
  it.each([
    { label: 'long before the window', obtainedAt: undefined, now: 0, phase: 'fresh' },
    { label: 'expires in refreshAheadMs + 1 ms', obtainedAt: undefined, now: expiresAt - aheadMs - 1, phase: 'fresh' },
    { label: 'expires in refreshAheadMs', obtainedAt: undefined, now: expiresAt - aheadMs, phase: 'due' },
    { label: 'expires in refreshAheadMs minus 1 ms', obtainedAt: undefined, now: expiresAt - aheadMs + 1, phase: 'due' },
    { label: 'expires in 1 ms', obtainedAt: undefined, now: expiresAt - 1, phase: 'due' },
    { label: 'at expiry', obtainedAt: undefined, now: expiresAt, phase: 'expired' },
    { label: 'long after expiry', obtainedAt: undefined, now: expiresAt + 3_600_000, phase: 'expired' },
    // Issued 4 s before expiry: the window is capped at half the life (2 s), not 10 s.
    { label: 'short life: 2001 ms left of 4000', obtainedAt: expiresAt - 4_000, now: expiresAt - 2_001, phase: 'fresh' },
    { label: 'short life: half of it left', obtainedAt: expiresAt - 4_000, now: expiresAt - 2_000, phase: 'due' },
    { label: 'long life: the cap does not bind', obtainedAt: expiresAt - 3_600_000, now: expiresAt - aheadMs, phase: 'due' },
    { label: 'unknown issue time: no cap', obtainedAt: undefined, now: expiresAt - aheadMs + 500, phase: 'due' },
  ] as const)('$label → $phase', ({ obtainedAt, now, phase }) => {
    expect(tokenPhase({ expiresAt, obtainedAt, aheadMs, aheadShare: 0.5 }, now)).toBe(phase)
  })

  it('unknown expiry: always fresh (refreshed on failure only)', () => {
    for (const now of [0, expiresAt, Number.MAX_SAFE_INTEGER]) {
      expect(tokenPhase({ expiresAt: undefined, obtainedAt: 0, aheadMs, aheadShare: 0.5 }, now)).toBe('fresh')
    }
  })

  it('a window of zero refreshes at expiry only', () => {
    const input = { expiresAt, obtainedAt: undefined, aheadMs: 0, aheadShare: 0.5 }
    expect(tokenPhase(input, expiresAt - 1)).toBe('fresh')
    expect(tokenPhase(input, expiresAt)).toBe('expired')
  })
})

describe('refreshDueAt', () => {
  it.each([
    { aheadShare: 0.5, obtainedAt: expiresAt - 2_000, due: expiresAt - 1_000 },
    { aheadShare: 0.05, obtainedAt: expiresAt - 2_000, due: expiresAt - 100 },
    { aheadShare: 0.05, obtainedAt: undefined, due: expiresAt - aheadMs },
  ])('share $aheadShare, issued at $obtainedAt → due at $due', ({ aheadShare, obtainedAt, due }) => {
    expect(refreshDueAt({ expiresAt, obtainedAt, aheadMs, aheadShare })).toBe(due)
  })
})

describe('clampExpiry', () => {
  it.each([
    { label: 'an ordinary expiry', expiresAt: 5_000, clamped: 5_000 },
    { label: 'a year away exactly', expiresAt: MAX_LIFETIME_MS, clamped: MAX_LIFETIME_MS },
    { label: 'a lifetime of 1e308 s', expiresAt: 1e308 * 1000, clamped: MAX_LIFETIME_MS },
    { label: 'Infinity', expiresAt: Number.POSITIVE_INFINITY, clamped: MAX_LIFETIME_MS },
    { label: 'NaN', expiresAt: Number.NaN, clamped: undefined },
    { label: 'unknown', expiresAt: undefined, clamped: undefined },
  ])('$label', ({ expiresAt: input, clamped }) => {
    expect(clampExpiry(input, 0)).toBe(clamped)
  })
})
