import { InvalidRefreshResponseError } from '../errors/index.js'
import { assertKnownKeys, assertObject, assertString, invalidArgument } from '../invalid-argument.js'
import type { Strategy, Tokens } from '../strategy.js'
import { callEndpoint } from './call-endpoint.js'
import { httpFailure } from './http-failure.js'
import { readErrorBody, readJson } from './read-body.js'
import { requireCredential } from './require-credential.js'
import { fieldAt, optionalString, requireString } from './response-fields.js'

/** How the client authenticates to the token endpoint (RFC 6749 §2.3.1). */
export type ClientAuth = 'basic' | 'body' | 'none'

/** Options of {@link oauth2}. */
export interface OAuth2Options {
  /** Absolute URL of the token endpoint. */
  tokenEndpoint: string
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

// RFC 6749 §5.2: invalid_grant (refresh token invalid, expired, revoked or reused) and
// invalid_client end the session; the others mean misconfiguration and are final as well.
// `temporarily_unavailable` is what some servers send while overloaded.
const transientCodes = new Set(['temporarily_unavailable', 'server_error'])

// RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
const formEncode = (value: string): string => encodeURIComponent(value).replace(/%20/g, '+')

function readExpiresIn(body: unknown): number | undefined {
  const value = fieldAt(body, 'expires_in')
  if (value === undefined) return undefined
  // Some servers send the number as a string ("3600"); accept it, refuse anything else.
  const seconds = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
  if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0) return seconds
  throw new InvalidRefreshResponseError('expires_in', 'a non-negative number of seconds', typeof value, { body })
}

/**
 * The standard OAuth 2.0 refresh_token grant (RFC 6749 §6): a form-encoded POST with client
 * authentication; `invalid_grant` / `invalid_client` end the session, 5xx and 429 are retried
 * (429 and 503 honouring `Retry-After`).
 *
 * @example
 * const strategy = oauth2({ tokenEndpoint: 'https://id.example.com/oauth/token', clientId: 'web', clientSecret, clientAuth: 'basic' })
 */
export function oauth2(options: OAuth2Options): Strategy<OAuth2Tokens> {
  assertObject('oauth2 options', options)
  assertKnownKeys('oauth2 options', options, ['tokenEndpoint', 'clientId', 'clientSecret', 'clientAuth', 'scope'])
  assertString('tokenEndpoint', options.tokenEndpoint)
  assertString('clientId', options.clientId)
  assertString('clientSecret', options.clientSecret, true, true)
  assertString('scope', options.scope, true)
  const clientAuth = options.clientAuth ?? (options.clientSecret ? 'basic' : 'none')
  if (!['basic', 'body', 'none'].includes(clientAuth)) {
    throw invalidArgument('clientAuth', "'basic', 'body' or 'none'", clientAuth, { wrongType: typeof clientAuth !== 'string' })
  }
  if (clientAuth !== 'none' && !options.clientSecret) {
    throw invalidArgument('clientSecret', `a non-empty string (clientAuth '${clientAuth}' sends it)`, options.clientSecret)
  }
  let url: URL
  try {
    url = new URL(options.tokenEndpoint)
  } catch {
    throw invalidArgument('tokenEndpoint', 'an absolute URL', options.tokenEndpoint, { wrongType: false })
  }
  const basic = clientAuth === 'basic' ? `Basic ${btoa(`${formEncode(options.clientId)}:${formEncode(options.clientSecret ?? '')}`)}` : undefined

  return {
    name: 'oauth2',
    async refresh(current, context) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: requireCredential(current, 'refreshToken', 'OAuth2') })
      if (options.scope) form.set('scope', options.scope)
      if (clientAuth !== 'basic') form.set('client_id', options.clientId)
      if (clientAuth === 'body') form.set('client_secret', options.clientSecret ?? '')
      const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' }
      if (basic) headers.Authorization = basic
      const sentAt = context.now() // lifetimes in the answer count from the send (see fib)
      const response = await callEndpoint(context, 'OAuth2', url, { method: 'POST', headers, body: form.toString() })
      if (!response.ok) {
        const body = await readErrorBody(response)
        const error = fieldAt(body, 'error')
        const providerCode = typeof error === 'string' ? error : undefined
        const transient = providerCode && transientCodes.has(providerCode) ? true : undefined
        throw httpFailure(response, body, { provider: 'OAuth2', providerCode, transient }, context.now())
      }
      const body = await readJson(response)
      const accessToken = requireString(body, 'access_token')
      const tokenType = optionalString(body, 'token_type')
      // tokenflight sends `Authorization: Bearer`; another token type (DPoP, MAC) would be sent wrong.
      if (tokenType !== undefined && tokenType.toLowerCase() !== 'bearer') {
        throw new InvalidRefreshResponseError('token_type', '"Bearer"', `\`${tokenType}\``, { body })
      }
      const expiresIn = readExpiresIn(body)
      return {
        ...current,
        accessToken,
        refreshToken: optionalString(body, 'refresh_token') ?? current.refreshToken,
        expiresAt: expiresIn === undefined ? undefined : sentAt + expiresIn * 1000,
        scope: optionalString(body, 'scope') ?? current.scope,
        idToken: optionalString(body, 'id_token') ?? current.idToken,
      }
    },
  }
}
