/**
 * The copy of a shared error each waiting request gets: the same class and message, its own
 * stack, and the shared error's own fields, so JSON and logging serializers see what they would
 * see on the original.
 */
import { describe, expect, it } from 'vitest'
import { RefreshError } from '../../src/errors/index.js'
import { ownError } from '../../src/exchange/own-error.js'

describe('ownError', () => {
  it('keeps class, message and own fields (JSON, spread), and owns a stack of its own', () => {
    const shared = Object.assign(new Error('refresh failed'), { code: 'E_REFRESH', detail: { status: 503 } })
    const copy = ownError(shared)
    expect(copy).not.toBe(shared)
    expect(copy).toBeInstanceOf(Error)
    expect(copy.message).toBe('refresh failed')
    expect(JSON.stringify(copy)).toBe(JSON.stringify(shared))
    expect({ ...copy }).toEqual({ ...shared })
    copy.stack = 'appended by one caller'
    expect(shared.stack).not.toBe('appended by one caller')
  })

  it("a tokenflight error's copy serialises like the error itself", () => {
    const shared = new RefreshError('FIB refresh failed with HTTP 503', { status: 503, transient: true })
    const copy = ownError(shared)
    expect(copy).toBeInstanceOf(RefreshError)
    expect(JSON.parse(JSON.stringify(copy))).toEqual(JSON.parse(JSON.stringify(shared)))
  })

  it('a read-only field or a throwing getter on the shared error does not make the copy throw', () => {
    const shared = new Error('refresh failed')
    Object.defineProperty(shared, 'code', { value: 'E_FROZEN', enumerable: true, writable: false })
    Object.defineProperty(shared, 'hostile', {
      enumerable: true,
      get() {
        throw new Error('getter')
      },
    })
    const copy = ownError(shared) as Error & { code: string }
    expect(copy.code).toBe('E_FROZEN')
    expect(copy.message).toBe('refresh failed')
  })

  it('an error that cannot be read (a throwing stack getter, a hostile Proxy) is handed back shared, never replaced by another error', () => {
    const stackless = new Error('refresh failed')
    Object.defineProperty(stackless, 'stack', {
      get() {
        throw new Error('stack getter')
      },
    })
    expect(ownError(stackless)).toBe(stackless)
    const hostile = new Proxy(new Error('refresh failed'), {
      ownKeys() {
        throw new Error('ownKeys')
      },
    })
    expect(ownError(hostile)).toBe(hostile)
  })

  // fetch rejects with one when an AbortSignal.timeout() fires; Web Locks too.
  it('a DOMException, whose getters refuse any receiver but itself, is handed back shared and readable', () => {
    const shared = new DOMException('The operation timed out.', 'TimeoutError')
    const copy = ownError(shared)
    expect(() => [copy.name, copy.message, copy.code, String(copy)]).not.toThrow()
    expect({ name: copy.name, message: copy.message }).toEqual({ name: 'TimeoutError', message: 'The operation timed out.' })
    expect(copy).toBeInstanceOf(DOMException)
  })

  it('leaves what is not an Error as it is', () => {
    const thrown = { reason: 'not an error' }
    expect(ownError(thrown)).toBe(thrown)
  })
})
