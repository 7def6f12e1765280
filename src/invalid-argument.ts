import { hasOwn } from './has-own.js'
import { shownKey } from './shown-key.js'
/** A `TypeError` with a Node-style `code`, for bad options caught at creation time. */
export type InvalidArgumentError = TypeError & { code: 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE' }

function describe(value: unknown, secret: boolean): string {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value
  // Only a number, boolean, bigint or undefined is shown: a string (a token passed in the wrong place,
  // a URL with credentials) or a symbol's description is described by its type, whatever the option.
  if (secret || !['number', 'boolean', 'bigint', 'undefined'].includes(type)) return type
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
  ours.add(error)
  return error
}

// The errors these checks made: passed on by `readingOptions`, where anything else is replaced.
const ours = /* @__PURE__ */ new WeakSet<object>()

/**
 * Runs `read`, which reads a caller's options, nested objects included (a store's methods, an
 * allowlist's entries): an error it throws that these checks did not make (a getter's, a Proxy
 * trap's) becomes a `TypeError` of ours naming `where`; its message, which may quote anything,
 * is never shown.
 */
export function readingOptions<R>(where: string, read: () => R): R {
  try {
    return read()
  } catch (error) {
    if (typeof error === 'object' && error !== null && ours.has(error)) throw error
    throw optionError(`Expected ${where} whose fields can be read: a getter threw`)
  }
}

/** Throws unless `value` is a boolean or `undefined`: a string (`'false'` from an environment variable) is not read as one. */
export function assertOptionalBoolean(name: string, value: unknown): asserts value is boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw invalidArgument(name, 'a boolean', value)
}

/** Throws unless `value` is a function. */
export function assertFunction(name: string, value: unknown): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw invalidArgument(name, 'a function', value)
}

/** Throws unless `value` is a plain options object. */
export function assertObject(name: string, value: unknown): asserts value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidArgument(name, 'an object', value)
}

const MAX_TIMER_MS = 2 ** 31 - 1 // setTimeout fires at once past this: a longer duration is a bug

/** Throws unless `value` is a non-empty string. */
export function assertNonEmptyString(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value === '') {
    throw invalidArgument(name, 'a non-empty string', value, { wrongType: typeof value !== 'string' })
  }
}

/** Throws unless `value` is undefined or a non-empty string. */
export function assertOptionalString(name: string, value: unknown): asserts value is string | undefined {
  if (value !== undefined) assertNonEmptyString(name, value)
}

// Control characters (CR, LF, NUL…) cannot travel in a header and make `Headers.set` quote the value.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
export const CONTROL = /[\u0000-\u001f\u007f]/

// A header carries Latin-1 without control characters (fetch refuses more, axios would send another
// value), and drops spaces at either end (a token would be sent altered, or as none).
export const NOT_FOR_A_HEADER = /[^\u0020-\u007e\u00a0-\u00ff]|^ | $/

/** What {@link NOT_FOR_A_HEADER} asks of a value, as error messages say it. */
export const HEADER_VALUE = 'a header can carry as it is (Latin-1, no control characters, no space at either end)'

/**
 * Throws unless `value` is a non-empty string without control characters. A secret (token, key)
 * is described by its type only, never its value, so the error is safe to log.
 */
export function assertSecret(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value === '') {
    throw invalidArgument(name, 'a non-empty string', value, { wrongType: typeof value !== 'string', secret: true })
  }
  if (CONTROL.test(value)) {
    throw invalidArgument(name, 'a string without control characters (CR, LF, NUL…)', value, { wrongType: false, secret: true })
  }
}

/** Throws unless `value` is undefined or a secret as {@link assertSecret} checks it. */
export function assertOptionalSecret(name: string, value: unknown): asserts value is string | undefined {
  if (value !== undefined) assertSecret(name, value)
}

/**
 * Throws unless `value` is a secret (see {@link assertSecret}) a header can carry: Latin-1. An
 * option sent in a header is checked when given, or every refresh would fail as a network error.
 */
