import { sleep } from '../abort.js'
import type { Tokens } from '../strategy.js'
import type { Persistence } from './persistence.js'
import type { RefreshFlight } from './refresh-flight.js'
import type { TokenState } from './token-state.js'

/** What {@link TokenPort.tokensNow} returns when only `tokensForSend` can answer (it must wait). */
export const LATER: unique symbol = Symbol('later')

/** What a send needs of the session: tokens before it, a verdict after a refusal. */
export interface TokenPort<T extends Tokens> {
  /** Resolves once the store was read; rejects when the session is expired or destroyed. */
  whenUsable(): Promise<void>
  /** `tokensForSend`'s answer without a promise when no wait is needed (the common case), else `LATER`. */
  tokensNow(outliveMs?: number): T | undefined | typeof LATER
  tokensForSend(outliveMs?: number): Promise<T | undefined>
  afterRefusal(sentWith: string | undefined, endedAtSend?: number): Promise<T | undefined>
  /** How many refreshes had ended when a send left (see `afterRefusal`). */
  refreshesEnded(): number
}

/** The session's answers to a client about to send, or whose send was refused. */
export function tokenPort<T extends Tokens>(state: TokenState<T>, flight: RefreshFlight<T>, store: Persistence<T>, maxDelayMs: number): TokenPort<T> {
  const { now, lifetime } = state
  // One wait per expiring token, shared by every replay that must outlive it: one abort listener
  // on the session's lifetime, not one per request (Node warns past ten).
  let expiry: { tokens: T; over: Promise<void> } | undefined

  async function whenUsable(): Promise<void> {
    if (state.loading) await state.loading
    if (state.isOver()) throw state.expiredError()
  }

  function tokensNow(outliveMs = 0): T | undefined | typeof LATER {
    if (state.loading || state.isOver()) return LATER
    store.retryPending()
    const { tokens } = state
    if (!tokens) return undefined
    const time = now()
    // Checked on every read, never left to a timer: a machine waking from sleep sends no dead token.
    const phase = state.phase(time)
    const { expiresAt } = state.window
    if (phase === 'expired' || (expiresAt !== undefined && expiresAt - time < outliveMs)) return LATER
    // After a failure, wait out the backoff ceiling before trying again: a dead endpoint is not hammered.
    if (phase === 'due' && !flight.running() && time - state.lastFailureAt >= maxDelayMs) flight.refreshOnce('ahead').catch(() => {})
    return tokens
  }

  async function tokensForSend(outliveMs = 0): Promise<T | undefined> {
    await whenUsable()
    const ready = tokensNow(outliveMs)
    if (ready !== LATER) return ready
    const tokens = state.tokens as T
    if (state.phase(now()) === 'expired') return flight.refreshOnce('expired')
    // A replay is the call's last chance (invariant 3): tokens that would expire before it arrives
    // are waited out once and their successor sent.
    if (flight.running()) return flight.refreshOnce('expired')
    if (expiry?.tokens !== tokens) expiry = { tokens, over: sleep((state.window.expiresAt ?? 0) - now(), lifetime) }
    await expiry.over
    return state.tokens === tokens && !state.expiredBy ? flight.refreshOnce('expired') : tokensForSend()
  }

  // Not async when the state is at hand: no promise of its own per refused request, only the shared refresh.
  // Without `endedAtSend` (when the send left is unknown) no ended refresh answers the refusal.
  function afterRefusal(sentWith: string | undefined, endedAtSend = Number.POSITIVE_INFINITY): Promise<T | undefined> {
    if (state.loading || state.isOver()) return whenUsable().then(() => verdictAfterRefusal(state, flight, sentWith, endedAtSend))
    try {
      return verdictAfterRefusal(state, flight, sentWith, endedAtSend)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  return { whenUsable, tokensNow, tokensForSend, afterRefusal, refreshesEnded: flight.ended }
}

// The tokens to replay a refusal of `sentWith` with: a refresh of them, or the ones that replaced them.
function verdictAfterRefusal<T extends Tokens>(state: TokenState<T>, flight: RefreshFlight<T>, sentWith: string | undefined, endedAtSend: number): Promise<T | undefined> {
  const { tokens } = state
  if (!tokens) return Promise.resolve(undefined)
  if (tokens.accessToken === sentWith) {
    // A refresh of this token that ended after the send left answers its refusal too: a burst's
    // late refusals share its failure (or its same token) instead of starting one refresh each.
    return (flight.running() ? undefined : flight.answeredSince(endedAtSend, sentWith)) ?? flight.refreshOnce('unauthorized')
  }
  // Invariant 2: the refused token was already replaced, so no new refresh, unless the current
  // one is itself due (the next request would start that refresh anyway).
  if (flight.running()) return flight.refreshOnce('unauthorized')
  const phase = state.phase(state.now())
  return phase === 'fresh' ? Promise.resolve(tokens) : flight.refreshOnce(phase === 'expired' ? 'expired' : 'ahead')
}
