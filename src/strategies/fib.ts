import { RefreshError } from '../errors/index.js'
import { assertKnownKeys, assertObject, assertString } from '../invalid-argument.js'
import type { Strategy, Tokens } from '../strategy.js'
import { callEndpoint, endpointUrl } from './call-endpoint.js'
import { httpFailure } from './http-failure.js'
import { readErrorBody, readJson } from './read-body.js'
import { fieldAt, requireSeconds, requireString } from './response-fields.js'

/** Options of {@link fib}. */
export interface FibOptions {
  /** Origin (and optional path prefix) of the FIB authentication service. */
  baseURL: string
  /** @default '/auth/api/v1/authentication-management/session' */
  path?: string | undefined
}

/** FIB tokens: the refresh token rotates on every refresh. */
export interface FibTokens extends Tokens {
  refreshToken: string
}

// FIB documents 400, 401, 404 and 422 as final and 500 as a server fault; other 5xx
// (gateways) and 408/429 are treated as passing too: httpFailure's default rule.

/**
 * FIB bearer refresh-token rotation: `PATCH /auth/api/v1/authentication-management/session`
 * with `Authorization: Bearer <refreshToken>`; both tokens are replaced by each answer and
 * `data.expirationTime` is the access token's lifetime in seconds.
 *
 * @example
 * const session = createSession({ strategy: fib({ baseURL: 'https://fib.example.com' }), tokens: { accessToken, refreshToken } })
 */
export function fib(options: FibOptions): Strategy<FibTokens> {
  assertObject('fib options', options)
  assertKnownKeys('fib options', options, ['baseURL', 'path'])
  assertString('baseURL', options.baseURL)
  assertString('path', options.path, true)
  const url = endpointUrl(options.baseURL, options.path ?? '/auth/api/v1/authentication-management/session')

  return {
    name: 'fib',
    async refresh(current, context) {
      if (!current.refreshToken) throw new RefreshError('FIB session holds no refresh token', { transient: false })
      // A lifetime in an answer counts from when the server wrote it, some time after this send:
      // counted from the send, it ends early, never late. Counted from when the answer is read, a
      // busy process would believe a token alive that the server already refuses.
      const sentAt = context.now()
      const response = await callEndpoint(context, 'FIB', url, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${current.refreshToken}`, Accept: 'application/json' },
      })
      if (!response.ok) {
        const body = await readErrorBody(response)
        const name = fieldAt(body, 'status.name')
        const providerCode = typeof name === 'string' ? name : undefined
        throw httpFailure(response, body, { provider: 'FIB', providerCode }, context.now())
      }
      const body = await readJson(response)
      return {
        ...current,
        accessToken: requireString(body, 'data.accessToken'),
        refreshToken: requireString(body, 'data.refreshToken'),
        expiresAt: sentAt + requireSeconds(body, 'data.expirationTime') * 1000,
      }
    },
  }
}
