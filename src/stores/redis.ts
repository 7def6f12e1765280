import type { Tokens } from '../strategy.js'
import type { TokenStore } from '../token-store.js'
import { assertNonEmptyString, assertObject, assertOptionalDuration, invalidArgument, knownOptions } from '../invalid-argument.js'
import { parseStoredTokens } from './parse-stored-tokens.js'
import { bounded, type RedisClient } from './redis-client.js'
import { isSafeError, safeError } from '../errors/safe-words.js'

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** An ioredis client (or one of the same shape). */
  client: RedisClient
  /** The key holding this session's tokens (JSON), e.g. `tokenflight:svc-billing`. */
  key: string
  /** Longest wait for one Redis command. @default 1000 */
  commandTimeoutMs?: number | undefined
}

/** A token store in Redis: one key, JSON, every command bounded in time. */
export interface RedisTokenStore<T extends Tokens = Tokens> extends TokenStore<T> {
  get(): Promise<T | undefined>
  set(tokens: T): Promise<void>
  delete(): Promise<void>
}

const defaults = { commandTimeoutMs: 1_000 }
const known = { client: true, key: true, commandTimeoutMs: true } satisfies Record<keyof RedisStoreOptions, true>

/**
 * Keeps a session's tokens in Redis (one key, JSON). Only a store: a command Redis does not
 * answer within `commandTimeoutMs` rejects, and the session decides what to do. Processes sharing
 * a refresh token need `redisCoordination` (a lock and a fenced write), not this alone.
 *
 * @example
 * const session = createSession({ strategy, tokens, store: redisStore({ client: new Redis(), key: 'tokenflight:svc-billing' }) })
 */
export function redisStore<T extends Tokens = Tokens>(given: RedisStoreOptions): RedisTokenStore<T> {
  assertObject('options', given)
  const options = knownOptions('redisStore', given, known)
  const { client, key } = options
  assertObject('client', client)
  for (const command of ['get', 'set', 'del'] as const) {
    if (typeof client[command] !== 'function') throw invalidArgument(`client.${command}`, 'a function (an ioredis client or one of its shape)', client[command])
  }
  assertNonEmptyString('key', key)
  assertOptionalDuration('commandTimeoutMs', options.commandTimeoutMs)
  const timeout = options.commandTimeoutMs ?? defaults.commandTimeoutMs
  // A client's error may carry the command it refused (ioredis's `command.args`: the tokens JSON).
  const run = <R>(operation: string, command: Promise<R>): Promise<R> =>
    bounded(command, timeout).catch((error: unknown) => {
      throw isSafeError(error) ? error : safeError(`redisStore ${operation}() on \`${key}\` failed`, error)
    })
  return {
    async get() {
      return parseStoredTokens<T>(await run('get', client.get(key)))
    },
    async set(tokens) {
      await run('set', client.set(key, JSON.stringify(tokens)))
    },
    async delete() {
      await run('delete', client.del(key))
    },
  }
}
