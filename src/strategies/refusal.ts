import { RefreshError } from '../errors/index.js'
import type { Tokens } from '../strategy.js'
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
  /** Statuses worth retrying. @default 408, 429 and every 5xx */
  transientStatus?: (status: number) => boolean
  /** Dotted paths of support ids safe to log (S360's `esbUUID`), kept in `details`. */
  detailsAt?: readonly string[]
}

const CODE = /^[A-Za-z0-9._-]{1,64}$/
// Between separators: words of at most 16 letters (`invalid`, `FlogoException`, `HTTPError`), a
// number, or letters then a number (`E0003`). A credential echoed in an encoding (rot13, base32) seldom reads so.
const PART = /^(?:[A-Z]{0,16}[a-z]{0,16}(?:[A-Z][a-z]{1,15})*|[A-Za-z]{1,8}\d{1,8}|\d{1,10})$/
const readsAsCode = (text: string): boolean => text.split(/[._-]/).every((part) => PART.test(part))
// A support id (S360's `esbUUID`): hex digits only, so an echo in it can only be a hex form.
const supportId = (text: string): boolean => /^[\da-f]{8}(?:-[\da-f]{4}){3}-[\da-f]{12}$/i.test(text) || readsAsCode(text)
const MAX_WAIT_MS = 31_536_000_000 // a year: a longer Retry-After is nonsense, not a reason for Infinity
const defaultTransient = (status: number): boolean => status >= 500 || status === 408 || status === 429

/** The strings a refresh holds (its credentials, the strategy's secrets): none may reach a message. */
export function secretsOf(tokens: Tokens, extra: ReadonlyArray<string | undefined> = []): string[] {
  // Shorter strings are not credible secrets and would hide every code that contains them.
  return [...Object.values(tokens), ...extra].filter((value): value is string => typeof value === 'string' && value.length >= 4)
}

/**
 * A provider code fit for a message: a documented one (also as the prefix of
 * `invalid_grant: <text>`), else `[A-Za-z0-9._-]{1,64}` that reads as a code (`shaped`) and shares
 * no 8 characters with a secret, nor 8 letters or digits (any case, separators left out) with it
 * as it is, reversed, in base64 or in hex: an endpoint that echoes a credential may encode it.
 */
export function safeCode(value: unknown, documented: Readonly<Record<string, boolean>>, secrets: readonly string[], shaped = readsAsCode): string | undefined {
  if (typeof value !== 'string') return undefined
  const prefix = /^[A-Za-z0-9._-]+/.exec(value)?.[0]
  if (prefix && hasOwn(documented, prefix)) return prefix
  if (!CODE.test(value) || !shaped(value)) return undefined
  const code = alphanumeric(value)
  for (const secret of secrets) {
    if (value.includes(secret)) return undefined
    for (let i = 0; i + 8 <= value.length; i++) if (secret.includes(value.slice(i, i + 8))) return undefined
    for (const form of echoes(secret)) {
      for (let i = 0; i + 8 <= code.length; i++) if (form.includes(code.slice(i, i + 8))) return undefined
    }
  }
  return value
}

const alphanumeric = (text: string): string => text.replace(/[^A-Za-z0-9]/g, '').toLowerCase()

// A secret as an endpoint might echo it: as it is, reversed, in base64 (each of the three
// alignments it can have inside longer text) and in hex; compared as lower-case letters and digits.
function echoes(secret: string): string[] {
  // Without TextEncoder (a page's old code took it away), an ASCII secret's bytes are its char codes.
  const bytes = typeof TextEncoder === 'function' ? new TextEncoder().encode(secret) : Uint8Array.from(secret, (char) => char.charCodeAt(0) & 255)
  const binary = (from: number): string => {
    let text = ''
    for (const byte of bytes.subarray(from)) text += String.fromCharCode(byte)
    return text
  }
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
  const plain = alphanumeric(secret)
  return [plain, [...plain].reverse().join(''), ...[0, 1, 2].map((from) => alphanumeric(btoa(binary(from)))), hex]
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
 * provider, the status and a safe code, never body text; the body stays a hidden property.
 */
export function refusalError(status: number, headers: Headers, body: unknown, rules: RefusalRules, secrets: readonly string[], now: number): RefreshError {
  const codes = rules.codes ?? {}
  const raw = rules.codeAt.map((path) => fieldAt(body, path)).find((value) => typeof value === 'string')
  const providerCode = safeCode(raw, codes, secrets)
  // A code the document says to retry wins over the status; a terminal-looking code on a 5xx is still retried.
  // Own entries only: a code named like an `Object.prototype` member (`constructor`) documents nothing.
  const documented = <V>(table: Readonly<Record<string, V>> | undefined): V | undefined =>
    providerCode && table && hasOwn(table, providerCode) ? table[providerCode] : undefined
  const transient = documented(codes) === true || (rules.transientStatus ?? defaultTransient)(status)
  const hint = documented(rules.hints)
  const details: Record<string, string> = {}
  for (const path of rules.detailsAt ?? []) {
    const id = safeCode(fieldAt(body, path), {}, secrets, supportId)
    if (id) details[path] = id
  }
  const suffix = providerCode ? ` (${providerCode})${hint ? `: ${hint}` : ''}` : ''
  return new RefreshError(`${rules.provider} refresh failed with HTTP ${status}${suffix}`, {
    transient,
    status,
    providerCode,
    retryAfterMs: parseRetryAfter(headers.get('retry-after'), now),
    details,
    body,
  })
}

/** Reads a refused answer's body (bounded) and builds its `RefreshError`: every strategy's one path. */
export async function refusal(response: Response, rules: RefusalRules, secrets: readonly string[], now: number): Promise<RefreshError> {
  return refusalError(response.status, response.headers, await readErrorBody(response), rules, secrets, now)
}
