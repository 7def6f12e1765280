import { attachHidden, TokenflightError } from './tokenflight-error.js'

/**
 * A request failed authentication but its body was a one-shot stream, so it
 * cannot be sent again. The tokens were refreshed: the caller may rebuild the
 * body and retry. The 401 response is on `response`.
 *
 * @example
 * if (err instanceof BodyNotReplayableError) await upload(freshStream())
 */
export class BodyNotReplayableError extends TokenflightError {
  declare readonly response: unknown

  constructor(response: unknown) {
    super('ERR_BODY_NOT_REPLAYABLE', 'The request was rejected as unauthenticated and its stream body cannot be replayed')
    this.name = 'BodyNotReplayableError'
    attachHidden(this, 'response', response)
  }
}
