import { assertOptionalString } from '../invalid-argument.js'
import type { Strategy, Tokens } from '../strategy.js'
import { callEndpoint } from './call-endpoint.js'
import { endpointUrl } from './endpoint-url.js'
import { readJson } from './read-body.js'
import { refusal } from './refusal.js'
import { requireCredential } from './require-credential.js'
import { expiryAt, keepingRotated, requireString } from './response-fields.js'
import { type CommonOptions, commonKeys, withDefaults } from './strategy-options.js'
import { tokenHeader } from './token-header.js'

/** Options of {@link fib}. */
export interface FibOptions extends CommonOptions {
  /** Origin (and optional path prefix) of the FIB authentication service. */
  baseURL: string
  /** @default '/auth/api/v1/authentication-management/session' */
  path?: string | undefined
}

/** FIB tokens: the refresh token rotates on every refresh. */
export interface FibTokens extends Tokens {
  refreshToken: string
}

const known = { ...commonKeys, baseURL: true, path: true } satisfies Record<keyof FibOptions, true>
const defaults = { path: '/auth/api/v1/authentication-management/session' }
// FIB documents 400, 401, 404 and 422 as final and 500 as a server fault, and no error codes: its
// envelope's `status.name` stays in the hidden body.
// Its 401 is the refresh token (or its signature) not valid; 400 and 422 are about the request.
const rules = { provider: 'FIB', codeAt: [], refusesTokens: (status: number) => status === 401 }

/**
 * FIB bearer refresh-token rotation: `PATCH /auth/api/v1/authentication-management/session`
 * with `Authorization: Bearer <refreshToken>`; both tokens are replaced by each answer and
 * `data.expirationTime` is the access token's lifetime in seconds.
 *
 * @example
 * const session = createSession({ strategy: fib({ baseURL: 'https://fib.example.com' }), tokens: { accessToken, refreshToken } })
 */
export function fib(options: FibOptions): Strategy<FibTokens> {
  const o = withDefaults('fib options', options, known, defaults)
  assertOptionalString('path', o.path)
  const url = endpointUrl('baseURL', o.baseURL, o.path, o.allowInsecureHttp)
  const authorize = tokenHeader(o.authorization)

  return {
    name: 'fib',
    ...(authorize && { authorize }),
    async refresh(current, context) {
      const refreshToken = requireCredential(current, 'refreshToken', 'FIB')
      // A lifetime in an answer counts from when the server wrote it, some time after this send:
      // counted from the send, it ends early, never late. Counted from when the answer is read, a
      // busy process would believe a token alive that the server already refuses.
      const sentAt = context.now()
      const headers = { Authorization: `Bearer ${refreshToken}`, Accept: 'application/json' }
      const response = await callEndpoint(context, 'FIB', url, { method: 'PATCH', headers })
      if (!response.ok) throw await refusal(response, rules, context.now())
      const body = await readJson(response)
      return {
        ...current,
        accessToken: keepingRotated(body, current, 'refreshToken', 'data.refreshToken', () => requireString(body, 'data.accessToken')),
        refreshToken: requireString(body, 'data.refreshToken'),
        expiresAt: expiryAt(body, 'data.expirationTime', sentAt),
      }
    },
  }
}
