import { InvalidRefreshResponseError } from '../errors/index.js'

/** Reads a dotted path (`data.accessToken`) from a parsed body; `undefined` where it breaks off. */
export function fieldAt(body: unknown, path: string): unknown {
  let value = body
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return value
}

const kindOf = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value)

/** A required non-empty string field, or an error naming it (never its value: it may be a token). */
export function requireString(body: unknown, path: string): string {
  const value = fieldAt(body, path)
  if (typeof value === 'string' && value !== '') return value
  throw new InvalidRefreshResponseError(path, 'a non-empty string', value === '' ? 'an empty string' : kindOf(value), { body })
}

/** A required non-negative finite number field, or an error naming it. */
export function requireSeconds(body: unknown, path: string): number {
  const value = fieldAt(body, path)
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value
  const received = typeof value === 'number' ? `\`${value}\`` : kindOf(value)
  throw new InvalidRefreshResponseError(path, 'a non-negative number of seconds', received, { body })
}

/** An optional string field: absent is fine, present must be a non-empty string. */
export function optionalString(body: unknown, path: string): string | undefined {
  return fieldAt(body, path) === undefined ? undefined : requireString(body, path)
}

/** An optional seconds field: absent is fine, present must be a non-negative number. */
export function optionalSeconds(body: unknown, path: string): number | undefined {
  return fieldAt(body, path) === undefined ? undefined : requireSeconds(body, path)
}
