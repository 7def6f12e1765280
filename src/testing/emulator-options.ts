import {
  assertCount,
  assertNonEmptyString,
  assertObject,
  assertOptionalBoolean,
  assertOptionalDuration,
  assertOptionalObject,
  assertOptionalString,
  invalidArgument,
  knownOptions,
} from '../invalid-argument.js'
import type { EmulatorOptions, RefreshFault } from './emulator-types.js'

// A test suite that mistypes an option must not quietly test something else (tokens that never expire).
const known = {
  provider: true,
  accessTtlMs: true,
  refreshTtlMs: true,
  sessionCapMs: true,
  rotateRefreshTokens: true,
  reuseDetection: true,
  latencyMs: true,
  opaqueAccessTokens: true,
} satisfies Record<keyof EmulatorOptions, true>

const faultKeys = { status: true, code: true, rawBody: true, contentType: true, headers: true } as const
const NAMED_FAULTS: readonly unknown[] = ['hang', 'reset', 'truncate']

/** `startEmulator`'s options, checked and copied. */
export function emulatorOptions<O extends EmulatorOptions>(given: O): O {
  assertObject('startEmulator options', given)
  const options = knownOptions('startEmulator options', given, known)
  for (const name of ['accessTtlMs', 'refreshTtlMs', 'sessionCapMs', 'latencyMs'] as const) assertOptionalDuration(name, options[name], 0)
  for (const name of ['rotateRefreshTokens', 'reuseDetection', 'opaqueAccessTokens'] as const) assertOptionalBoolean(name, options[name])
  return options
}

/** A forced refresh answer, checked: a status a server can send, the fields of one kind of answer. */
export function checkedFault(fault: RefreshFault): RefreshFault {
  if (NAMED_FAULTS.includes(fault)) return fault
  if (typeof fault !== 'object' || fault === null) throw invalidArgument('fault', `one of ${NAMED_FAULTS.join(', ')}, or { status, code? } or { status, rawBody, … }`, fault)
  const own = knownOptions('fault', fault, faultKeys) as Partial<Record<keyof typeof faultKeys, unknown>>
  assertCount('fault.status', own.status, 200)
  if ((own.status as number) > 599) throw invalidArgument('fault.status', 'an HTTP status from 200 to 599', own.status, { wrongType: false })
  assertOptionalString('fault.code', own.code)
  if (own.rawBody !== undefined && typeof own.rawBody !== 'string') throw invalidArgument('fault.rawBody', 'a string (empty too)', own.rawBody)
  assertOptionalString('fault.contentType', own.contentType)
  assertOptionalObject('fault.headers', own.headers)
  return own as RefreshFault
}

/** A path `serveFile` can serve: from the root. */
export function checkedPath(path: unknown): string {
  assertNonEmptyString('path', path)
  if (!path.startsWith('/')) throw invalidArgument('path', 'a path from the root (`/…`)', path, { wrongType: false })
  return path
}
