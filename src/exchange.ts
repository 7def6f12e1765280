import { raceAbort, reasonOf } from './abort.js'
import { BodyNotReplayableError } from './errors/index.js'
import { ownError } from './exchange/own-error.js'
import { type AuthFailureRule, judge } from './exchange/refusal-rule.js'
import { replaySlots } from './exchange/replay-slots.js'
import { internalsOf, type SessionInternals } from './session/internals.js'
import { LATER } from './session/token-port.js'
import type { AuthFailureInput, Strategy, Tokens } from './strategy.js'
import { placementOf } from './token-placement.js'

/** One send as the exchange saw it leave. */
export interface Sent {
  /** The exchange it went through: the one to ask about its response. */
  readonly exchange: Exchange
  /** The access token it carried, `undefined` when signed out. */
  readonly sentWith: string | undefined
  /** When it left, by the session's clock: a replay's token must outlive the refused round trip. */
  readonly sentAt: number
  /** Its place among the exchange's sends: a refusal's round counts those that left before its first came back. */
  readonly order: number
  /** Which tokens object it went with: each starts a new round, even one with the same access token. */
  readonly generation: number
  /**
   * The names of the headers the strategy wrote on a client's own headers object, as it spelt
   * them, for a replay to take off. None for a `Headers`: fetch and XHR replay from the request's own.
   */
  readonly authHeaders: readonly string[]
}

/** Where a send's headers go: a `Headers`, or a client's own headers object with the same `set`. */
export interface HeaderSink {
  set(name: string, value: string): unknown
}

/** How a transport wants a refused request handled; asked for only once a response may be a refusal. */
export interface Recovery<R> {
  /** The caller's signal: aborting rejects the wait (refresh or replay slot) at once with its reason. */
  signal: AbortSignal | null | undefined
  /**
   * Sends the request again; `authorize(headers)` puts the token, checked as it leaves the queue, on
   * them. Resolves when the replay has ended (its slot is held that long). `undefined`: the body
   * cannot be sent twice, so a refusal that could be replayed rejects with `BodyNotReplayableError`.
   */
  replay: ((authorize: <H extends HeaderSink>(headers: H) => H) => Promise<R>) | undefined
  /** A refusal is confirmed and a refresh will be awaited: drop what holds resources (a body). */
  onRefused?: (() => Promise<void> | void) | undefined
  /** The refused response, for `BodyNotReplayableError`. */
  refused: () => unknown
}

/** The exchange's answer after a response: the replay's result, or `undefined` to keep the response as it came. */
export type Replayed<R> = { value: R } | undefined

/**
 * The one port every interceptor uses: one call before a send, one after its response. The
 * refusal sequence (classify, join the refresh, take a replay slot, check the token as it leaves)
 * lives here only, so axios, fetch and XHR behave the same.
 */
export interface Exchange {
  /** The session's clock (epoch ms). */
  now(): number
  /**
   * Tokens for this send, put on `headers` by the strategy: at once when they are at hand (the
   * common case costs no promise), else a promise that rejects with `SessionExpiredError` (a copy)
   * or the abort reason.
   */
  before(headers: HeaderSink, signal?: AbortSignal | null, outliveMs?: number): Sent | Promise<Sent>
  /**
   * Judges the response by `rule` (the request's, else the client's; `undefined` leaves it to the
   * strategy, else 401). `undefined` at once when it is no refusal by a synchronous rule (the common case);
   * else a promise of the replay's result, or of `undefined` when the response stays as it came
   * (no refusal after all, or nothing to replay with). Rejects with the refresh's error (a copy),
   * the abort reason, `BodyNotReplayableError`, or the rule's own error.
   */
  after<R, I extends AuthFailureInput>(sent: Sent, input: I, rule: AuthFailureRule | undefined, recovery: (input: I) => Recovery<R>): Promise<Replayed<R>> | undefined
}

// How a strategy writes its token onto any sink; returns the names it wrote on a client's own
// headers object. A plain header (ours) is set directly; a user's `authorize` gets a real
// `Headers`: the request's own under fetch and XHR, else a new one copied over.
function tokenWriter<T extends Tokens>(strategy: Strategy<T>): (tokens: T, sink: HeaderSink) => readonly string[] {
  const placement = placementOf(strategy)
  if (placement) {
    const names = [placement.header]
    return (tokens, sink) => {
      sink.set(placement.header, placement.prefix + tokens.accessToken)
      return names
    }
  }
  return (tokens, sink) => {
    const headers = sink instanceof Headers ? sink : new Headers()
    strategy.authorize?.(tokens, headers)
    const names: string[] = []
    if (headers === sink) return names
    for (const [lowerCased, value] of headers) {
      // `Headers` lower-cases names; keep the usual spelling for code reading `headers.Authorization`.
      const name = lowerCased === 'authorization' ? 'Authorization' : lowerCased
      sink.set(name, value)
      names.push(name)
    }
    return names
  }
}

// The refusals of one tokens' sends, as they arrive.
interface Round {
  readonly generation: number
  /** How many sends had left when the first refusal came back. */
  readonly sentBefore: number
  together: number
}

