import { RefreshError } from '../errors/index.js'
import { readErrorBody } from './read-body.js'
import { fieldAt } from './response-fields.js'
import { hasOwn } from '../has-own.js'

/** How one provider's refused answers read. */
export interface RefusalRules {
  /** Display name used in messages (`FIB`, `S360`…). */
  provider: string
  /** Dotted paths of the provider's error code in an error body; the first string found is used. */
  codeAt: readonly string[]
  /** The provider's documented codes: `true` when the document says to retry. @default {} */
  codes?: Readonly<Record<string, boolean>>
  /** What to do about a documented code, appended to the message. */
  hints?: Readonly<Record<string, string>>
  /** Whether a final answer refuses the session's tokens (not the client's configuration): see `RefreshError.tokensRefused`. */
  refusesTokens: (status: number, code: string | undefined) => boolean
  /** Statuses worth retrying. @default 408, 429 and every 5xx */
  transientStatus?: (status: number) => boolean
  /** Dotted paths of support ids (S360's `esbUUID`), kept in the hidden `details` when they are UUIDs. */
  detailsAt?: readonly string[]
}

// A support id (S360's `esbUUID`) is read only as a UUID.
const UUID = /^[\da-f]{8}(?:-[\da-f]{4}){3}-[\da-f]{12}$/i
const MAX_WAIT_MS = 31_536_000_000 // a year: a longer Retry-After is nonsense, not a reason for Infinity
const defaultTransient = (status: number): boolean => status >= 500 || status === 408 || status === 429

/**
 * A provider code fit for a message: one of the provider's documented codes, also as the prefix of
 * `invalid_grant: <text>`; any other is left in the hidden body. A refused answer is the endpoint's
 * to shape, and no check of undocumented text can tell a code from a credential encoded to look like one.
 */
export function documentedCode(value: unknown, documented: Readonly<Record<string, boolean>>): string | undefined {
  const prefix = typeof value === 'string' ? /^[A-Za-z0-9._-]+/.exec(value)?.[0] : undefined
  return prefix && hasOwn(documented, prefix) ? prefix : undefined
}

// IMF-fixdate, RFC 850 and asctime (RFC 9110 §5.6.7): a weekday, then a date, then the time.
const HTTP_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? [\w -]+ \d\d:\d\d:\d\d\b/

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date, at most a year. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined
  const text = value.trim()
  // Only an HTTP date is read as one: `Date.parse` makes a date of nearly any text with a number in it.
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : HTTP_DATE.test(text) ? Date.parse(text) - now : Number.NaN
  return Number.isNaN(ms) ? undefined : Math.min(Math.max(0, ms), MAX_WAIT_MS)
}

/**
 * The `RefreshError` for a refused answer whose body is already parsed. The message holds the
 * provider, the status and a documented code, never body text; the body stays a hidden property.
 */
export function refusalError(status: number, headers: Headers, body: unknown, rules: RefusalRules, now: number): RefreshError {
  const codes = rules.codes ?? {}
  const raw = rules.codeAt.map((path) => fieldAt(body, path)).find((value) => typeof value === 'string')
  const providerCode = documentedCode(raw, codes)
  // A code the document says to retry wins over the status; a terminal-looking code on a 5xx is still retried.
  // Own entries only: a code named like an `Object.prototype` member (`constructor`) documents nothing.
  const documented = <V>(table: Readonly<Record<string, V>> | undefined): V | undefined =>
    providerCode && table && hasOwn(table, providerCode) ? table[providerCode] : undefined
  const transient = documented(codes) === true || (rules.transientStatus ?? defaultTransient)(status)
  const hint = documented(rules.hints)
  const details: Record<string, string> = {}
  for (const path of rules.detailsAt ?? []) {
    const id = fieldAt(body, path)
    if (typeof id === 'string' && UUID.test(id)) details[path] = id
  }
  const suffix = providerCode ? ` (${providerCode})${hint ? `: ${hint}` : ''}` : ''
  return new RefreshError(`${rules.provider} refresh failed with HTTP ${status}${suffix}`, {
    transient,
    status,
    providerCode,
    tokensRefused: !transient && rules.refusesTokens(status, providerCode),
    retryAfterMs: parseRetryAfter(headers.get('retry-after'), now),
    details,
    body,
  })
}

/** Reads a refused answer's body (bounded) and builds its `RefreshError`: every strategy's one path. */
export async function refusal(response: Response, rules: RefusalRules, now: number): Promise<RefreshError> {
  return refusalError(response.status, response.headers, await readErrorBody(response), rules, now)
}
