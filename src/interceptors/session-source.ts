import { invalidArgument } from '../invalid-argument.js'
import type { Session } from '../session.js'
import type { Tokens } from '../strategy.js'

/**
 * One session, or a function picking the session of a request (one per user or
 * tenant in a backend), so one user's refresh never pauses another's requests.
 */
export type SessionSource<Req, T extends Tokens = Tokens> = Session<T> | ((request: Req) => Session<T> | undefined)

/** Normalises a {@link SessionSource} to a resolver, validating it at attach time. */
export function toResolver<Req, T extends Tokens>(source: SessionSource<Req, T>): (request: Req) => Session<T> | undefined {
  if (typeof source === 'function') return source
  if (typeof source !== 'object' || source === null || typeof source.getTokens !== 'function') {
    throw invalidArgument('session', 'a session from createSession() or a function returning one', source)
  }
  return () => source
}