// Replays at once by default, at the least, after a refresh: more when more were in flight together.
const DEFAULT_REPLAY_FLOOR = 256

// One exchange per session, shared by every client attached to it, so `replayConcurrency`
// bounds the replays after a refresh however many clients share the session.
const exchanges = /* @__PURE__ */ new WeakMap<object, Exchange>()

/**
 * The exchange of a session made by `createSession`, or `undefined` for anything else.
 *
 * @example
 * const exchange = exchangeOf(session)
 * const sent = await exchange?.before(headers, signal)
 */
export function exchangeOf(session: unknown): Exchange | undefined {
  const internals = internalsOf(session)
  if (!internals) return undefined
  return exchanges.get(internals) ?? openExchange(internals)
}

function openExchange(internals: SessionInternals): Exchange {
  const { strategy } = internals
  const write = tokenWriter(strategy)
  const cap = internals.replayConcurrency
  const slots = replaySlots(cap === undefined ? { atLeast: DEFAULT_REPLAY_FLOOR } : { fixed: cap }, internals.lifetime)
  // The refusals of the latest refused tokens: how many were sent before the first of them came
  // back, so were in flight together then. Replaying that many at once is what the client just did.
  // Counted in sends, not by the clock, which may stand still or step back.
  let round: Round | undefined
  let sends = 0
  // Each tokens object sent with is a generation: a refresh that hands back the same string still starts a new round.
  let generation = 0
  let lastTokens: Tokens | undefined
  // Errors from the session are shared by every waiter: each request gets its own copy.
  const own = (error: unknown, signal: AbortSignal | null | undefined): never => {
    throw signal?.aborted && error === reasonOf(signal) ? error : ownError(error)
  }

  // Sends the refused request again once a slot is free, with the tokens checked as it leaves.
  async function replayWith<R>(recovery: Recovery<R>, roundTrip: number, together: number): Promise<Replayed<R>> {
    const { signal, replay } = recovery
    if (!replay) throw new BodyNotReplayableError(recovery.refused())
    const send = async (): Promise<R> => {
      const tokens = await raceAbort(internals.tokensForSend(roundTrip), signal)
      // Signed out since the refusal: the replay would only be refused again, as a wait would end.
      if (!tokens) throw internals.expiredError()
      return replay(<H extends HeaderSink>(headers: H): H => {
        write(tokens, headers)
        return headers
      })
    }
    return { value: await slots.run(send, signal, (queueDepth) => internals.emit('replayed', { queueDepth }), together) }
  }

  // Counts the refusal in its tokens' round: in flight together if it left before the first came back.
  function joinRound(sent: Sent): Round {
    if (round?.generation !== sent.generation) round = { generation: sent.generation, sentBefore: sends, together: 0 }
    if (sent.order <= round.sentBefore) round.together++
    return round
  }

  // A promise chain up to the refresh, not an async function: a suspended async frame (generator
  // and registers) would be the most a request waiting on it holds, times every waiting request.
  function recover<R>(sent: Sent, recovery: Recovery<R>, roundTrip: number): Promise<Replayed<R>> {
    const { signal, onRefused } = recovery
    // Sent without a token: no refresh follows, the caller may get the refusal whole.
    const dropped = sent.sentWith !== undefined && onRefused ? new Promise((resolve) => resolve(onRefused())) : undefined
    const refusal = dropped ? dropped.then(() => internals.afterRefusal(sent.sentWith)) : internals.afterRefusal(sent.sentWith)
    const failed = (error: unknown): Promise<never> => (error instanceof BodyNotReplayableError ? Promise.reject(error) : own(error, signal))
    const joined = joinRound(sent)
    return raceAbort(refusal, signal).then((next) => (next ? replayWith(recovery, roundTrip, joined.together).catch(failed) : undefined), failed)
  }

  const none: readonly string[] = []
  const sent = (tokens: Tokens | undefined, headers: HeaderSink): Sent => {
    const authHeaders = tokens ? write(tokens, headers) : none
    if (tokens !== lastTokens) {
      lastTokens = tokens
      generation++
    }
    return { exchange, sentWith: tokens?.accessToken, sentAt: internals.now(), order: ++sends, generation, authHeaders }
  }

  const exchange: Exchange = {
    now: internals.now,
    before(headers, signal, outliveMs) {
      const ready = internals.tokensNow(outliveMs)
      if (ready !== LATER) return sent(ready, headers)
      return raceAbort(internals.tokensForSend(outliveMs), signal).then(
        (tokens) => sent(tokens, headers),
        (error: unknown) => own(error, signal),
      )
    },
    after(sent, input, rule, recovery) {
      const verdict = judge(rule, strategy, input)
      if (verdict === false) return undefined
      const roundTrip = internals.now() - sent.sentAt
      if (verdict === true) return recover(sent, recovery(input), roundTrip)
      // A rule still judging when the caller aborts lets go of the request with the abort reason.
      const wanted = recovery(input)
      return raceAbort(verdict, wanted.signal).then((refused) => (refused ? recover(sent, wanted, roundTrip) : undefined))
    },
  }
  exchanges.set(internals, exchange)
  return exchange
}
