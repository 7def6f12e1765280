/** A `TypeError` with a Node-style `code`, for bad options caught at creation time. */
export type InvalidArgumentError = TypeError & { code: 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE' }

function describe(value: unknown, secret: boolean): string {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value
  // A secret (a token) is described by its type only: it must not reach a log.
  if (secret || type === 'object' || type === 'array' || type === 'function') return type
  return `\`${String(value)}\` (${type})`
}

/**
 * Builds the error for an option that is wrong, naming the option and what was received:
 * ``Expected `refreshTimeoutMs` to be a positive number, got `-1` (number)``.
 */
export function invalidArgument(
  name: string,
  expected: string,
  value: unknown,
  { wrongType = true, secret = false }: { wrongType?: boolean; secret?: boolean } = {},
): InvalidArgumentError {
  const error = new TypeError(`Expected \`${name}\` to be ${expected}, got ${describe(value, secret)}`) as InvalidArgumentError
  error.code = wrongType ? 'ERR_INVALID_ARG_TYPE' : 'ERR_INVALID_ARG_VALUE'
  return error
}

/** Throws unless `value` is a finite number ≥ `min` (or undefined when optional). */
export function assertNumber(name: string, value: unknown, min: number, optional = true): void {
  if (value === undefined && optional) return
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    const expected = min > 0 ? 'a positive number' : 'a non-negative number'
    throw invalidArgument(name, expected, value, { wrongType: typeof value !== 'number' })
  }
}

/** Throws unless `value` is a non-empty string (or undefined when optional). */
export function assertString(name: string, value: unknown, optional = false, secret = false): void {
  if (value === undefined && optional) return
  if (typeof value !== 'string' || value === '') {
    throw invalidArgument(name, 'a non-empty string', value, { wrongType: typeof value !== 'string', secret })
  }
}

/** Throws unless `value` is a function (or undefined when optional). */
export function assertFunction(name: string, value: unknown, optional = true): void {
  if (value === undefined && optional) return
  if (typeof value !== 'function') throw invalidArgument(name, 'a function', value)
}

/** Throws when `options` has a key not in `known`: a misspelt option should not be silently ignored. */
export function assertKnownKeys(where: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      const error = new TypeError(`Unknown option \`${key}\` in ${where}; known options: ${known.join(', ')}`) as InvalidArgumentError
      error.code = 'ERR_INVALID_ARG_VALUE'
      throw error
    }
  }
}

/** Throws unless `value` is a plain options object. */
export function assertObject(name: string, value: unknown, optional = false): asserts value is object {
  if (value === undefined && optional) return
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidArgument(name, 'an object', value)
}
