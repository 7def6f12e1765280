import { RefreshError } from '../errors/index.js'
import type { RefreshContext } from '../strategy.js'

// Whether an error's message chain quotes a secret (a platform error may quote a header value).
function quotesSecret(error: unknown, secrets: readonly string[]): boolean {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const text = e instanceof Error ? `${e.message}\n${e.stack}` : String(e)
    if (secrets.some((secret) => text.includes(secret))) return true
  }
  return false
}

/**
 * Sends the refresh request with the attempt's signal, never following a redirect: a redirect
 * would carry the refresh credentials (body, headers) to wherever it points. A redirect answer is
 * a transient `RefreshError` with `providerCode: 'REDIRECT_REFUSED'` (the credentials are still
 * good; the endpoint is misconfigured or moved). A network failure is transient too; an abort
 * surfaces as the signal's reason (the timeout).
 */
export async function callEndpoint(context: RefreshContext, provider: string, url: URL, init: RequestInit, secrets: readonly string[]): Promise<Response> {
  let response: Response
  try {
    response = await context.fetch(url, { ...init, redirect: 'manual', signal: context.signal })
  } catch (cause) {
    if (context.signal.aborted) throw context.signal.reason
    const safeCause = quotesSecret(cause, secrets) ? undefined : cause
    throw new RefreshError(`${provider} refresh endpoint could not be reached`, { transient: true, cause: safeCause })
  }
  // `opaqueredirect` (status 0) is how browsers answer `redirect: 'manual'`; `redirected` is a fetch that followed anyway.
  const { status } = response
  if (response.type === 'opaqueredirect' || response.redirected || (status >= 300 && status < 400)) {
    response.body?.cancel().catch(() => {})
    throw new RefreshError(`${provider} refresh endpoint answered with a redirect (HTTP ${status}), which refresh calls never follow`, {
      transient: true,
      status,
      providerCode: 'REDIRECT_REFUSED',
    })
  }
  return response
}
