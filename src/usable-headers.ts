/**
 * Whether the platform's `Headers` can be used: a page without fetch may carry a shim in its
 * place that cannot be iterated (an old whatwg-fetch), and tokenflight walks the headers it sends.
 */
export function usableHeaders(): boolean {
  return typeof Headers === 'function' && typeof (Headers.prototype as Partial<Iterable<unknown>> | undefined)?.[Symbol.iterator] === 'function'
}
