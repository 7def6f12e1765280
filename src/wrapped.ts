// One symbol for every copy of the package (ESM, CJS, the <script> build): a wrapper made by one
// copy is known to the others.
const WRAPS = Symbol.for('tokenflight.wraps')

/** Marks `wrapper` (installFetch's, wrapFetch's, installXHR's) as tokenflight's layer over `original`. */
export function markWrapper<W extends object>(wrapper: W, original: unknown): W {
  Object.defineProperty(wrapper, WRAPS, { value: original, configurable: true })
  return wrapper
}

/** Whether `value` is a wrapper made by tokenflight. */
export const isWrapper = (value: unknown): boolean => typeof value === 'function' && Object.hasOwn(value, WRAPS)

/**
 * What `value` wraps, through every layer of tokenflight's: a refresh call must not go through
 * an interceptor (it would carry an access token, and refuse itself). `value` when no wrapper.
 */
export function unwrapped<V>(value: V): V {
  let inner: unknown = value
  while (isWrapper(inner)) inner = (inner as Record<symbol, unknown>)[WRAPS]
  return inner as V
}
