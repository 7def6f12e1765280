import { type Exchange, exchangeOf } from '../exchange.js'
import { invalidArgument } from '../invalid-argument.js'
import type { Session } from '../session.js'
import type { Tokens } from '../strategy.js'

/**
 * One session, or a function picking the session of a request (one per user or
 * tenant in a backend), so one user's refresh never pauses another's requests.
 * A function returning `undefined` sends that request untouched.
 */
export type SessionSource<Req, T extends Tokens = Tokens> = Session<T> | ((request: Req) => Session<T> | undefined)

const expected = 'a session from createSession() or a function returning one'

/** Normalises a {@link SessionSource} to a resolver of exchanges, checking a fixed session at attach time. */
export function toExchanges<Req, T extends Tokens>(source: SessionSource<Req, T>): (request: Req) => Exchange | undefined {
  if (typeof source === 'function') {
    return (request) => {
      const picked = source(request)
      if (picked === undefined) return undefined
      const exchange = exchangeOf(picked)
      if (!exchange) throw invalidArgument('the session resolver’s result', 'a session from createSession() or undefined', picked)
      return exchange
    }
  }
  const exchange = exchangeOf(source)
  if (!exchange) throw invalidArgument('session', expected, source)
  return () => exchange
}
