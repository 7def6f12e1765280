import axios, { isAxiosError, isCancel } from 'axios'
import type { Session } from '../../src/index.js'
import { type AttachAxiosOptions, type AuthFailureRule, attachAxios } from '../../src/interceptors/axios.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { installXHR } from '../../src/interceptors/xhr.js'
import { FakeXMLHttpRequest, withProgressEvent } from './fake-xhr.js'

/** The three transports every behaviour must hold on. */
export const TRANSPORTS = ['axios', 'fetch', 'xhr'] as const
export type Transport = (typeof TRANSPORTS)[number]

/** A session per request, as `createSessionPool().resolver` gives: each transport hands it its own request (all have a `url`). */
export type SessionResolver = (request: { url?: string | URL | undefined }) => Session | undefined

/** What a caller ends with, the same shape whatever the transport. */
export type Outcome = { status: number; body: unknown } | { error: string }

/** One call: tokenflight's per-request options ride along as each transport takes them. */
export interface Call {
  method?: string
  body?: string
  signal?: AbortSignal
  tokenflight?: { skip?: boolean; authFailure?: AuthFailureRule }
}

/** The error a call ended with, as the caller can reach it (for checks that no token is in it). */
export const lastErrors: unknown[] = []

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

// An error's name for the matrix: tokenflight's code, or `abort` for a caller's abort.
const named = (error: unknown): string => {
  lastErrors.push(error)
  if (isCancel(error) || (error as Error)?.name === 'AbortError') return 'abort'
  return (error as { code?: string }).code ?? (error as Error).name
}

/**
 * A client of `transport` with tokenflight attached for `base` (a loopback origin). Returns the
 * call function and the detach function; the XHR one installs over a fake native XHR.
 */
export function clientOf(transport: Transport, session: Session | SessionResolver, base: string, options: AttachAxiosOptions = {}): { call: (path: string, call?: Call) => Promise<Outcome>; detach: () => void } {
  const opts = { origins: [base], ...options }
  if (transport === 'axios') {
    const api = axios.create({ baseURL: base })
    const detach = attachAxios(api, session as Session, opts)
    const call = ({ method = 'GET', body, signal, tokenflight }: Call = {}, path = '') =>
      api.request({ url: path, method, data: body ?? null, signal: signal ?? null, tokenflight: tokenflight as never } as never).then(
        (res) => ({ status: res.status, body: typeof res.data === 'string' ? parse(res.data) : res.data }),
        (error: unknown) => (isAxiosError(error) && error.response && !isCancel(error) ? { status: error.response.status, body: error.response.data } : { error: named(error) }),
      )
    return { call: (path, c) => call(c, path), detach }
  }
  if (transport === 'fetch') {
    const authed = wrapFetch(fetch, session as Session, opts as never)
    const call = async (path: string, { method = 'GET', body, signal, tokenflight }: Call = {}): Promise<Outcome> => {
      try {
        const res = await authed(`${base}${path}`, { method, body: body ?? null, signal: signal ?? null, tokenflight: tokenflight as never })
        return { status: res.status, body: parse(await res.text()) }
      } catch (error) {
        return { error: named(error) }
      }
    }
    return { call, detach: () => {} }
  }
  const scope = globalThis as { XMLHttpRequest?: unknown }
  const before = scope.XMLHttpRequest
  const removeProgress = withProgressEvent()
  scope.XMLHttpRequest = FakeXMLHttpRequest
  const uninstall = installXHR(session as Session, opts as never)
  const Authed = scope.XMLHttpRequest as typeof XMLHttpRequest
  const call = (path: string, { method = 'GET', body, signal, tokenflight }: Call = {}): Promise<Outcome> =>
    new Promise((resolve) => {
      const xhr = new Authed()
      let aborted = false
      xhr.onabort = () => {
        aborted = true
      }
      xhr.onloadend = () => {
        if (aborted) resolve({ error: named(Object.assign(new Error('aborted'), { name: 'AbortError' })) })
        else if (xhr.tokenflightError) resolve({ error: named(xhr.tokenflightError) })
        else if (xhr.status === 0) resolve({ error: 'network' })
        else resolve({ status: xhr.status, body: parse(xhr.responseText) })
      }
      xhr.open(method, `${base}${path}`)
      if (tokenflight) xhr.tokenflight = tokenflight as never
      signal?.addEventListener('abort', () => xhr.abort(), { once: true })
      try {
        xhr.send(body ?? null)
      } catch (error) {
        resolve({ error: named(error as Error) }) // as $.ajax reports a send() that throws
      }
    })
  return {
    call,
    detach: () => {
      uninstall()
      scope.XMLHttpRequest = before
      removeProgress()
    },
  }
}
