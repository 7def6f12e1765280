import type nock from 'nock'
import { expect } from 'vitest'
import { createSession, RefreshError, type Session, SessionExpiredError, type Strategy, type Tokens } from '../../src/index.js'

/** One refresh of `strategy` from `tokens`, without retries, on a fixed clock. */
export function refreshOnce<T extends Tokens>(strategy: Strategy<T>, tokens: T, now = () => 1_700_000_000_000) {
  const session = createSession({ strategy, tokens, retry: false, now })
  return { session, result: session.refresh() }
}

/**
 * Awaits a refresh that must fail: terminal failures surface as `SessionExpiredError` and expire
 * the session, transient ones as the `RefreshError` itself. Returns the `RefreshError` to inspect.
 */
export async function expectRefreshFailure(session: Session, result: Promise<unknown>, terminal: boolean): Promise<RefreshError> {
  const error = await result.catch((e: unknown) => e)
  expect(error).toBeInstanceOf(terminal ? SessionExpiredError : RefreshError)
  expect(session.state).toBe(terminal ? 'expired' : 'active')
  return (terminal ? (error as SessionExpiredError).cause : error) as RefreshError
}

/** What one intercepted request looked like. */
export interface Captured {
  method: string
  path: string
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** Makes a nock interceptor record the request it answers. */
export function recordInto(requests: Captured[], status: number, body: unknown, headers: Record<string, string> = {}) {
  return function (this: nock.ReplyFnContext, uri: string, requestBody: nock.Body): [number, unknown, Record<string, string>] {
    requests.push({
      method: this.req.method ?? '',
      path: uri,
      headers: this.req.headers,
      body: typeof requestBody === 'string' ? requestBody : JSON.stringify(requestBody),
    })
    return [status, body, headers]
  }
}

/** A success answer a strategy must refuse; `field` is the field the error must name (`undefined`: the first required one). */
export interface MalformedCase {
  label: string
  status: number
  body: string | object
  headers?: Record<string, string>
  field?: string
}

/** Success bodies no provider may accept. */
export const malformedBodies: MalformedCase[] = [
  { label: 'an HTML page behind a 200', status: 200, body: '<!doctype html><html>Sign in</html>', headers: { 'content-type': 'text/html' }, field: 'body' },
  { label: 'an empty body', status: 200, body: '', field: 'body' },
  { label: 'truncated JSON', status: 200, body: '{"data":{"access', field: 'body' },
  { label: 'an empty object', status: 200, body: {} },
  { label: 'a JSON array', status: 200, body: [] },
]
