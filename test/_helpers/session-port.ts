import type { Session, Tokens } from '../../src/index.js'
import { internalsOf, type SessionInternals } from '../../src/session/internals.js'

/** The port interceptors use (`tokensForSend`, `afterRefusal`…), for driving a session as a client would. */
export function port<T extends Tokens>(session: Session<T>): SessionInternals<T> {
  const internals = internalsOf<T>(session)
  if (!internals) throw new Error('not a session made by createSession')
  return internals
}
