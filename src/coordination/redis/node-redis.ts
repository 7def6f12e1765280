import { assertObject, invalidArgument } from '../../invalid-argument.js'
import type { RedisClient, RedisSubscriber } from '../../stores/redis-client.js'

/** A pub/sub listener as node-redis calls it: message first, then channel (strings unless in buffer mode). */
type NodeRedisListener = (message: unknown, channel: unknown) => void

/** The node-redis 5 connection a subscriber gets from `duplicate()`: opened explicitly, closed by `destroy()`. */
export interface NodeRedisConnection extends NodeRedisLike {
  connect(): Promise<unknown>
  destroy(): unknown
}

/**
 * The node-redis 5 commands {@link fromNodeRedis} calls: what `createClient()`, `createCluster()`
 * and `createSentinel()` return all fit, without tokenflight importing `redis`.
 */
export interface NodeRedisLike {
  get(key: string): Promise<unknown>
  set(key: string, value: string, options?: { PX: number; NX: true }): Promise<unknown>
  del(key: string): Promise<unknown>
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>
  publish(channel: string, message: string): Promise<unknown>
  subscribe(channel: string, listener: NodeRedisListener): Promise<unknown>
  unsubscribe(channel: string, listener: NodeRedisListener): Promise<unknown>
  on(event: 'error', listener: (error: Error) => void): unknown
  on(event: 'ready', listener: () => void): unknown
  /** Clients and clusters: a second connection for SUBSCRIBE. A sentinel client has none: it subscribes on its own pub/sub connection. */
  duplicate?(): NodeRedisConnection
  /** WAIT numreplicas timeout, on a single client or a sentinel client. */
  wait?(numReplicas: number, timeoutMs: number): Promise<unknown>
  /** False until `connect()` is called, and after the client is closed. */
  readonly isOpen: boolean
  /** Present on a cluster only: WAIT there would go to a random node, so it is not offered. */
  getSlotMaster?: unknown
}

/** {@link RedisClient} plus the optional `wait`, which a cluster client does not offer. */
export type NodeRedisClient = RedisClient & { wait?(numReplicas: number, timeoutMs: number): Promise<number> }

function subscriberOf(client: NodeRedisLike): RedisSubscriber & { unsubscribe(channel: string): Promise<void> } {
  // A sentinel client keeps its own pub/sub connection; the others need a second one.
  const own = client.duplicate?.()
  const connection = own ?? client
  own?.on('error', () => {}) // outages surface through the commands; node-redis reconnects by itself
  const connected = own ? own.connect() : Promise.resolve()
  connected.catch(() => {})
  const messageListeners = new Set<(channel: string, message: string) => void>()
  const dispatch: NodeRedisListener = (message, channel) => {
    for (const listener of messageListeners) listener(String(channel), String(message))
  }
  // node-redis subscribes again by itself after a reconnection: the coordinator's repeat on
  // `ready` must not add a second listener.
  const channels = new Set<string>()
  const subscriber: RedisSubscriber & { unsubscribe(channel: string): Promise<void> } = {
    async subscribe(channel: string) {
      await connected
      if (channels.has(channel)) return
      channels.add(channel)
      await connection.subscribe(channel, dispatch).catch((error: unknown) => {
        channels.delete(channel)
        throw error
      })
    },
    on(event: 'message' | 'error' | 'ready', listener: (...args: never[]) => void) {
      if (event === 'message') messageListeners.add(listener as (channel: string, message: string) => void)
      else if (event === 'error') connection.on('error', listener as (error: Error) => void)
      else connection.on('ready', listener as () => void)
      return subscriber
    },
    async unsubscribe(channel: string) {
      if (channels.delete(channel)) await connection.unsubscribe(channel, dispatch)
    },
    disconnect() {
      messageListeners.clear()
      if (own) own.destroy()
      else for (const channel of channels) void client.unsubscribe(channel, dispatch).catch(() => {})
      channels.clear()
    },
  }
  return subscriber
}

/**
 * Adapts a node-redis 5 client (`createClient`, `createCluster` or `createSentinel`, connected)
 * to the {@link RedisClient} shape `redisCoordination` and `redisStore` take. Create the client
 * with `disableOfflineQueue: true` so commands fail fast while Redis is unreachable.
 *
 * @example
 * const redis = await createClient({ url: 'redis://127.0.0.1:6379', disableOfflineQueue: true }).connect()
 * const session = createSession({ strategy, tokens, ...redisCoordination({ client: fromNodeRedis(redis), key: 'tokenflight:{billing}' }) })
 */
export function fromNodeRedis(client: NodeRedisLike): NodeRedisClient {
  assertObject('client', client)
  for (const command of ['get', 'set', 'del', 'eval', 'publish', 'subscribe', 'unsubscribe', 'on'] as const) {
    if (typeof client[command] !== 'function') throw invalidArgument(`client.${command}`, 'a function (a node-redis 5 client)', client[command])
  }
  // An ioredis client has every command named above, with other arguments: pass it to redisCoordination as it is.
  if (!('isOpen' in client)) throw invalidArgument('client', 'a node-redis client (an ioredis client is passed without fromNodeRedis)', client, { wrongType: false })
  // Never connected, a node-redis client stays closed: not an outage that ends, and each process would refresh alone.
  if (client.isOpen === false) throw invalidArgument('client.isOpen', 'true: a node-redis client connected (`await client.connect()`) first', false, { wrongType: false })
  const adapted: NodeRedisClient = {
    get: async (key) => ((await client.get(key)) as string | null) ?? null,
    // `{ PX, NX }` rather than 5.x's later `expiration`/`condition`: every node-redis 5 release takes it.
    set: (key: string, value: string, px?: 'PX', milliseconds?: number) =>
      px === 'PX' && milliseconds !== undefined ? client.set(key, value, { PX: milliseconds, NX: true }) : client.set(key, value),
    del: (key) => client.del(key),
    eval: (script, keyCount, ...keysAndArgs) => {
      const all = keysAndArgs.map(String)
      return client.eval(script, { keys: all.slice(0, keyCount), arguments: all.slice(keyCount) })
    },
    publish: (channel, message) => client.publish(channel, message),
    duplicate: () => subscriberOf(client),
  }
  const { wait } = client
  if (typeof wait === 'function' && client.getSlotMaster === undefined) {
    adapted.wait = async (numReplicas, timeoutMs) => Number(await wait.call(client, numReplicas, timeoutMs))
  }
  return adapted
}
