import { assertNonEmptyString, assertObject, assertOptionalCount, assertOptionalDuration, invalidArgument, knownOptions } from '../../invalid-argument.js'
import type { RedisClient } from '../../stores/redis-client.js'
import { type RedisKeys, redisKeys } from './keys.js'

/** Options of `redisCoordination`. */
export interface RedisCoordinationOptions {
  /** An ioredis client (or one of the same shape, see `RedisClient`). */
  client: RedisClient
  /**
   * Names this shared session: tokens at `key`, the lock and the notices next to it in the same
   * Redis Cluster slot (`{key}:lock`, `{key}:refreshed`; with a hash tag, `key:lock`, `key:refreshed`).
   */
  key: string
  /**
   * The lock's expiry, renewed every fifth of it while its refresh runs: a process that dies
   * holding it blocks the others for at most this long.
   * @default 5000
   */
  lockTtlMs?: number | undefined
  /** How long a process that needs a refresh waits for an unreachable Redis before refreshing alone. @default 5000 */
  coordinationWaitMs?: number | undefined
  /** How often a waiting process looks for the new tokens if no notice comes. @default 100 */
  pollIntervalMs?: number | undefined
  /** Longest wait for one Redis command. @default 1000 */
  commandTimeoutMs?: number | undefined
  /**
   * Replicas that must have the lock (Redis `WAIT`, bounded by `commandTimeoutMs`) before the
   * refresh call goes out; needs `client.wait`. 0 skips it. @default 0
   */
  replicasToWait?: number | undefined
}

/** The options after defaults, validated. */
export interface ResolvedRedisCoordination extends Required<{ [K in keyof RedisCoordinationOptions]: NonNullable<RedisCoordinationOptions[K]> }> {
  keys: RedisKeys
}

const defaults = { lockTtlMs: 5_000, coordinationWaitMs: 5_000, pollIntervalMs: 100, commandTimeoutMs: 1_000, replicasToWait: 0 }
const known = {
  client: true,
  key: true,
  lockTtlMs: true,
  coordinationWaitMs: true,
  pollIntervalMs: true,
  commandTimeoutMs: true,
  replicasToWait: true,
} satisfies Record<keyof RedisCoordinationOptions, true>
const commands = ['get', 'set', 'del', 'eval', 'publish', 'duplicate'] as const

/**
 * Checks the options of `redisCoordination` and fills in the defaults.
 *
 * @example
 * const { keys, lockTtlMs } = resolveRedisCoordination({ client, key: 'tokenflight:billing' })
 */
export function resolveRedisCoordination(given: RedisCoordinationOptions): ResolvedRedisCoordination {
  assertObject('options', given)
  const options = knownOptions('redisCoordination', given, known)
  const { client, key } = options
  assertObject('client', client)
  for (const command of commands) {
    if (typeof client[command] !== 'function') throw invalidArgument(`client.${command}`, 'a function (an ioredis client or one of its shape)', client[command])
  }
  assertNonEmptyString('key', key)
  assertOptionalDuration('lockTtlMs', options.lockTtlMs, 3)
  assertOptionalDuration('coordinationWaitMs', options.coordinationWaitMs, 0)
  assertOptionalDuration('pollIntervalMs', options.pollIntervalMs)
  assertOptionalDuration('commandTimeoutMs', options.commandTimeoutMs)
  assertOptionalCount('replicasToWait', options.replicasToWait)
  const replicasToWait = options.replicasToWait ?? defaults.replicasToWait
  if (replicasToWait > 0 && typeof client.wait !== 'function') throw invalidArgument('client.wait', 'a function when `replicasToWait` is above 0', client.wait)
  return {
    client,
    key,
    keys: redisKeys(key),
    lockTtlMs: options.lockTtlMs ?? defaults.lockTtlMs,
    coordinationWaitMs: options.coordinationWaitMs ?? defaults.coordinationWaitMs,
    pollIntervalMs: options.pollIntervalMs ?? defaults.pollIntervalMs,
    commandTimeoutMs: options.commandTimeoutMs ?? defaults.commandTimeoutMs,
    replicasToWait,
  }
}
