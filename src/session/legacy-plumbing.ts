import type { Tokens } from '../strategy.js'
import type { SessionInternals } from './internals.js'

const bearer = (tokens: Tokens, headers: Headers): void => headers.set('Authorization', `Bearer ${tokens.accessToken}`)

/**
 * The interceptor plumbing the public `Session` no longer has, kept on the object (non-enumerable,
 * untyped) only until every interceptor goes through `internalsOf`. Delete with its one caller.
 */
export function attachLegacyPlumbing<T extends Tokens>(session: object, internals: SessionInternals<T>): void {
  const { strategy } = internals
  const hidden = (value: unknown): PropertyDescriptor => ({ value, enumerable: false })
  Object.defineProperties(session, {
    getTokens: hidden(internals.tokensForSend),
    handleAuthFailure: hidden(internals.afterRefusal),
    authorize: hidden((tokens: T, headers: Headers) => (strategy.authorize ?? bearer)(tokens, headers)),
    isAuthFailure: hidden((response: { status: number; body?: unknown }) => (strategy.isAuthFailure ? strategy.isAuthFailure(response) : response.status === 401)),
    replayConcurrency: hidden(internals.replayConcurrency),
    emit: hidden(internals.emit),
  })
}
