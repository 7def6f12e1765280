import { emulatorCredentials } from '../credentials.js'
import { isRefusal, lifetimeSeconds, type ProviderWire, type WireResponse } from './provider-wire.js'

const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' }

const error = (status: number, code: string, headers: Record<string, string> = {}): WireResponse => ({
  status,
  body: { error: code, error_description: code.replace(/_/g, ' ') },
  headers: { ...noStore, ...headers },
})

// RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64.
const formDecode = (value: string): string => decodeURIComponent(value.replace(/\+/g, ' '))

function basicCredentials(authorization: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic\s+(.+)$/i.exec(authorization ?? '')
  if (!match?.[1]) return undefined
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon < 0 ? { id: formDecode(decoded), secret: '' } : { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) }
}

// RFC 6749 §2.3 and §5.2: one authentication method per request; the confidential client must
// prove itself with its secret, the public one sends only its id.
function refuseClient(authorization: string | undefined, form: URLSearchParams): WireResponse | undefined {
  const basic = basicCredentials(authorization)
  if (basic && form.has('client_secret')) return error(400, 'invalid_request')
  const id = basic?.id ?? form.get('client_id') ?? undefined
  const secret = basic?.secret ?? form.get('client_secret') ?? undefined
  const { clientId, clientSecret, publicClientId } = emulatorCredentials
  const authentic = (id === clientId && secret === clientSecret) || (id === publicClientId && secret === undefined)
  if (authentic) return undefined
  return error(401, 'invalid_client', basic ? { 'www-authenticate': 'Basic realm="emulator"' } : {})
}

// RFC 6749 §6: a refresh may narrow the scope granted at sign-in, never widen it.
function widensScope(requested: string | null): boolean {
  if (requested === null) return false
  const granted = new Set(emulatorCredentials.scope.split(' '))
  return requested.split(' ').some((scope) => !granted.has(scope))
}

/** OAuth 2.0 token endpoint (RFC 6749 §6, errors §5.2): form-encoded refresh_token grant at /oauth/token. */
export const oauth2Wire: ProviderWire = {
  method: 'POST',
  path: '/oauth/token',
  rotates: true,
  sessionTokens: (issued) => ({ accessToken: issued.accessToken, refreshToken: issued.refreshToken, expiresAt: issued.accessExpiresAt, scope: emulatorCredentials.scope }),
  refresh(request, authority) {
    if (!request.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) return error(400, 'invalid_request')
    const form = new URLSearchParams(request.body)
    if (!form.get('grant_type')) return error(400, 'invalid_request')
    const refused = refuseClient(request.headers.authorization, form)
    if (refused) return refused
    if (form.get('grant_type') !== 'refresh_token') return error(400, 'unsupported_grant_type')
    const refreshToken = form.get('refresh_token')
    if (!refreshToken) return error(400, 'invalid_request')
    if (widensScope(form.get('scope'))) return error(400, 'invalid_scope')
    const result = authority.redeem(refreshToken)
    if (isRefusal(result)) return error(400, 'invalid_grant')
    // §5.1: `scope` may be left out when it is the one requested (or, unrequested, the grant's).
    return {
      status: 200,
      headers: noStore,
      body: { access_token: result.accessToken, token_type: 'Bearer', expires_in: lifetimeSeconds(authority.options.accessTtlMs), refresh_token: result.refreshToken },
    }
  },
  failure(status, code) {
    const retryAfter: Record<string, string> = status === 429 || status === 503 ? { 'retry-after': '1' } : {}
    return error(status, code ?? (status >= 500 ? 'server_error' : 'invalid_grant'), retryAfter)
  },
}
