import { RefreshError } from '../errors/index.js'
import type { RefreshContext } from '../strategy.js'

/**
 * Sends the refresh request with the attempt's signal. A network failure (refused, reset, DNS)
 * is a transient `RefreshError`; an abort surfaces as the signal's reason (the timeout).
 */
export async function callEndpoint(context: RefreshContext, provider: string, url: URL, init: RequestInit): Promise<Response> {
  try {
    return await context.fetch(url, { ...init, signal: context.signal })
  } catch (cause) {
    if (context.signal.aborted) throw context.signal.reason
    throw new RefreshError(`${provider} refresh endpoint could not be reached`, { transient: true, cause })
  }
}

/** Joins a base URL and an endpoint path, keeping any path prefix of the base (`https://h/tenant` + `/x`). */
export function endpointUrl(baseURL: string, path: string): URL {
  const base = new URL(baseURL)
  base.pathname = `${base.pathname.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`
  return base
}
