/**
 * A copy of a shared error for one request. Every request waiting on a failed refresh gets the
 * same error from the session, and axios appends each caller's stack to the error it rejects
 * with: on one shared object that is quadratic (10,000 waiters took 20 s of CPU in `npm run
 * bench`) and the stacks pile up. The copy inherits everything (class, code, message, fields),
 * so `instanceof` and `isTokenflightError` hold, and owns its `stack`.
 */
export function ownError<E>(error: E): E {
  if (!(error instanceof Error)) return error
  return Object.create(error, { stack: { value: error.stack, writable: true, configurable: true } }) as E
}
