import { resolveUrl } from './interceptors/origin-policy.js'
import { whenSettled } from './when-settled.js'

/**
 * tokenflight's own requests in flight (refresh calls), by the URL they go to. A fetch polyfill
 * built on XMLHttpRequest opens its request within the call or later (after an `await`, a
 * timer), and the XHR look-alike must send it as it is: it carries the refresh credential, not
 * the access token, and must not wait on the refresh it is part of.
 */
const inFlight = new Map<string, number>()

const hrefOf = (input: unknown): string => {
  const given = String(typeof input === 'object' && input !== null && 'url' in input ? input.url : input)
  return resolveUrl(given)?.href ?? given
}

/** Makes `call` (a refresh call's fetch of `input`) one of tokenflight's own until it settles. */
export function asOwnCall<R>(input: unknown, call: () => Promise<R>): Promise<R> {
  const href = hrefOf(input)
  inFlight.set(href, (inFlight.get(href) ?? 0) + 1)
  const done = (): void => {
    const left = (inFlight.get(href) ?? 1) - 1
    if (left > 0) inFlight.set(href, left)
    else inFlight.delete(href)
  }
  let pending: Promise<R>
  try {
    pending = call()
  } catch (error) {
    done()
    throw error
  }
  return whenSettled(pending, done)
}

/** Whether a request to `url` is one of tokenflight's own in flight. */
export const isOwnCall = (url: URL): boolean => inFlight.has(url.href)
