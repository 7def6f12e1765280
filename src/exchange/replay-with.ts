import { raceAbort } from '../abort.js'
import { BodyNotReplayableError } from '../errors/index.js'
import type { Recovery, Replayed } from '../exchange.js'
import type { SessionInternals } from '../session/internals.js'
import type { Tokens } from '../strategy.js'
import type { ReplaySlots } from './replay-slots.js'
import type { HeaderSink } from './token-writer.js'

/** What an exchange's replays need of it. */
export interface OpenExchange {
  readonly internals: SessionInternals
  readonly slots: ReplaySlots
  readonly write: (tokens: Tokens, sink: HeaderSink) => readonly string[]
}

/**
 * Sends the refused request again once a slot is free, with the tokens checked as it leaves.
 * `sending` is told just before it goes: a failure after that is the replay's own.
 */
export async function replayWith<R>(exchange: OpenExchange, recovery: Recovery<R>, roundTrip: number, together: number, sending: () => void): Promise<Replayed<R>> {
  const { internals, slots, write } = exchange
  const { signal, replay } = recovery
  if (!replay) throw new BodyNotReplayableError(recovery.refused())
  let queueDepth = 0
  const send = async (): Promise<R> => {
    const tokens = await raceAbort(internals.tokensForSend(roundTrip), signal)
    // Signed out since the refusal: the replay would only be refused again, as a wait would end.
    if (!tokens) throw internals.expiredError()
    sending()
    const replayed = replay(<H extends HeaderSink>(headers: H): H => {
      write(tokens, headers)
      return headers
    })
    // Told once the replay is on its way: a listener's sign-out cannot make the event untrue.
    internals.emit('replayed', { queueDepth })
    return replayed
  }
  const started = (depth: number): void => {
    queueDepth = depth
  }
  return { value: await slots.run(send, signal, started, together) }
}
