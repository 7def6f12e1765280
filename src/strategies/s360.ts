import { assertHeaderSecret, assertOptionalString } from '../invalid-argument.js'
import { randomUuid } from '../random-uuid.js'
import type { Strategy, Tokens } from '../strategy.js'
import { callEndpoint } from './call-endpoint.js'
import { endpointUrl } from './endpoint-url.js'
import { readJson } from './read-body.js'
import { type RefusalRules, refusal, refusalError } from './refusal.js'
import { requireCredential } from './require-credential.js'
import { fieldAt, requireString } from './response-fields.js'
import { type CommonOptions, commonKeys, withDefaults } from './strategy-options.js'
import { tokenHeader } from './token-header.js'
import { hasOwn } from '../has-own.js'

/** Options of {@link s360}. */
export interface S360Options extends CommonOptions {
  /** Origin (and optional path prefix) of the S360 API gateway. */
  baseURL: string
  /** The application's `api_key`. */
  apiKey: string
  /** @default '/idp/sso/v1/refresh' */
  path?: string | undefined
}

/** S360 tokens: the session (`sessionToken` + `sessionId`) never changes; only the JWT does. */
export interface S360Tokens extends Tokens {
  sessionToken: string
  sessionId: string
}

const known = { ...commonKeys, baseURL: true, apiKey: true, path: true } satisfies Record<keyof S360Options, true>
const defaults = { path: '/idp/sso/v1/refresh' }
const SUCCESS = 'ESB-IDP-S0000'
// The document lists 401 (ESB-IDP-E0003 invalid session, ESB-IDP-E0004 logged out) and 403 as
// final, 500/503/504 as gateway faults. Its 404 "FlogoException" is an integration-layer fault,
// not a verdict on the session, so it is retried rather than signing the user out.
const rules: RefusalRules = {
  provider: 'S360',
  codeAt: ['desc.code'],
  // The session codes; the gateway's (an inactive developer key…) are the client's set-up.
  refusesTokens: (_status, code) => code === 'ESB-IDP-E0003' || code === 'ESB-IDP-E0004',
  // The session codes, and the gateway's names the document gives beside its statuses (the status decides).
  codes: {
    'ESB-IDP-E0003': false,
    'ESB-IDP-E0004': false,
    APIMGatewayTimeout: false,
    APIMDeveloperInactive: false,
    FlogoException: false,
    APIMServiceUnavailable: false,
  },
  transientStatus: (status) => status >= 500 || status === 404 || status === 408 || status === 429,
  detailsAt: ['esbUUID'],
}

// A 200 whose envelope reports a failure is that failure: by the envelope's status when it is
// one, else only the document's session codes end the session.
function envelopeFailure(response: Response, body: unknown, code: string, now: number) {
  const status = fieldAt(body, 'status')
  if (typeof status === 'number' && status >= 400) return refusalError(status, response.headers, body, rules, now)
  const terminal = hasOwn(rules.codes ?? {}, code)
  return refusalError(response.status, response.headers, body, { ...rules, transientStatus: () => !terminal }, now)
}

/**
 * S360 IDP session refresh: `POST /idp/sso/v1/refresh` with `{ sessionToken, sessionId }`,
 * headers `api_key` and a new `X-Request-Id` UUID per call; answers a new `data.accessToken`.
 *
 * @example
 * const session = createSession({ strategy: s360({ baseURL: 'https://api.example.com', apiKey }), tokens: { accessToken, sessionToken, sessionId } })
 */
export function s360(options: S360Options): Strategy<S360Tokens> {
  const o = withDefaults('s360 options', options, known, defaults)
  assertHeaderSecret('apiKey', o.apiKey)
  assertOptionalString('path', o.path)
  const url = endpointUrl('baseURL', o.baseURL, o.path, o.allowInsecureHttp)
  const authorize = tokenHeader(o.authorization)

  return {
    name: 's360',
    ...(authorize && { authorize }),
    async refresh(current, context) {
      const sessionToken = requireCredential(current, 'sessionToken', 'S360')
      const sessionId = requireCredential(current, 'sessionId', 'S360')
      const response = await callEndpoint(context, 'S360', url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', api_key: o.apiKey, 'X-Request-Id': randomUuid() },
        body: JSON.stringify({ sessionToken, sessionId }),
      })
      if (!response.ok) throw await refusal(response, rules, context.now())
      const body = await readJson(response)
      const code = fieldAt(body, 'desc.code')
      if (typeof code === 'string' && code !== SUCCESS) throw envelopeFailure(response, body, code, context.now())
      // The new JWT's own `exp` gives the expiry, so the previous one must not linger.
      return { ...current, accessToken: requireString(body, 'data.accessToken'), expiresAt: undefined }
    },
  }
}
