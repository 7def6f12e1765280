import { RefreshError } from '../../errors/index.js'
import { markSafe } from '../../errors/safe-words.js'

// Redis answers that no retry can change: the deployment, not the network, is wrong.
const misconfigurations: ReadonlyArray<readonly [RegExp, (key: string) => string]> = [
  [/^WRONGTYPE/, (key) => `The Redis key \`${key}\` holds a value of another type (WRONGTYPE); tokenflight neither reads nor overwrites it: delete it or choose another key`],
  [/unknown command .?eval|ERR .*EVAL.* (disabled|renamed)/i, () => 'This Redis server does not run EVAL (renamed or disabled): redisCoordination needs it for its lock and fenced write'],
  // Outside a script Redis says NOPERM; a command refused inside one (the lock, the fenced write) is an ERR.
  [/^NOPERM|^ERR The user executing the script can't run/, (key) => `The Redis user may not run the commands redisCoordination needs on \`${key}\` (GET, SET, DEL, EVAL; in its scripts PTTL, PEXPIRE, EXISTS; PUBLISH, SUBSCRIBE): check its ACL`],
  [/^NOSCRIPT|^ERR (Error (compiling|running) script|user_script)/, () => 'This Redis server refused the scripts of redisCoordination'],
  // Answers from a Redis that is up but takes no writes: refreshing alone would spend the token twice.
  [/^READONLY/, () => 'This Redis server is a read-only replica: redisCoordination needs the primary'],
  [/^OOM/, () => 'This Redis server is out of memory and refuses writes (maxmemory): free memory or raise the limit'],
]

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
  const found = misconfigurations.find(([pattern]) => pattern.test(message))
  if (!found) return undefined
  const fatal = markSafe(new RefreshError(found[1](key), { transient: true, details: { redis: message.split(' ', 1)[0] ?? '' } }))
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

/**
 * An outage reported without what Redis may have quoted of the command (`…with args beginning
 * with: …`): the error goes to `coordinationDegraded` listeners and logs.
 *
 * @example
 * link.emit('coordinationDegraded', { error: redisOutage(error) })
 */
export function redisOutage(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error)
  return new Error(message.split(/,? with args/i, 1)[0]?.slice(0, 200) ?? 'Redis did not answer')
}
