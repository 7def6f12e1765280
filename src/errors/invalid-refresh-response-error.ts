import { attachHidden, TokenflightError } from './tokenflight-error.js'

/**
 * The refresh endpoint answered success with a body that is not what its
 * documentation promises (HTML, empty, not JSON, a field missing or mistyped).
 * `field` names the first offending field; the body itself is never printed.
 *
 * @example
 * new InvalidRefreshResponseError('data.accessToken', 'a non-empty string', 'undefined')
 */
export class InvalidRefreshResponseError extends TokenflightError {
  declare readonly field: string
  declare readonly body: unknown

  constructor(field: string, expected: string, received: string, options?: { body?: unknown; cause?: unknown }) {
    super(
      'ERR_INVALID_REFRESH_RESPONSE',
      `Invalid refresh response: expected \`${field}\` to be ${expected}, got ${received}`,
      { cause: options?.cause },
    )
    this.name = 'InvalidRefreshResponseError'
    this.field = field
    attachHidden(this, 'body', options?.body)
  }
}
