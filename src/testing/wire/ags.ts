import { emulatorCredentials, secondsUntil } from '../credentials.js'
import { isRefusal, lifetimeSeconds, type ProviderWire, type WireResponse } from './provider-wire.js'

// The document gives statuses (400, 401, 403) but no error body: the emulator sends a message
// for people and no code, so no test can come to rely on one the real service does not send.
const refusal = (status: number, message: string): WireResponse => ({ status, body: { message } })

const header = (value: string | string[] | undefined): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined)

/**
 * AGS: POST /ags/refresh with `Authorization: <refreshToken>` (the token itself, no scheme),
 * `x-auth-service-id`, optional `nv-tenant-id` and `{ parameters: [...] }`; answers access and
 * refresh tokens with their lifetimes and the fixed cap.
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
    const serviceId = header(request.headers['x-auth-service-id'])
    if (!serviceId) return refusal(400, 'x-auth-service-id is mandatory')
    if (serviceId !== emulatorCredentials.authServiceId) return refusal(403, 'unknown authentication service')
    const tenant = request.headers['nv-tenant-id']
    if (tenant !== undefined && tenant !== emulatorCredentials.tenantId) return refusal(403, 'unknown tenant')
    let body: { parameters?: unknown }
    try {
      body = JSON.parse(request.body) as typeof body
    } catch {
      return refusal(400, 'the body must be JSON')
    }
    if (!Array.isArray(body?.parameters)) return refusal(400, 'parameters is mandatory')
    // The document's Authorization is the refresh token as it was returned: `Bearer <token>` is another token.
    const refreshToken = header(request.headers.authorization)
    if (!refreshToken) return refusal(401, 'Authorization is mandatory')
    const result = authority.redeem(refreshToken)
    if (isRefusal(result)) return refusal(401, result === 'expired' ? 'refresh token expired' : 'invalid refresh token')
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
  // A forced failure carries the code a test asks for (as `error`), else only a message.
  failure: (status, code) => ({ status, body: { ...(code ? { error: code } : {}), message: status >= 500 ? 'server error' : 'refused' } }),
}
