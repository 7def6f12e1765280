import { assertHeaderSecret, assertNonEmptyString, assertOptionalFunction, assertOptionalHeaderSecret, assertOptionalString, invalidArgument } from '../invalid-argument.js'
import { randomUuid } from '../random-uuid.js'
import type { Strategy, Tokens } from '../strategy.js'
import { callEndpoint } from './call-endpoint.js'
import { endpointUrl } from './endpoint-url.js'
import { readJson } from './read-body.js'
import { refusal } from './refusal.js'
import { assertNotPast, requireCredential } from './require-credential.js'
import { credentialDeadlineAt, expiryAt, keepingRotated, optionalString, requireString } from './response-fields.js'
import { type CommonOptions, commonKeys, withDefaults } from './strategy-options.js'
import { tokenHeader } from './token-header.js'

/** One entry of the AGS `parameters` array (names come from `GET /servicediscovery`). */
export interface AgsParameter {
  name: string
  value: string
}

/** Options of {@link ags}. */
export interface AgsOptions extends CommonOptions {
  /** `https://<host>:<port>` of the Authentication Gateway Service. */
  baseURL: string
  /** `x-auth-service-id`: the SSO service to authenticate with (mandatory). */
  authServiceId: string
  /** `nv-tenant-id` */
  tenantId?: string | undefined
  /** The `parameters` the SSO provider requires. @default [] */
  parameters?: readonly AgsParameter[] | undefined
  /** Supplies `x-correlation-id` for each call, to tie it to your own logs. @default a new UUID per call */
  correlationId?: (() => string) | undefined
  /** @default '/ags/refresh' */
  path?: string | undefined
}

/** AGS tokens: a rotating refresh token with its own expiry, inside a fixed session cap. */
export interface AgsTokens extends Tokens {
  refreshToken: string
  /** Epoch ms after which the refresh token is refused (`refresh_expires_in`). */
  refreshExpiresAt?: number | undefined
  /** Epoch ms of the fixed session cap (`fixed_refresh_expires_in`): no refresh past it. */
  sessionCapAt?: number | undefined
}

const known = {
  ...commonKeys,
  baseURL: true,
  authServiceId: true,
  tenantId: true,
  parameters: true,
  correlationId: true,
  path: true,
} satisfies Record<keyof AgsOptions, true>
const defaults = { path: '/ags/refresh', parameters: [] as readonly AgsParameter[], correlationId: randomUuid }
// The document lists 400, 401 and 403 and no error codes: the status says it all, the body stays hidden.
// Its 401 is the refresh token refused; 400 and 403 may be the service id or parameters set up here.
const rules = { provider: 'AGS', codeAt: [], refusesTokens: (status: number) => status === 401 }

function assertParameters(parameters: unknown): void {
  if (!Array.isArray(parameters)) throw invalidArgument('parameters', 'an array of { name, value }', parameters)
  parameters.forEach((parameter: Partial<AgsParameter> | undefined, index) => {
    assertNonEmptyString(`parameters[${index}].name`, parameter?.name)
    if (typeof parameter?.value !== 'string') throw invalidArgument(`parameters[${index}].value`, 'a string', parameter?.value)
  })
}

/**
 * AGS refresh: `POST /ags/refresh` with `Authorization: <refreshToken>`, `x-auth-service-id`,
 * `nv-tenant-id`, a new `x-correlation-id` per call and `{ parameters: [{ name, value }] }`.
 * Past the refresh token's expiry or the fixed session cap, no call is made: the session is expired.
 *
 * @example
 * const strategy = ags({ baseURL: 'https://ags.example.com:8443', authServiceId: 'sso-1', tenantId: 'acme' })
 */
export function ags(options: AgsOptions): Strategy<AgsTokens> {
  const o = withDefaults('ags options', options, known, defaults)
  assertHeaderSecret('authServiceId', o.authServiceId)
  assertOptionalHeaderSecret('tenantId', o.tenantId)
  assertOptionalFunction('correlationId', o.correlationId)
  assertOptionalString('path', o.path)
  assertParameters(o.parameters)
  const url = endpointUrl('baseURL', o.baseURL, o.path, o.allowInsecureHttp)
  const authorize = tokenHeader(o.authorization)
  const body = JSON.stringify({ parameters: o.parameters })

  return {
    name: 'ags',
    ...(authorize && { authorize }),
    async refresh(current, context) {
      const refreshToken = requireCredential(current, 'refreshToken', 'AGS')
      const sentAt = context.now() // lifetimes in the answer count from the send (see fib)
      // The document says to sign in again once the refresh token has expired: don't call.
      assertNotPast(current.refreshExpiresAt, sentAt, 'refresh token', 'AGS')
      assertNotPast(current.sessionCapAt, sentAt, 'session (fixed cap)', 'AGS')
      const correlationId = o.correlationId()
      assertHeaderSecret('correlationId()', correlationId) // a user callback: a bad id is its error, not a network one
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        Authorization: refreshToken,
        'x-auth-service-id': o.authServiceId,
        'x-correlation-id': correlationId,
        ...(o.tenantId && { 'nv-tenant-id': o.tenantId }),
      }
      const response = await callEndpoint(context, 'AGS', url, { method: 'POST', headers, body })
      if (!response.ok) throw await refusal(response, rules, context.now())
      const answer = await readJson(response)
      const accessToken = keepingRotated(answer, current, 'refreshToken', 'refresh_token', () => requireString(answer, 'access_token'))
      const rotated = optionalString(answer, 'refresh_token')
      const capAt = credentialDeadlineAt(answer, 'fixed_refresh_expires_in', sentAt)
      const refreshExpiresAt = credentialDeadlineAt(answer, 'refresh_expires_in', sentAt)
      return {
        ...current,
        accessToken,
        refreshToken: rotated ?? refreshToken,
        expiresAt: expiryAt(answer, 'expires_in', sentAt),
        // A rotated token's expiry is its own; an unusable one is unknown (the server decides).
        refreshExpiresAt: refreshExpiresAt ?? (rotated ? undefined : current.refreshExpiresAt),
        // The cap is fixed at sign-in: a later answer may restate it, never move it later.
        sessionCapAt: capAt === undefined ? current.sessionCapAt : Math.min(current.sessionCapAt ?? capAt, capAt),
      }
    },
  }
}
