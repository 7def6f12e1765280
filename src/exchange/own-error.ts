/**
 * A copy of a shared error for one request. Every request waiting on a failed refresh gets the
 * same error from the session, and axios appends each caller's stack to the error it rejects
 * with: on one shared object that is quadratic (10,000 waiters took 20 s of CPU in `npm run
 * bench`) and the stacks pile up. The copy inherits everything (class, code, message, fields),
 * so `instanceof` and `isTokenflightError` hold, owns its `stack`, and owns a copy of the
 * error's own enumerable fields (`code`, `status`…), as JSON and logging serializers read them.
 */
export function ownError<E>(error: E): E {
  if (!(error instanceof Error)) return error
  try {
    const own: PropertyDescriptorMap = { stack: { value: error.stack, writable: true, configurable: true } }
    // Its own fields too, defined (a read-only field would refuse an assignment): JSON, spreads
    // and loggers read only own properties. A field whose getter throws is left to the prototype.
    for (const key of Object.keys(error)) {
      try {
        own[key] = { value: (error as unknown as Record<string, unknown>)[key], enumerable: true, writable: true, configurable: true }
      } catch {}
    }
    const copy = Object.create(error, own) as Error
    // A platform error whose getters check their receiver (DOMException: name, message, code)
    // cannot be read through a copy: shared, it stays readable.
    void [copy.name, copy.message, String(copy)]
    return copy as E
  } catch {
    return error // an error that cannot be read (a hostile Proxy) is better shared than replaced
  }
}