export function assertHeaderSecret(name: string, value: unknown): asserts value is string {
  assertSecret(name, value)
  if (NOT_FOR_A_HEADER.test(value)) throw invalidArgument(name, `a string ${HEADER_VALUE}`, value, { wrongType: false, secret: true })
}

/** Throws unless `value` is undefined or a header secret as {@link assertHeaderSecret} checks it. */
export function assertOptionalHeaderSecret(name: string, value: unknown): asserts value is string | undefined {
  if (value !== undefined) assertHeaderSecret(name, value)
}

/** Throws unless `value` is a whole number of milliseconds from `min` up to what a timer can wait (2^31 - 1). */
export function assertDuration(name: string, value: unknown, min = 1): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_TIMER_MS) {
    const expected = `a whole number of milliseconds from ${min} to ${MAX_TIMER_MS}`
    throw invalidArgument(name, expected, value, { wrongType: typeof value !== 'number' })
  }
}

/** Throws unless `value` is undefined or a duration as {@link assertDuration} checks it. */
export function assertOptionalDuration(name: string, value: unknown, min = 1): asserts value is number | undefined {
  if (value !== undefined) assertDuration(name, value, min)
}

/** Throws unless `value` is a whole number ≥ `min`. */
export function assertCount(name: string, value: unknown, min = 0): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw invalidArgument(name, `a whole number ≥ ${min}`, value, { wrongType: typeof value !== 'number' })
  }
}

/** Throws unless `value` is undefined or a count as {@link assertCount} checks it. */
export function assertOptionalCount(name: string, value: unknown, min = 0): asserts value is number | undefined {
  if (value !== undefined) assertCount(name, value, min)
}

/** Throws unless `value` is undefined or a function. */
export function assertOptionalFunction(name: string, value: unknown): asserts value is ((...args: never[]) => unknown) | undefined {
  if (value !== undefined) assertFunction(name, value)
}

/** Throws unless `value` is undefined or a plain options object. */
export function assertOptionalObject(name: string, value: unknown): asserts value is object | undefined {
  if (value !== undefined) assertObject(name, value)
}

/**
 * A copy of an options object's own fields (each read once) without a prototype: an option left
 * out reads as `undefined`, never as whatever code put on `Object.prototype`. `where` names the
 * options in the error when a getter throws.
 */
export function ownFields<O extends object>(options: O, where = 'options'): O {
  try {
    return Object.assign(Object.create(null) as O, options)
  } catch {
    // A getter that throws: the caller's own error (whatever it says) is not passed on as ours.
    throw optionError(`Expected ${where} whose fields can be read: a getter threw`)
  }
}

/**
 * `options` checked and copied ({@link ownFields}): a key that `known` does not list, or one that
 * `Object.prototype` would supply, is refused. Read the copy: each field was read once. Derive
 * `known` from the options type (`{…} satisfies Record<keyof Options, true>`) so a new option
 * cannot be left out.
 */
export function knownOptions<O extends object>(where: string, options: O, known: Readonly<Record<string, true>>): O {
  const own = ownFields(options, where)
  for (const key of Object.keys(own)) {
    if (!hasOwn(known, key)) throw optionError(`Unknown option \`${shownKey(key)}\` in ${where}; known options: ${Object.keys(known).join(', ')}`)
  }
  assertUnpolluted(where, own, Object.keys(known))
  return own
}

function optionError(message: string): InvalidArgumentError {
  const error = Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_VALUE' as const })
  ours.add(error)
  return error
}

/**
 * Throws when one of `keys`, left out of `value`, would be read from `Object.prototype`: code
 * that polluted it would configure tokenflight (where its tokens go, which store keeps them).
 */
export function assertUnpolluted(where: string, value: object, keys: readonly string[]): void {
  for (const key of keys) {
    if (!hasOwn(value, key) && key in Object.prototype) throw optionError(`Object.prototype has \`${key}\`, which ${where} would read as its own: refused`)
  }
}
