import { RefreshError } from '../../errors/index.js'
import { isSafeError, markSafe, safeError } from '../../errors/safe-words.js'

// Redis answers that no retry can change: the deployment, not the network, is wrong. An error
// reply proves Redis is reachable; only the replies of a server on its way back (loading its data,
// running a long script, a replica without its primary, a cluster failing over) are outages.
const misconfigurations: ReadonlyArray<readonly [RegExp, (key: string, code: string) => string]> = [
  [/^WRONGTYPE/, (key) => `The Redis key \`${key}\` holds a value of another type (WRONGTYPE); tokenflight neither reads nor overwrites it: delete it or choose another key`],
  [/unknown command .?eval|ERR .*EVAL.* (disabled|renamed)/i, () => 'This Redis server does not run EVAL (renamed or disabled): redisCoordination needs it for its lock and fenced write'],
  // Outside a script, or inside one (the lock and the fenced write run SET, GET, DEL in Lua).
  [/^ERR (unknown command|.*unknown redis command called from script)/i, () => 'This Redis server does not know a command redisCoordination uses (renamed or disabled by rename-command): it needs GET, SET, DEL, EVAL, PUBLISH and SUBSCRIBE'],
  // Outside a script Redis says NOPERM; a command refused inside one (the lock, the fenced write) is an ERR.
  [/^NOPERM|^ERR The user executing the script can't run/, (key) => `The Redis user may not run the commands redisCoordination needs on \`${key}\` (GET, SET, DEL, EVAL; in its scripts PTTL, PEXPIRE, EXISTS; PUBLISH, SUBSCRIBE): check its ACL`],
  [/^NOSCRIPT|^ERR (Error (compiling|running) script|user_script)/, () => 'This Redis server refused the scripts of redisCoordination'],
  // Answers from a Redis that is up but takes no writes: refreshing alone would spend the token twice.
  [/^READONLY/, () => 'This Redis server is a read-only replica: redisCoordination needs the primary'],
  [/^OOM/, () => 'This Redis server is out of memory and refuses writes (maxmemory): free memory or raise the limit'],
  [/^MISCONF/, () => 'This Redis server refuses writes because it cannot save its snapshot (MISCONF, stop-writes-on-bgsave-error): fix its disk or persistence'],
  [/^NOREPLICAS/, () => 'This Redis primary refuses writes: fewer replicas than min-replicas-to-write are connected'],
  // Any other error reply: Redis answered, so it is not down, and waiting it out would end in every process refreshing alone.
  [/^ERR /, () => 'Redis refused a command of redisCoordination (ERR): pass a node-redis client through fromNodeRedis(client) and an ioredis client as it is'],
  [/^[A-Z]{2,}[A-Z_]*\b/, (_, code) => `Redis refused a command of redisCoordination (${code}): it is up, so no retry or refresh alone follows`],
]

// Outages after all: the replies of a server on its way back, and a bare errno (`ETIMEDOUT`) a client gives as its message.
const comingBack = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|MOVED|ASK)\b|^E(CONN|TIMEDOUT|PIPE|HOST|NET|NOTFOUND|AI_)/

const ours = new WeakSet<Error>()

/**
 * The clear, typed error for a Redis answer that retrying cannot fix (a key of another type, EVAL
 * missing, an ACL refusal), or `undefined` for an outage worth waiting out. Its message is ours:
 * Redis quotes a refused command's arguments, which may hold tokens, so the original is dropped.
 *
 * @example
 * const fatal = misconfiguration(error, 'tokenflight:billing'); if (fatal) throw fatal
 */
export function misconfiguration(error: unknown, key: string): RefreshError | undefined {
  if (error instanceof RefreshError && ours.has(error)) return error
  const message = error instanceof Error ? error.message : String(error)
  const found = comingBack.test(message) ? undefined : misconfigurations.find(([pattern]) => pattern.test(message))
  if (!found) return undefined
  const code = /^[A-Z][A-Z_]*/.exec(message)?.[0] ?? '' // the reply's code alone: what follows may quote the command
  const fatal = markSafe(new RefreshError(found[1](key, code), { transient: true, details: { redis: code } }))
  ours.add(fatal)
  return fatal
}

/**
 * A rejection handler for a command on `key`: a misconfiguration is rethrown as the typed error
 * naming that key (a lock or marker key of another type must not be blamed on the tokens key).
 *
 * @example
 * await bounded(client.get(lockKey), ms).catch(rethrowFor(lockKey))
 */
export const rethrowFor =
  (key: string) =>
  (error: unknown): never => {
    throw misconfiguration(error, key) ?? error
  }

// The outage messages of ioredis and node-redis, and ours: fixed words, shown as they are.
const knownOutage =
  /^(?:Connection is closed\.|Stream isn't writeable and enableOfflineQueue options is false|Command timed out|Reached the max retries per request limit \(which is \d+\)\. Refer to "maxRetriesPerRequest" option for details\.|The client is closed|Socket closed unexpectedly|Connection timeout|None of startup nodes is available|Failed to refresh slots cache\.|All sentinels are unreachable\.?|Redis did not answer within \d+ ms)$/

/**
 * An outage as `coordinationDegraded` listeners and logs get it: a client's known words as they
 * are, anything else by its safe words only (a client or proxy may quote the command, tokens in it).
 *
 * @example
 * link.emit('coordinationDegraded', { error: redisOutage(error) })
 */
export function redisOutage(error: unknown): Error {
  if (isSafeError(error)) return error
  const message = error instanceof Error ? error.message : undefined
  return message !== undefined && knownOutage.test(message) ? markSafe(new Error(message)) : safeError('Redis did not answer', error)
}
