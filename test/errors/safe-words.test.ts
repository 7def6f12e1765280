/**
 * A foreign error (a store's, a fetch wrapper's) is shown by safe words only: codes and words from
 * closed lists and class names. A secret shaped like an open pattern (an upper-case word, an
 * errno-like code) in its message, code or causes is never one of them.
 */
import { describe, expect, it } from 'vitest'
import { safeError } from '../../src/errors/safe-words.js'

describe('safeError', () => {
  it('keeps the class names, the known codes and the Redis word of the whole cause chain', () => {
    const connect = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' })
    const reply = Object.assign(new Error('READONLY You can not write against a read only replica.', { cause: connect }), { name: 'ReplyError' })
    const shown = safeError('The token store’s set() failed', reply)
    expect(shown.message).toBe('The token store’s set() failed (ReplyError, READONLY, ECONNREFUSED)')
    expect(shown).toMatchObject({ code: 'ECONNREFUSED' })
  })

  it.each([
    ['an upper-case secret leading the message', () => new Error('JBSWYDPEHPKPXPQR was refused')],
    ['an errno-shaped secret as the code', () => Object.assign(new Error('x'), { code: 'EJBSWYDPEHPKPXPQR' })],
    ['a secret three causes deep', () => new Error('a', { cause: new Error('b', { cause: new Error('JBSWYDPEHPKPXPQR c') }) })],
    ['a secret from a Proxy', () => new Proxy(new Error('x'), { get: (_t, key) => (key === 'code' ? 'EJBSWYDPEHPKPXPQR' : 'JBSWYDPEHPKPXPQR x') })],
  ])('%s is not shown', (_label, make) => {
    const shown = safeError('fetch failed', make())
    expect(`${shown.message} ${String((shown as { code?: unknown }).code)}`).not.toContain('JBSWYDPEHPKPXPQR')
  })
})
