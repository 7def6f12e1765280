import { assertKnownKeys, assertObject, assertString } from '../invalid-argument.js'
import type { Strategy, Tokens } from '../strategy.js'
import { callEndpoint, endpointUrl } from './call-endpoint.js'
import { httpFailure } from './http-failure.js'
import { randomUuid } from '../random-uuid.js'
import { readErrorBody, readJson } from './read-body.js'
import { requireCredential } from './require-credential.js'
import { fieldAt, requireString } from './response-fields.js'

/** Options of {@link s360}. */
export interface S360Options {
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

const text = (body: unknown, path: string): string | undefined => {
  const value = fieldAt(body, path)
  return typeof value === 'string' ? value : undefined
}

// The document lists 401 (ESB-IDP-E0003 invalid session, ESB-IDP-E0004 logged out) and 403 as
// final, 500/503/504 as gateway faults. Its 404 "FlogoException" is an integration-layer fault,
// not a verdict on the session, so it is retried rather than signing the user out.
const transientStatuses = (status: number): boolean => status >= 500 || status === 404 || status === 408 || status === 429

/**
 * S360 IDP session refresh: `POST /idp/sso/v1/refresh` with `{ sessionToken, sessionId }`,
 * headers `api_key` and a new `X-Request-Id` UUID per call; answers a new `data.accessToken`.
 *
 * @example
 * const session = createSession({ strategy: s360({ baseURL: 'https://api.example.com', apiKey }), tokens: { accessToken, sessionToken, sessionId } })
 */
export function s360(options: S360Options): Strategy<S360Tokens> {
  assertObject('s360 options', options)
  assertKnownKeys('s360 options', options, ['baseURL', 'apiKey', 'path'])
  assertString('baseURL', options.baseURL)
  assertString('apiKey', options.apiKey, false, true)
  assertString('path', options.path, true)
  const url = endpointUrl(options.baseURL, options.path ?? '/idp/sso/v1/refresh')

  return {
    name: 's360',
    async refresh(current, context) {
      const sessionToken = requireCredential(current, 'sessionToken', 'S360')
      const sessionId = requireCredential(current, 'sessionId', 'S360')
      const response = await callEndpoint(context, 'S360', url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', api_key: options.apiKey, 'X-Request-Id': randomUuid() },
        body: JSON.stringify({ sessionToken, sessionId }),
      })
      if (!response.ok) {
        const body = await readErrorBody(response)
        const esbUUID = text(body, 'esbUUID')
        throw httpFailure(
          response,
          body,
          { provider: 'S360', transientStatuses, providerCode: text(body, 'desc.code'), details: esbUUID ? { esbUUID } : undefined },
          context.now(),
        )
      }
      const body = await readJson(response)
      // The new JWT's own `exp` gives the expiry, so the previous one must not linger.
      return { ...current, accessToken: requireString(body, 'data.accessToken'), expiresAt: undefined }
    },
  }
}
