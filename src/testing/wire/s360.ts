import { randomUUID } from 'node:crypto'
import { emulatorCredentials } from '../credentials.js'
import { isRefusal, type ProviderWire, type WireResponse } from './provider-wire.js'

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i

// `code` only where the document names one: an answer it lists without a code has none here.
const answer = (status: number, en: string, code?: string, data?: { accessToken: string }): WireResponse => ({
  status,
  body: { status, esbUUID: randomUUID(), desc: { en, ar: status === 200 ? 'نجاح' : 'خطأ', ...(code ? { code } : {}) }, ...(data ? { data } : {}) },
})

// The document's responses: 401 with its two ESB-IDP codes, and the gateway's named answers.
const documented: Record<number, [string, string | undefined]> = {
  401: ['Session ID and/or sessionToken is invalid', 'ESB-IDP-E0003'],
  403: ['Forbidden', 'APIMDeveloperInactive'],
  404: ['Not Found', 'FlogoException'],
  500: ['Server Error', undefined],
  503: ['Service Unavailable', 'APIMServiceUnavailable'],
  504: ['Gateway Timeout', 'APIMGatewayTimeout'],
}
const invalidSession = (): WireResponse => answer(401, 'Session ID and/or sessionToken is invalid', 'ESB-IDP-E0003')

// The document lists no answer to a malformed request: a 400 without a code, so no test relies on one.
function malformed(request: { headers: Record<string, string | string[] | undefined>; body: string }): WireResponse | undefined {
  const requestId = request.headers['x-request-id']
  if (typeof requestId !== 'string' || !uuid.test(requestId)) return answer(400, 'X-Request-Id must be a UUID')
  const type = request.headers['content-type']
  if (typeof type !== 'string' || !type.startsWith('application/json')) return answer(400, 'Content-Type must be application/json')
  return undefined
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
    if (request.headers.api_key !== emulatorCredentials.apiKey) return answer(403, 'Forbidden', 'APIMDeveloperInactive')
    const refused = malformed(request)
    if (refused) return refused
    let body: { sessionToken?: unknown; sessionId?: unknown }
    try {
      body = JSON.parse(request.body) as typeof body
    } catch {
      return answer(400, 'Body must be JSON')
    }
    if (typeof body?.sessionToken !== 'string' || typeof body.sessionId !== 'string') return invalidSession()
    const result = authority.redeem(body.sessionToken, body.sessionId)
    if (result === 'logged-out') return answer(401, 'User logged out', 'ESB-IDP-E0004')
    if (isRefusal(result)) return invalidSession()
    return answer(200, 'Success', 'ESB-IDP-S0000', { accessToken: result.accessToken })
  },
  // A forced 200 is the failure envelope a gateway can send with status 200: no data.
  failure(status, code) {
    const [en, documentedCode] = documented[status] ?? ['Error', undefined]
    return answer(status, en, code ?? documentedCode)
  },
}
