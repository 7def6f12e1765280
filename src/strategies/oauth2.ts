import { RefreshError } from '../errors/index.js'
import { assertNonEmptyString, assertOptionalSecret, assertOptionalString, invalidArgument } from '../invalid-argument.js'
import type { Strategy, Tokens } from '../strategy.js'
import { callEndpoint } from './call-endpoint.js'
import { endpointUrl } from './endpoint-url.js'
import { readJson } from './read-body.js'
import { type RefusalRules, refusal } from './refusal.js'
import { requireCredential } from './require-credential.js'
import { expiryAt, fieldAt, informativeString, keepingRotated, optionalString, requireString } from './response-fields.js'
import { type CommonOptions, commonKeys, withDefaults } from './strategy-options.js'
import { tokenHeader } from './token-header.js'

/** How the client authenticates to the token endpoint (RFC 6749 §2.3.1). */
export type ClientAuth = 'basic' | 'body' | 'none'

/** Options of {@link oauth2}. */
export interface OAuth2Options extends CommonOptions {
  /** Absolute URL of the token endpoint. */
  tokenEndpoint: string
  /** The client's `client_id`. */
  clientId: string
  /** Required for `basic` and `body` client authentication. */
  clientSecret?: string | undefined
  /** @default 'basic' with a clientSecret, else 'none' (a public client sends only client_id) */
  clientAuth?: ClientAuth | undefined
  /** Scope to request; must not exceed the original grant. @default the original scope */
  scope?: string | undefined
}

/** OAuth2 tokens; the server may rotate the refresh token. */
export interface OAuth2Tokens extends Tokens {
  refreshToken: string
  scope?: string | undefined
  idToken?: string | undefined
}

const known = {
  ...commonKeys,
  tokenEndpoint: true,
  clientId: true,
  clientSecret: true,
  clientAuth: true,
  scope: true,
} satisfies Record<keyof OAuth2Options, true>
// RFC 6749 §5.2: every error code of the token endpoint is final (invalid_grant: the refresh token
// is invalid, expired, revoked or reused). `temporarily_unavailable` and `server_error` (§4.1.2.1)
// are what some servers send while overloaded: retried, as is `slow_down` (RFC 8628). The rest are
// the registered codes a token endpoint may send (RFC 8707, 9396, 9449); any other is not shown.
const rules: RefusalRules = {
  provider: 'OAuth2',
  codeAt: ['error'],
  // Only invalid_grant is about the refresh token; invalid_client and the rest are this client's set-up.
  refusesTokens: (_status, code) => code === 'invalid_grant',
  codes: {
    invalid_request: false,
    invalid_client: false,
    invalid_grant: false,
    unauthorized_client: false,
    unsupported_grant_type: false,
    invalid_scope: false,
    access_denied: false,
    temporarily_unavailable: true,
    server_error: true,
    slow_down: true,
    invalid_target: false,
    invalid_authorization_details: false,
    invalid_dpop_proof: false,
    use_dpop_nonce: false,
  },
}

// RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
const formEncode = (value: string): string => encodeURIComponent(value).replace(/%20/g, '+')

/**
 * The standard OAuth 2.0 refresh_token grant (RFC 6749 §6): a form-encoded POST with client
 * authentication; `invalid_grant` / `invalid_client` end the session, 5xx and 429 are retried
 * (429 and 503 honouring `Retry-After`).
 *
 * @example
 * const strategy = oauth2({ tokenEndpoint: 'https://id.example.com/oauth/token', clientId: 'web', clientSecret, clientAuth: 'basic' })
 */
export function oauth2(options: OAuth2Options): Strategy<OAuth2Tokens> {
  const o = withDefaults('oauth2 options', options, known, {})
  assertNonEmptyString('clientId', o.clientId)
  assertOptionalSecret('clientSecret', o.clientSecret)
  assertOptionalString('scope', o.scope)
  const { clientId, clientSecret = '' } = o
  const clientAuth: ClientAuth = o.clientAuth ?? (clientSecret ? 'basic' : 'none')
  if (!['basic', 'body', 'none'].includes(clientAuth)) {
    throw invalidArgument('clientAuth', "'basic', 'body' or 'none'", clientAuth, { wrongType: typeof clientAuth !== 'string' })
  }
  if (clientAuth !== 'none' && !clientSecret) {
    throw invalidArgument('clientSecret', `a non-empty string (clientAuth '${clientAuth}' sends it)`, o.clientSecret)
  }
  const url = endpointUrl('tokenEndpoint', o.tokenEndpoint, undefined, o.allowInsecureHttp)
  const authorize = tokenHeader(o.authorization)
  const basicCredential = clientAuth === 'basic' ? btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`) : undefined

  return {
    name: 'oauth2',
    ...(authorize && { authorize }),
    async refresh(current, context) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: requireCredential(current, 'refreshToken', 'OAuth2') })
      if (o.scope) form.set('scope', o.scope)
      if (clientAuth !== 'basic') form.set('client_id', clientId)
      if (clientAuth === 'body') form.set('client_secret', clientSecret)
      const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' }
      if (basicCredential) headers.Authorization = `Basic ${basicCredential}`
      const sentAt = context.now() // lifetimes in the answer count from the send (see fib)
      const response = await callEndpoint(context, 'OAuth2', url, { method: 'POST', headers, body: form.toString() })
      if (!response.ok) throw await refusal(response, rules, context.now())
      const body = await readJson(response)
      const accessToken = keepingRotated(body, current, 'refreshToken', 'refresh_token', () => requireString(body, 'access_token'))
      // Sent as `Bearer`, another token type (DPoP, MAC) would be sent wrong; a configured header is the
      // user's call. Terminal: the answer may have spent the refresh token, and every later call would get the same.
      // One that names no type (empty, not a string) is read as absent: refusing it would drop the rotated token.
      const named = fieldAt(body, 'token_type')
      const tokenType = typeof named === 'string' ? named.trim() : undefined
      if (!authorize && tokenType && tokenType.toLowerCase() !== 'bearer') {
        throw new RefreshError('The OAuth2 token endpoint issued a token of another type than Bearer, which tokenflight cannot send: sign in again, or set the authorization option', {
          transient: false,
          status: response.status,
          body,
        })
      }
      return {
        ...current,
        accessToken,
        refreshToken: optionalString(body, 'refresh_token') ?? current.refreshToken,
        expiresAt: expiryAt(body, 'expires_in', sentAt),
        scope: informativeString(body, 'scope') ?? o.scope ?? current.scope, // RFC 6749 §5.1: absent means as requested
        idToken: informativeString(body, 'id_token') ?? current.idToken,
      }
    },
  }
}
