import { assertNonEmptyString, assertObject, assertOptionalCount, assertOptionalDuration, invalidArgument, knownOptions } from '../../invalid-argument.js'
import type { RedisClient } from '../../stores/redis-client.js'
import { hashTag, type RedisKeys, redisKeys } from './keys.js'

/** Options of `redisCoordination`. */
export interface RedisCoordinationOptions {
  /** An ioredis client (or one of the same shape, see `RedisClient`). */
  client: RedisClient
  /**
   * Names this shared session: tokens at `key`, the lock and the notices next to it in the same
   * Redis Cluster slot (`{key}:lock`, `{key}:refreshed`; with a hash tag, `key:lock`, `key:refreshed`).
   * Under an ioredis `Cluster` with a `keyPrefix`, a key with a hash tag (`svc:{billing}`).
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
   * refresh call goes out; needs `client.wait`, and is refused with an ioredis `Cluster` (its
   * `WAIT` reaches a random master). 0 skips it. @default 0
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

// An ioredis Cluster puts its keyPrefix on every key but never into a hash tag tokenflight made
// (`{key}:lock`): tokens and lock would sit in two slots, each script refused (CROSSSLOT) like an
// outage while the lock runs out. Its WAIT goes to a random master, not the one holding the lock.
function assertClusterFits(client: object, key: string, replicasToWait: number): void {
  const cluster = client as { isCluster?: unknown; options?: { keyPrefix?: unknown } }
  if (cluster.isCluster !== true) return
  if (cluster.options?.keyPrefix && hashTag(key) === undefined) {
    throw invalidArgument('key', 'a key with a hash tag (`svc:{billing}`) under an ioredis Cluster with a `keyPrefix`', key, { wrongType: false })
  }
  if (replicasToWait > 0) throw invalidArgument('replicasToWait', '0 with an ioredis Cluster client (its WAIT reaches a random master)', replicasToWait, { wrongType: false })
}

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
  // node-redis has all these names, but its eval takes keys and arguments in an object: every script would be refused.
  if ('isOpen' in client) throw invalidArgument('client', 'an ioredis client, or a node-redis client passed through fromNodeRedis(client)', client, { wrongType: false })
  assertNonEmptyString('key', key)
  assertOptionalDuration('lockTtlMs', options.lockTtlMs, 3)
  assertOptionalDuration('coordinationWaitMs', options.coordinationWaitMs, 0)
  assertOptionalDuration('pollIntervalMs', options.pollIntervalMs)
  assertOptionalDuration('commandTimeoutMs', options.commandTimeoutMs)
  assertOptionalCount('replicasToWait', options.replicasToWait)
  const replicasToWait = options.replicasToWait ?? defaults.replicasToWait
  if (replicasToWait > 0 && typeof client.wait !== 'function') throw invalidArgument('client.wait', 'a function when `replicasToWait` is above 0', client.wait)
  assertClusterFits(client, key, replicasToWait)
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
