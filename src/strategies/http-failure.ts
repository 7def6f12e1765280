import { RefreshError } from '../errors/index.js'

/** How a provider's error answers map to terminal or transient failures. */
export interface FailureRules {
  /** Display name used in messages (`FIB`, `S360`…). */
  provider: string
  /** Statuses worth retrying. @default 408, 429 and every 5xx */
  transientStatuses?: (status: number) => boolean
  /** The provider's own error code in the error body. */
  providerCode?: string | undefined
  /** Overrides the status rule once the provider code is known. */
  transient?: boolean | undefined
  /** What to do about it, appended to the message (never response content). */
  hint?: string | undefined
  /** Safe-to-log details (support ids). */
  details?: Record<string, string> | undefined
}

const defaultTransient = (status: number): boolean => status >= 500 || status === 408 || status === 429

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/** Builds the `RefreshError` for a non-2xx refresh answer. The message carries no body content. */
export function httpFailure(response: Response, body: unknown, rules: FailureRules, now: number): RefreshError {
  const { status } = response
  const transient = rules.transient ?? (rules.transientStatuses ?? defaultTransient)(status)
  const code = rules.providerCode ? ` (${rules.providerCode})` : ''
  const hint = rules.hint ? `: ${rules.hint}` : ''
  return new RefreshError(`${rules.provider} refresh failed with HTTP ${status}${code}${hint}`, {
    transient,
    status,
    providerCode: rules.providerCode,
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), now),
    details: rules.details,
    body,
  })
}
