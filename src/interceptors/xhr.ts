import { isOwnCall } from '../own-call.js'
import type { Tokens } from '../strategy.js'
import { type ClientOptions, resolveClientOptions } from './client-options.js'
import { patchGlobal } from './global-patch.js'
import { pageOrigin } from './origin-policy.js'
import { type SessionSource, toExchanges } from './session-source.js'
import { AuthedXhr } from './xhr/authed-xhr.js'
import type { XhrRequest } from './xhr/request.js'
import { registerSetup } from './xhr/setup.js'

export type { AuthFailureRule } from '../exchange/refusal-rule.js'
export type { AuthFailureInput, ResponseHeaders } from '../strategy.js'
export type { XhrRequest, XhrRequestOptions } from './xhr/request.js'

/** Options of {@link installXHR}. */
export interface InstallXHROptions extends ClientOptions {}

/**
 * Replaces the global `XMLHttpRequest` so plain XHR and jQuery `$.ajax` calls to allowed origins
 * get the token, and a refused one (401 by default) waits for one shared refresh and is sent
 * again. Handlers (`onload`, `onreadystatechange`, `addEventListener('load')`) see only the final
 * response. A request tokenflight cannot send (session expired, refresh failed) ends as a network
 * error with the reason on `xhr.tokenflightError`. Synchronous requests and other origins are
 * left alone; `xhr.tokenflight = { skip: true }` leaves one request alone. Returns the uninstall function.
 *
 * @example
 * const uninstall = TokenFlight.installXHR(session, { origins: [location.origin] })
 * $.getJSON('/api/me', (me) => render(me)) // Authorization: Bearer <token>, refreshed as needed
 */
export function installXHR<T extends Tokens>(session: SessionSource<XhrRequest, T>, options: InstallXHROptions = {}): () => void {
  // The look-alike is an EventTarget firing the native XHR's events: without these (a page's own
  // code removed one) the page keeps its own XHR, rather than one that cannot work.
  for (const name of ['EventTarget', 'Event', 'ProgressEvent']) {
    if (typeof (globalThis as Record<string, unknown>)[name] !== 'function') throw new TypeError(`installXHR needs ${name}, which this page lacks`)
  }
  const pick = toExchanges(session)
  const { isAllowed, rule } = resolveClientOptions('installXHR options', options, pageOrigin())
  return patchGlobal('XMLHttpRequest', 'installXHR', (Native, installed) => {
    // Uninstalled, a class something else kept (a subclass of ours) makes plain native requests; a
    // refresh call of ours (a fetch polyfill built on XHR) is sent as it is.
    const setup = { pick: (request: XhrRequest) => (installed() && !isOwnCall(request.url) ? pick(request) : undefined), isAllowed, rule }
    const Authed = class extends AuthedXhr {
      static override native = Native
    }
    registerSetup(Authed, setup)
    // Named as the class it replaces (minified, it would be a letter).
    Object.defineProperty(Authed, 'name', { value: 'XMLHttpRequest' })
    return Authed as unknown as typeof XMLHttpRequest
  })
}
