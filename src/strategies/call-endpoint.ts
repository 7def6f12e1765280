import { reasonOf } from '../abort.js'
import { isTokenflightError, RefreshError } from '../errors/index.js'
import { safeError } from '../errors/safe-words.js'
import type { RefreshContext } from '../strategy.js'
import { discardBody } from '../discard-body.js'

/**
 * Sends the refresh request with the attempt's signal, never following a redirect: a redirect
 * would carry the refresh credentials (body, headers) to wherever it points. A redirect answer is
 * a transient `RefreshError` with `providerCode: 'REDIRECT_REFUSED'` (the credentials are still
 * good; the endpoint is misconfigured or moved). A network failure is transient too; an abort
 * surfaces as the signal's reason (the timeout).
 */
export async function callEndpoint(context: RefreshContext, provider: string, url: URL, init: RequestInit): Promise<Response> {
  let response: Response
  try {
    response = await context.fetch(url, { ...init, redirect: 'manual', signal: context.signal })
  } catch (cause) {
    if (context.signal.aborted) throw reasonOf(context.signal)
    if (isTokenflightError(cause) && cause instanceof RefreshError) throw cause // ours, saying why no call was made (branded first: a thrown Proxy's traps may throw)
    // The cause keeps only safe words: a fetch (a wrapper, an instrumented client) may quote the
    // request it failed, its credentials encoded (Basic, form-encoded) or in a field of the error.
    throw new RefreshError(`${provider} refresh endpoint could not be reached`, { transient: true, cause: safeError('fetch failed', cause) })
  }
  // `opaqueredirect` (status 0) is how browsers answer `redirect: 'manual'`; `redirected` is a fetch that followed anyway.
  const { status } = response
  if (response.type === 'opaqueredirect' || response.redirected || (status >= 300 && status < 400)) {
    discardBody(response.body)
    throw new RefreshError(`${provider} refresh answered a redirect (HTTP ${status}): not followed`, {
      transient: true,
      status,
      providerCode: 'REDIRECT_REFUSED',
    })
  }
  return response
}
