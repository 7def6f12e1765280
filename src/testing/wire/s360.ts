import { randomUUID } from 'node:crypto'
import { emulatorCredentials } from '../credentials.js'
import { isRefusal, type ProviderWire, type WireResponse } from './provider-wire.js'

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i

const answer = (status: number, code: string, en: string, data?: { accessToken: string }): WireResponse => ({
  status,
  body: { status, esbUUID: randomUUID(), desc: { en, ar: status === 200 ? 'نجاح' : 'خطأ', code }, ...(data ? { data } : {}) },
})

const defaultCodes: Record<number, [string, string]> = {
  401: ['ESB-IDP-E0003', 'Session ID and/or sessionToken is invalid'],
  403: ['APIMDeveloperInactive', 'Forbidden'],
  500: ['ESB-IDP-E0500', 'Server Error'],
  503: ['APIMServiceUnavailable', 'Service Unavailable'],
  504: ['APIMGatewayTimeout', 'Gateway Timeout'],
}

/**
 * S360: POST /idp/sso/v1/refresh with `api_key`, a UUID `X-Request-Id` and `{ sessionToken, sessionId }`.
 * The session never rotates; 401 ESB-IDP-E0003 (invalid session) or E0004 (logged out).
 */
export const s360Wire: ProviderWire = {
  method: 'POST',
  path: '/idp/sso/v1/refresh',
  rotates: false,
  sessionTokens: (issued) => ({ accessToken: issued.accessToken, sessionToken: issued.refreshToken, sessionId: issued.family }),
  refresh(request, authority) {
    if (request.headers.api_key !== emulatorCredentials.apiKey) return answer(403, 'APIMDeveloperInactive', 'Forbidden')
    const requestId = request.headers['x-request-id']
    if (typeof requestId !== 'string' || !uuid.test(requestId)) return answer(400, 'ESB-IDP-E0001', 'X-Request-Id must be a UUID')
    if (!request.headers['content-type']?.startsWith('application/json')) return answer(400, 'ESB-IDP-E0001', 'Content-Type must be application/json')
    let body: { sessionToken?: unknown; sessionId?: unknown }
    try {
      body = JSON.parse(request.body) as typeof body
    } catch {
      return answer(400, 'ESB-IDP-E0001', 'Body must be JSON')
    }
    if (typeof body.sessionToken !== 'string' || typeof body.sessionId !== 'string') {
      return answer(401, 'ESB-IDP-E0003', 'Session ID and/or sessionToken is invalid')
    }
    const result = authority.redeem(body.sessionToken, body.sessionId)
    if (result === 'logged-out') return answer(401, 'ESB-IDP-E0004', 'User logged out')
    if (isRefusal(result)) return answer(401, 'ESB-IDP-E0003', 'Session ID and/or sessionToken is invalid')
    return answer(200, 'ESB-IDP-S0000', 'Success', { accessToken: result.accessToken })
  },
  failure(status, code) {
    const [defaultCode, en] = defaultCodes[status] ?? ['ESB-IDP-E9999', 'Error']
    return answer(status, code ?? defaultCode, en)
  },
}
