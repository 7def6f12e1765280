/**
 * Whether tokenflight's own request (a refresh call) is being made: a fetch polyfill built on
 * XMLHttpRequest opens and sends its request within the `fetch()` call, and the XHR look-alike
 * must let that one through untouched (it carries the refresh credential, not the access token).
 */
let depth = 0

/** Runs `call` (a refresh call's `fetch()`) as tokenflight's own. */
export function asOwnCall<R>(call: () => R): R {
  depth++
  try {
    return call()
  } finally {
    depth--
  }
}

/** Whether the code running now is inside {@link asOwnCall}. */
export const inOwnCall = (): boolean => depth > 0
