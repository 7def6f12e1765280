import type { Session } from '../session.js'
import type { Tokens } from '../strategy.js'
import { authedXhrClass, type XhrRequest } from './authed-xhr.js'
import { patchGlobal } from './global-patch.js'
import { createOriginPolicy, type OriginOptions, pageOrigin } from './origin-policy.js'
import { type SessionSource, toResolver } from './session-source.js'

export type { XhrRequest } from './authed-xhr.js'

/** Options of {@link installXHR}. */
export interface InstallXHROptions extends OriginOptions {}

/**
 * Replaces the global `XMLHttpRequest` so plain XHR and jQuery `$.ajax` calls to allowed origins
 * get the token, and a 401 waits for one shared refresh and is sent again. Handlers
 * (`onload`, `onreadystatechange`, `addEventListener('load')`) see only the final response.
 * Synchronous requests and other origins are left alone. Returns the uninstall function.
 *
 * @example
 * const uninstall = TokenFlight.installXHR(session, { origins: [location.origin] })
 * $.getJSON('/api/me', (me) => render(me)) // Authorization: Bearer <token>, refreshed as needed
 */
export function installXHR<T extends Tokens>(session: SessionSource<XhrRequest, T>, options: InstallXHROptions = {}): () => void {
  const pick = toResolver(session) as (request: XhrRequest) => Session<Tokens> | undefined
  const isAllowed = createOriginPolicy('installXHR options', options, pageOrigin())
  return patchGlobal('XMLHttpRequest', 'installXHR', (Native) => authedXhrClass(Native, pick, isAllowed))
}
