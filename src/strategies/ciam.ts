import { assertKnownKeys, assertObject, assertString } from '../invalid-argument.js'
import type { Strategy, Tokens } from '../strategy.js'
import { callEndpoint, endpointUrl } from './call-endpoint.js'
import { httpFailure } from './http-failure.js'
import { readErrorBody, readJson } from './read-body.js'
import { assertNotPast, requireCredential } from './require-credential.js'
import { fieldAt, optionalSeconds, optionalString, requireString } from './response-fields.js'

/** The calling device, sent as CIAM's `X-…` headers on every refresh. */
export interface CiamDevice {
  /** `X-device-fingerprint` */
  fingerprint: string
  /** `X-operating-sys-version`, e.g. `windows10.1.1` */
  osVersion: string
  /** `X-agent`: the user agent */
  agent: string
  /** `X-device-ip` (optional) */
  ip?: string | undefined
  /** `X-L`: language for messages, e.g. `zh` (optional) */
  language?: string | undefined
}

/** Options of {@link ciam}. */
export interface CiamOptions {
  /** `https://{your_domain}` */
  baseURL: string
  /** `X-client-id`: the application's authorization id. */
  clientId: string
  device: CiamDevice
  /** @default '/api/v2/sdk/sso/session-token/id-token' */
  path?: string | undefined
}

/** CIAM tokens: the `id_token` is the access token; `sessionToken` may rotate and bounds the session. */
export interface CiamTokens extends Tokens {
  sessionToken: string
  /** Epoch ms after which `sessionToken` is invalid (from `expire`). */
  sessionExpiresAt?: number | undefined
}

// Error codes from the CIAM document. Configuration errors name what to fix; all are final
// except "system busy", which the document says to retry.
const configurationErrors: Record<string, string> = {
  'IDAAS.SDK.PARAM.0001': 'device information is incomplete: check X-device-fingerprint, X-operating-sys-version and X-agent (`device` option)',
  'IDAAS.SDK.PARAM.0002': 'X-client-id is empty (`clientId` option)',
  'IDAAS.SDK.PARAM.0003': 'the app is not registered: X-client-id is wrong (`clientId` option)',
}
const sessionErrors: Record<string, string> = {
  'IDAAS.SDK.PARAM.0022': 'the session token is empty: sign in again',
  'IDAAS.SDK.PARAM.0023': 'the session token is invalid or expired: sign in again',
}
const BUSY = 'IDAAS.SDK.COM.0002'

/**
 * CIAM / IDaaS id_token refresh: `POST /api/v2/sdk/sso/session-token/id-token` with the
 * `session-token`, `X-client-id` and device headers. The `id_token` becomes the access token
 * (expiry from its JWT `exp`); a rotated `session_token` replaces the stored one.
 *
 * @example
 * const strategy = ciam({ baseURL: 'https://tenant.example.com', clientId, device: { fingerprint, osVersion: 'windows10.1.1', agent: navigator.userAgent } })
 */
export function ciam(options: CiamOptions): Strategy<CiamTokens> {
  assertObject('ciam options', options)
  assertKnownKeys('ciam options', options, ['baseURL', 'clientId', 'device', 'path'])
  assertString('baseURL', options.baseURL)
  assertString('clientId', options.clientId)
  assertString('path', options.path, true)
  const { device } = options
  assertObject('device', device)
  assertKnownKeys('ciam device', device, ['fingerprint', 'osVersion', 'agent', 'ip', 'language'])
  assertString('device.fingerprint', device.fingerprint)
  assertString('device.osVersion', device.osVersion)
  assertString('device.agent', device.agent)
  assertString('device.ip', device.ip, true)
  assertString('device.language', device.language, true)
  const url = endpointUrl(options.baseURL, options.path ?? '/api/v2/sdk/sso/session-token/id-token')
  const fixedHeaders: Record<string, string> = {
    'content-type': 'application/json',
    Accept: 'application/json',
    'X-client-id': options.clientId,
    'X-device-fingerprint': device.fingerprint,
    'X-operating-sys-version': device.osVersion,
    'X-agent': device.agent,
    ...(device.ip ? { 'X-device-ip': device.ip } : {}),
    ...(device.language ? { 'X-L': device.language } : {}),
  }

  return {
    name: 'ciam',
    async refresh(current, context) {
      const sessionToken = requireCredential(current, 'sessionToken', 'CIAM')
      const sentAt = context.now() // lifetimes in the answer count from the send (see fib)
      assertNotPast(current.sessionExpiresAt, sentAt, 'session_token', 'CIAM')
      const response = await callEndpoint(context, 'CIAM', url, { method: 'POST', headers: { ...fixedHeaders, 'session-token': sessionToken } })
      if (!response.ok) {
        const body = await readErrorBody(response)
        const code = fieldAt(body, 'error_code')
        const providerCode = typeof code === 'string' ? code : undefined
        const hint = providerCode ? (configurationErrors[providerCode] ?? sessionErrors[providerCode]) : undefined
        const transient = providerCode === BUSY ? true : undefined
        throw httpFailure(response, body, { provider: 'CIAM', providerCode, transient, hint }, context.now())
      }
      const body = await readJson(response)
      const accessToken = requireString(body, 'id_token')
      const rotated = optionalString(body, 'session_token')
      const expire = optionalSeconds(body, 'expire')
      let sessionExpiresAt = current.sessionExpiresAt
      if (expire !== undefined) {
        const fromSend = sentAt + expire * 1000
        // A new session_token starts a new validity; an unchanged one cannot outlive its old deadline.
        sessionExpiresAt = rotated && rotated !== sessionToken ? fromSend : Math.min(sessionExpiresAt ?? fromSend, fromSend)
      }
      return { ...current, accessToken, sessionToken: rotated ?? sessionToken, sessionExpiresAt, expiresAt: undefined }
    },
  }
}
