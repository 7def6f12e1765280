import { emulatorCredentials, secondsUntil } from '../credentials.js'
import { isRefusal, type ProviderWire, type WireResponse } from './provider-wire.js'

const messages: Record<string, string> = {
  'IDAAS.SDK.PARAM.0001': 'Device information is incomplete',
  'IDAAS.SDK.PARAM.0002': 'clientId cannot be empty',
  'IDAAS.SDK.PARAM.0003': 'The app is not registered, please register the app first',
  'IDAAS.SDK.PARAM.0022': 'Session token cannot be empty',
  'IDAAS.SDK.PARAM.0023': 'Invalid or expired session token',
  'IDAAS.SDK.COM.0002': 'System busy, please try again later',
}

const error = (code: string, status = 400): WireResponse => ({ status, body: { error_code: code, error_msg: messages[code] ?? 'Error' } })

/**
 * CIAM / IDaaS: POST /api/v2/sdk/sso/session-token/id-token with `session-token`, `X-client-id`
 * and device headers; answers `{ session_token, expire, id_token }`, errors `{ error_code, error_msg }`.
 */
export const ciamWire: ProviderWire = {
  method: 'POST',
  path: '/api/v2/sdk/sso/session-token/id-token',
  rotates: true,
  sessionTokens: (issued) => ({ accessToken: issued.accessToken, sessionToken: issued.refreshToken, sessionExpiresAt: issued.refreshExpiresAt }),
  refresh(request, authority) {
    const header = (name: string): string | undefined => {
      const value = request.headers[name]
      return typeof value === 'string' && value !== '' ? value : undefined
    }
    // The document marks `content-type: application/json` required but lists no code for it.
    if (!header('content-type')?.startsWith('application/json')) return { status: 415, body: { error_msg: 'content-type must be application/json' } }
    if (!header('x-device-fingerprint') || !header('x-operating-sys-version') || !header('x-agent')) return error('IDAAS.SDK.PARAM.0001')
    const clientId = header('x-client-id')
    if (!clientId) return error('IDAAS.SDK.PARAM.0002')
    if (clientId !== emulatorCredentials.clientId) return error('IDAAS.SDK.PARAM.0003')
    const sessionToken = header('session-token')
    if (!sessionToken) return error('IDAAS.SDK.PARAM.0022')
    const result = authority.redeem(sessionToken)
    if (isRefusal(result)) return error('IDAAS.SDK.PARAM.0023')
    const expire = result.refreshExpiresAt === undefined ? 604_800 : secondsUntil(result.refreshExpiresAt, authority.now())
    return { status: 200, body: { session_token: result.refreshToken, expire, id_token: result.accessToken } }
  },
  failure: (status, code) => error(code ?? (status >= 500 ? 'IDAAS.SDK.COM.0002' : 'IDAAS.SDK.PARAM.0023'), status),
}
