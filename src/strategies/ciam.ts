import { assertHeaderSecret, assertObject, assertOptionalHeaderSecret, assertOptionalString, knownOptions } from '../invalid-argument.js'
import type { Strategy, Tokens } from '../strategy.js'
import { callEndpoint } from './call-endpoint.js'
import { endpointUrl } from './endpoint-url.js'
import { readJson } from './read-body.js'
import { type RefusalRules, refusal } from './refusal.js'
import { assertNotPast, requireCredential } from './require-credential.js'
import { credentialDeadlineAt, keepingRotated, optionalString, requireString } from './response-fields.js'
import { type CommonOptions, commonKeys, withDefaults } from './strategy-options.js'
import { tokenHeader } from './token-header.js'

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
export interface CiamOptions extends CommonOptions {
  /** `https://{your_domain}` */
  baseURL: string
  /** `X-client-id`: the application's authorization id. */
  clientId: string
  /** The calling device's headers. */
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

const known = { ...commonKeys, baseURL: true, clientId: true, device: true, path: true } satisfies Record<keyof CiamOptions, true>
const deviceKeys = { fingerprint: true, osVersion: true, agent: true, ip: true, language: true } satisfies Record<keyof CiamDevice, true>
const defaults = { path: '/api/v2/sdk/sso/session-token/id-token' }
// The document's codes, all at HTTP 400: every one is final except "system busy", which it says
// to retry. Configuration errors name what to fix.
const rules: RefusalRules = {
  provider: 'CIAM',
  codeAt: ['error_code'],
  // The session token empty or invalid; the other codes name the client's set-up (device, client id).
  refusesTokens: (_status, code) => code === 'IDAAS.SDK.PARAM.0022' || code === 'IDAAS.SDK.PARAM.0023',
  codes: {
    'IDAAS.SDK.PARAM.0001': false,
    'IDAAS.SDK.PARAM.0002': false,
    'IDAAS.SDK.PARAM.0003': false,
    'IDAAS.SDK.PARAM.0022': false,
    'IDAAS.SDK.PARAM.0023': false,
    'IDAAS.SDK.COM.0002': true,
  },
  hints: {
    'IDAAS.SDK.PARAM.0001': 'device information is incomplete: check X-device-fingerprint, X-operating-sys-version and X-agent (`device` option)',
    'IDAAS.SDK.PARAM.0002': 'X-client-id is empty (`clientId` option)',
    'IDAAS.SDK.PARAM.0003': 'the app is not registered: X-client-id is wrong (`clientId` option)',
    'IDAAS.SDK.PARAM.0022': 'the session token is empty: sign in again',
    'IDAAS.SDK.PARAM.0023': 'the session token is invalid or expired: sign in again',
    'IDAAS.SDK.COM.0002': 'system busy: retried',
  },
}

/**
 * CIAM / IDaaS id_token refresh: `POST /api/v2/sdk/sso/session-token/id-token` with the
 * `session-token`, `X-client-id` and device headers. The `id_token` becomes the access token
 * (expiry from its JWT `exp`); a rotated `session_token` replaces the stored one.
 *
 * @example
 * const strategy = ciam({ baseURL: 'https://tenant.example.com', clientId, device: { fingerprint, osVersion: 'windows10.1.1', agent: navigator.userAgent } })
 */
export function ciam(options: CiamOptions): Strategy<CiamTokens> {
  const o = withDefaults('ciam options', options, known, defaults)
  assertHeaderSecret('clientId', o.clientId)
  assertOptionalString('path', o.path)
  assertObject('device', o.device)
  const device = knownOptions('ciam device', o.device, deviceKeys)
  // Header values: a CR or LF would fail every refresh, so they are refused here.
  assertHeaderSecret('device.fingerprint', device.fingerprint)
  assertHeaderSecret('device.osVersion', device.osVersion)
  assertHeaderSecret('device.agent', device.agent)
  assertOptionalHeaderSecret('device.ip', device.ip)
  assertOptionalHeaderSecret('device.language', device.language)
  const url = endpointUrl('baseURL', o.baseURL, o.path, o.allowInsecureHttp)
  const authorize = tokenHeader(o.authorization)
  const fixedHeaders: Record<string, string> = {
    'content-type': 'application/json',
    Accept: 'application/json',
    'X-client-id': o.clientId,
    'X-device-fingerprint': device.fingerprint,
    'X-operating-sys-version': device.osVersion,
    'X-agent': device.agent,
    ...(device.ip && { 'X-device-ip': device.ip }),
    ...(device.language && { 'X-L': device.language }),
  }

  return {
    name: 'ciam',
    ...(authorize && { authorize }),
    async refresh(current, context) {
      const sessionToken = requireCredential(current, 'sessionToken', 'CIAM')
      const sentAt = context.now() // lifetimes in the answer count from the send (see fib)
      assertNotPast(current.sessionExpiresAt, sentAt, 'session_token', 'CIAM')
      const response = await callEndpoint(context, 'CIAM', url, { method: 'POST', headers: { ...fixedHeaders, 'session-token': sessionToken } })
      if (!response.ok) throw await refusal(response, rules, context.now())
      const body = await readJson(response)
      const accessToken = keepingRotated(body, current, 'sessionToken', 'session_token', () => requireString(body, 'id_token'))
      const rotated = optionalString(body, 'session_token')
      const fromSend = credentialDeadlineAt(body, 'expire', sentAt)
      const old = current.sessionExpiresAt
      // A new session_token starts a new validity; an unchanged one cannot outlive its old deadline.
      const sessionExpiresAt =
        rotated !== undefined && rotated !== sessionToken ? fromSend : fromSend === undefined ? old : Math.min(old ?? fromSend, fromSend)
      return { ...current, accessToken, sessionToken: rotated ?? sessionToken, sessionExpiresAt, expiresAt: undefined }
    },
  }
}
