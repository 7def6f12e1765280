import { raceAbort, reasonOf } from './abort.js'
import { BodyNotReplayableError } from './errors/index.js'
import { ownError } from './exchange/own-error.js'
import { type AuthFailureRule, awaitVerdict, judge } from './exchange/refusal-rule.js'
import { replaySlots } from './exchange/replay-slots.js'
import { type OpenExchange, replayWith } from './exchange/replay-with.js'
import { type SendRounds, sendRounds } from './exchange/send-rounds.js'
import { internalsOf, type SessionInternals } from './session/internals.js'
import { LATER } from './session/token-port.js'
import type { AuthFailureInput, Strategy, Tokens } from './strategy.js'
import { type HeaderSink, tokenWriter } from './exchange/token-writer.js'

export type { HeaderSink } from './exchange/token-writer.js'

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
  /** How many refreshes had ended when it left: one that ends later answers its refusal. */
  readonly endedAtSend: number
  /**
   * The names of the headers the strategy wrote on a client's own headers object, as it spelt
   * them, for a replay to take off. None for a `Headers`: fetch and XHR replay from the request's own.
   */
  readonly authHeaders: readonly string[]
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
  /** A refusal is confirmed and a refresh awaited (`judged`), or no verdict came and it is never handed back: drop what holds resources. */
  onRefused?: ((judged: boolean) => Promise<void> | void) | undefined
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
  /** The session's strategy: where its token goes tells fetch which redirects to follow itself. */
  readonly strategy: Strategy<Tokens>
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
  /** Answers a refusal already judged, of a send made through a session that a pool has since evicted. */
  inherit<R>(sent: Sent, recovery: Recovery<R>, roundTrip: number, released: boolean): Promise<Replayed<R>>
}

// A session of an older copy of the package says nothing of its deadline: the default one.
const DEFAULT_RULE_TIMEOUT_MS = 10_000

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

// Lets go of what a response holds (a body), in a scope of its own: one shared with the wait's
// handlers would keep it until the replay ends. Never rejects.
const release = ({ onRefused }: Recovery<unknown>, judged: boolean): Promise<unknown> | undefined =>
  onRefused && new Promise((resolve) => resolve(onRefused(judged))).catch(() => {})

// Before the wait for a refresh. Sent without a token, no refresh follows: the caller may get the refusal whole.
const dropRefused = (sent: Sent, recovery: Recovery<unknown>): Promise<unknown> | undefined => (sent.sentWith !== undefined ? release(recovery, true) : undefined)

// Errors from the session are shared by every waiter: each request gets its own copy.
const own = (error: unknown, signal: AbortSignal | null | undefined): never => {
  throw signal?.aborted && error === reasonOf(signal) ? error : ownError(error)
}

// The live session a pool put in this one's place once it is over (a create() may hand back this very one).
function heirOf(internals: SessionInternals): Exchange | undefined {
  if (!internals.lifetime.aborted) return undefined
  try {
    const heir = internals.successor?.()
    return internalsOf(heir)?.lifetime.aborted === false ? exchangeOf(heir) : undefined
  } catch {
    return undefined // a create() that throws: the refusal ends as the session did
  }
}

// What recovering a refusal needs of its exchange.
interface Open extends OpenExchange {
  readonly rounds: SendRounds
}

// A promise chain up to the refresh, not an async function: a suspended async frame (generator
// and registers) would be the most a request waiting on it holds, times every waiting request.
// `released`: what the response held was let go already, by the session it was handed over from.
function recover<R>(open: Open, sent: Sent, recovery: Recovery<R>, roundTrip: number, released = false): Promise<Replayed<R>> {
  const { internals, rounds } = open
  const { signal } = recovery
  const evictedBefore = heirOf(internals)
  if (evictedBefore) return evictedBefore.inherit(sent, recovery, roundTrip, released)
  const dropped = released ? undefined : dropRefused(sent, recovery)
  const refusal = dropped ? dropped.then(() => internals.afterRefusal(sent.sentWith, sent.endedAtSend)) : internals.afterRefusal(sent.sentWith, sent.endedAtSend)
  let replaying = false
  const failed = (error: unknown): Promise<Replayed<R>> => {
    if (error instanceof BodyNotReplayableError) return Promise.reject(error)
    // Evicted while it waited, before it was sent again: the heir answers.
    const evicted = replaying || signal?.aborted ? undefined : heirOf(internals)
    return evicted ? evicted.inherit(sent, recovery, roundTrip, true) : own(error, signal)
  }
  const joined = rounds.join(sent)
  const sending = (): void => {
    replaying = true
  }
  const replayed = (next: Tokens | undefined) => next && replayWith(open, recovery, roundTrip, joined.together, sending).catch(failed)
  return raceAbort(refusal, signal).then(replayed, failed)
}

function openExchange(internals: SessionInternals): Exchange {
  const { strategy } = internals
  const write = tokenWriter(strategy)
  const cap = internals.replayConcurrency
  const slots = replaySlots(cap === undefined ? { atLeast: DEFAULT_REPLAY_FLOOR } : { fixed: cap }, internals.lifetime, internals.refreshTimeoutMs)
  const rounds = sendRounds()
  const open: Open = { internals, slots, write, rounds }

  const none: readonly string[] = []
  const sent = (tokens: Tokens | undefined, headers: HeaderSink): Sent => {
    const authHeaders = tokens ? write(tokens, headers) : none
    const order = rounds.count(tokens)
    return { exchange, sentWith: tokens?.accessToken, sentAt: internals.now(), order, generation: rounds.generation(), endedAtSend: internals.refreshesEnded(), authHeaders }
  }

  const exchange: Exchange = {
    now: internals.now,
    strategy,
    before(headers, signal, outliveMs) {
      const ready = internals.tokensNow(outliveMs)
      if (ready !== LATER) return sent(ready, headers)
      return raceAbort(internals.tokensForSend(outliveMs), signal).then(
        (tokens) => sent(tokens, headers),
        (error: unknown) => own(error, signal),
      )
    },
    // A send of another session is counted as this one's latest: only refreshes from now on answer it.
    inherit: (sent, recovery, roundTrip, released) =>
      recover(open, { ...sent, exchange, order: 0, generation: rounds.generation(), endedAtSend: internals.refreshesEnded() }, recovery, roundTrip, released),
    after(sent, input, rule, recovery) {
      const verdict = judge(rule, strategy, input)
      if (verdict === false) return undefined
      const roundTrip = internals.now() - sent.sentAt
      if (verdict === true) return recover(open, sent, recovery(input), roundTrip)
      const wanted = recovery(input)
      return awaitVerdict(verdict, internals.refreshTimeoutMs ?? DEFAULT_RULE_TIMEOUT_MS, wanted.signal, () => release(wanted, false)).then((refused) => (refused ? recover(open, sent, wanted, roundTrip) : undefined))
    },
  }
  exchanges.set(internals, exchange)
  return exchange
}
