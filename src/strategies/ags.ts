import { assertFunction, assertKnownKeys, assertObject, assertString, invalidArgument } from '../invalid-argument.js'
import type { Strategy, Tokens } from '../strategy.js'
import { callEndpoint, endpointUrl } from './call-endpoint.js'
import { httpFailure } from './http-failure.js'
import { randomUuid } from '../random-uuid.js'
import { readErrorBody, readJson } from './read-body.js'
import { assertNotPast, requireCredential } from './require-credential.js'
import { fieldAt, optionalSeconds, optionalString, requireSeconds, requireString } from './response-fields.js'

/** One entry of the AGS `parameters` array (names come from `GET /servicediscovery`). */
export interface AgsParameter {
  name: string
  value: string
}

/** Options of {@link ags}. */
export interface AgsOptions {
  /** `https://<host>:<port>` of the Authentication Gateway Service. */
  baseURL: string
  /** `x-auth-service-id`: the SSO service to authenticate with (mandatory). */
  authServiceId: string
  /** `nv-tenant-id` */
  tenantId?: string | undefined
  /** The `parameters` the SSO provider requires. @default [] */
  parameters?: readonly AgsParameter[] | undefined
  /** Supplies `x-correlation-id` for each call, to tie it to your own logs. @default a new UUID per call */
  correlationId?: (() => string) | undefined
  /** @default '/ags/refresh' */
  path?: string | undefined
}

/** AGS tokens: a rotating refresh token with its own expiry, inside a fixed session cap. */
export interface AgsTokens extends Tokens {
  refreshToken: string
  /** Epoch ms after which the refresh token is refused (`refresh_expires_in`). */
  refreshExpiresAt?: number | undefined
  /** Epoch ms of the fixed session cap (`fixed_refresh_expires_in`): no refresh past it. */
  sessionCapAt?: number | undefined
}

const errorCode = (body: unknown): string | undefined => {
  for (const path of ['error', 'code', 'errorCode']) {
    const value = fieldAt(body, path)
    if (typeof value === 'string') return value
  }
  return undefined
}

/**
 * AGS refresh: `POST /ags/refresh` with `Authorization: <refreshToken>`, `x-auth-service-id`,
 * `nv-tenant-id`, a new `x-correlation-id` per call and `{ parameters: [{ name, value }] }`.
 * Past the refresh token's expiry or the fixed session cap, no call is made: the session is expired.
 *
 * @example
 * const strategy = ags({ baseURL: 'https://ags.example.com:8443', authServiceId: 'sso-1', tenantId: 'acme' })
 */
export function ags(options: AgsOptions): Strategy<AgsTokens> {
  assertObject('ags options', options)
  assertKnownKeys('ags options', options, ['baseURL', 'authServiceId', 'tenantId', 'parameters', 'correlationId', 'path'])
  assertString('baseURL', options.baseURL)
  assertString('authServiceId', options.authServiceId)
  assertString('tenantId', options.tenantId, true)
  assertFunction('correlationId', options.correlationId)
  assertString('path', options.path, true)
  const parameters = options.parameters ?? []
  if (!Array.isArray(parameters)) throw invalidArgument('parameters', 'an array of { name, value }', parameters)
  parameters.forEach((parameter: AgsParameter, index) => {
    assertObject(`parameters[${index}]`, parameter)
    assertString(`parameters[${index}].name`, parameter.name)
    if (typeof parameter.value !== 'string') throw invalidArgument(`parameters[${index}].value`, 'a string', parameter.value)
  })
  const url = endpointUrl(options.baseURL, options.path ?? '/ags/refresh')
  const body = JSON.stringify({ parameters })
  const nextCorrelationId = options.correlationId ?? randomUuid

  return {
    name: 'ags',
    async refresh(current, context) {
      const refreshToken = requireCredential(current, 'refreshToken', 'AGS')
      const sentAt = context.now() // lifetimes in the answer count from the send (see fib)
      // The document says to sign in again once the refresh token has expired: don't call.
      assertNotPast(current.refreshExpiresAt, sentAt, 'refresh token', 'AGS')
      assertNotPast(current.sessionCapAt, sentAt, 'session (fixed cap)', 'AGS')
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        Authorization: refreshToken,
        'x-auth-service-id': options.authServiceId,
        'x-correlation-id': nextCorrelationId(),
      }
      if (options.tenantId) headers['nv-tenant-id'] = options.tenantId
      const response = await callEndpoint(context, 'AGS', url, { method: 'POST', headers, body })
      if (!response.ok) {
        const error = await readErrorBody(response)
        throw httpFailure(response, error, { provider: 'AGS', providerCode: errorCode(error) }, context.now())
      }
      const answer = await readJson(response)
      const accessToken = requireString(answer, 'access_token')
      const expiresIn = requireSeconds(answer, 'expires_in')
      const rotated = optionalString(answer, 'refresh_token')
      const refreshExpiresIn = optionalSeconds(answer, 'refresh_expires_in')
      const capIn = optionalSeconds(answer, 'fixed_refresh_expires_in')
      // The cap is fixed at sign-in: a later answer may restate it, never move it later.
      const sessionCapAt = capIn === undefined ? current.sessionCapAt : Math.min(current.sessionCapAt ?? Infinity, sentAt + capIn * 1000)
      return {
        ...current,
        accessToken,
        refreshToken: rotated ?? refreshToken,
        expiresAt: sentAt + expiresIn * 1000,
        refreshExpiresAt: refreshExpiresIn === undefined ? current.refreshExpiresAt : sentAt + refreshExpiresIn * 1000,
        sessionCapAt,
      }
    },
  }
}
