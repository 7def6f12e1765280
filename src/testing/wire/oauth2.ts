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

function clientOf(authorization: string | undefined, form: URLSearchParams): { id?: string | undefined; secret?: string | undefined; basic: boolean } {
  const match = /^Basic\s+(.+)$/i.exec(authorization ?? '')
  if (match?.[1]) {
    const [id = '', secret = ''] = Buffer.from(match[1], 'base64').toString('utf8').split(':')
    return { id: formDecode(id), secret: formDecode(secret), basic: true }
  }
  return { id: form.get('client_id') ?? undefined, secret: form.get('client_secret') ?? undefined, basic: false }
}

/** OAuth 2.0 token endpoint (RFC 6749 §6, errors §5.2): form-encoded refresh_token grant at /oauth/token. */
export const oauth2Wire: ProviderWire = {
  method: 'POST',
  path: '/oauth/token',
  rotates: true,
  sessionTokens: (issued) => ({ accessToken: issued.accessToken, refreshToken: issued.refreshToken, expiresAt: issued.accessExpiresAt }),
  refresh(request, authority) {
    if (!request.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) return error(400, 'invalid_request')
    const form = new URLSearchParams(request.body)
    const client = clientOf(request.headers.authorization, form)
    // A public client sends only its id; a confidential one must send the right secret.
    if (client.id !== emulatorCredentials.clientId || (client.secret !== undefined && client.secret !== emulatorCredentials.clientSecret)) {
      return error(401, 'invalid_client', client.basic ? { 'www-authenticate': 'Basic realm="emulator"' } : {})
    }
    if (form.get('grant_type') !== 'refresh_token') return error(400, 'unsupported_grant_type')
    const refreshToken = form.get('refresh_token')
    if (!refreshToken) return error(400, 'invalid_request')
    const result = authority.redeem(refreshToken)
    if (isRefusal(result)) return error(400, 'invalid_grant')
    return {
      status: 200,
      headers: noStore,
      body: {
        access_token: result.accessToken,
        token_type: 'Bearer',
        expires_in: lifetimeSeconds(authority.options.accessTtlMs),
        refresh_token: result.refreshToken,
        ...(form.get('scope') ? { scope: form.get('scope') } : {}),
      },
    }
  },
  failure(status, code) {
    const retryAfter: Record<string, string> = status === 429 || status === 503 ? { 'retry-after': '1' } : {}
    return error(status, code ?? (status >= 500 ? 'server_error' : 'invalid_grant'), retryAfter)
  },
}
