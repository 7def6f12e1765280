import { isRefusal, lifetimeSeconds, type ProviderWire } from './provider-wire.js'

const names: Record<number, string> = { 400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 404: 'NOT_FOUND', 422: 'UNPROCESSABLE_ENTITY', 500: 'INTERNAL_SERVER_ERROR' }

const envelope = (status: number, name?: string): { status: { code: number; name: string } } => ({
  status: { code: status, name: name ?? names[status] ?? 'ERROR' },
})

/** FIB: PATCH /auth/api/v1/authentication-management/session, rotating refresh tokens. */
export const fibWire: ProviderWire = {
  method: 'PATCH',
  path: '/auth/api/v1/authentication-management/session',
  rotates: true,
  sessionTokens: (issued) => ({ accessToken: issued.accessToken, refreshToken: issued.refreshToken, expiresAt: issued.accessExpiresAt }),
  refresh(request, authority) {
    // Its 401: "the Bearer token could not be parsed from the Authorization header".
    const refreshToken = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]
    if (!refreshToken) return { status: 401, body: envelope(401) }
    const result = authority.redeem(refreshToken)
    if (isRefusal(result)) return { status: 401, body: envelope(401) }
    return {
      status: 200,
      body: {
        ...envelope(200, 'OK'),
        data: {
          accessToken: result.accessToken,
          refreshToken: result.refreshToken,
          // Whole seconds as FIB sends them; a sub-second test lifetime is sent as it is (0.5), so
          // clients know the true expiry instead of one rounded past it.
          expirationTime: lifetimeSeconds(authority.options.accessTtlMs),
        },
      },
    }
  },
  failure: (status, code) => ({ status, body: envelope(status, code) }),
}
