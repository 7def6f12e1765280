/** The refusals of one tokens object's sends, as they arrive. */
export interface Round {
  readonly generation: number
  /** How many sends had left when the first refusal came back. */
  readonly sentBefore: number
  /** How many refusals so far were of sends that left before the first came back. */
  together: number
}

/** A send as the rounds count it: its place among the sends, and which tokens object it carried. */
export interface Stamped {
  readonly order: number
  readonly generation: number
}

/**
 * Counts an exchange's sends, and the refusals of the latest refused tokens: how many were sent
 * before the first of them came back, so were in flight together then. Replaying that many at
 * once is what the client just did. Counted in sends, not by the clock, which may stand still or
 * step back. Each tokens object is a generation: a refresh that hands back the same access token
 * string still starts a new round.
 */
export interface SendRounds {
  /** The generation of the latest send's tokens. */
  generation(): number
  /** Counts a send made with `tokens` (`undefined` when signed out); returns its place. */
  count(tokens: object | undefined): number
  /** Counts a refusal in its tokens' round: in flight together if it left before the first came back. */
  join(sent: Stamped): Round
}

/** An exchange's count of sends and of refusals per round. */
export function sendRounds(): SendRounds {
  let sends = 0
  let generation = 0
  let lastTokens: object | undefined
  let round: Round | undefined
  return {
    generation: () => generation,
    count(tokens) {
      if (tokens !== lastTokens) {
        lastTokens = tokens
        generation++
      }
      return ++sends
    },
    join(sent) {
      if (round?.generation !== sent.generation) round = { generation: sent.generation, sentBefore: sends, together: 0 }
      if (sent.order <= round.sentBefore) round.together++
      return round
    },
  }
}
