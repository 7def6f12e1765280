import { emulatorCredentials, secondsUntil } from '../credentials.js'
import { bearerToken, isRefusal, lifetimeSeconds, type ProviderWire, type WireResponse } from './provider-wire.js'

const error = (status: number, code: string): WireResponse => ({ status, body: { error: code, message: code.replace(/_/g, ' ') } })

/**
 * AGS: POST /ags/refresh with `Authorization: <refreshToken>`, `x-auth-service-id` and
 * `{ parameters: [...] }`; answers access and refresh tokens with their lifetimes and the fixed cap.
 */
export const agsWire: ProviderWire = {
  method: 'POST',
  path: '/ags/refresh',
  rotates: true,
  sessionTokens: (issued) => ({
    accessToken: issued.accessToken,
    refreshToken: issued.refreshToken,
    expiresAt: issued.accessExpiresAt,
    refreshExpiresAt: issued.refreshExpiresAt,
    sessionCapAt: issued.sessionCapAt,
  }),
  refresh(request, authority) {
    const serviceId = request.headers['x-auth-service-id']
    if (!serviceId) return error(400, 'missing_auth_service_id')
    if (serviceId !== emulatorCredentials.authServiceId) return error(403, 'unknown_auth_service')
    let body: { parameters?: unknown }
    try {
      body = JSON.parse(request.body) as typeof body
    } catch {
      return error(400, 'invalid_body')
    }
    if (!Array.isArray(body.parameters)) return error(400, 'missing_parameters')
    const refreshToken = bearerToken(request.headers)
    if (!refreshToken) return error(401, 'missing_refresh_token')
    const result = authority.redeem(refreshToken)
    if (isRefusal(result)) return error(401, result === 'expired' ? 'refresh_token_expired' : 'invalid_refresh_token')
    const now = authority.now()
    return {
      status: 200,
      body: {
        access_token: result.accessToken,
        refresh_token: result.refreshToken,
        client_id: 'PUB_EMULATOR',
        accountId: '1663',
        token_type: 'bearer',
        expires_in: lifetimeSeconds(authority.options.accessTtlMs),
        refresh_expires_in: result.refreshExpiresAt === undefined ? 172_800 : secondsUntil(result.refreshExpiresAt, now),
        fixed_refresh_expires_in: result.sessionCapAt === undefined ? 2_592_000 : secondsUntil(result.sessionCapAt, now),
      },
    }
  },
  failure: (status, code) => error(status, code ?? (status >= 500 ? 'server_error' : 'invalid_request')),
}
