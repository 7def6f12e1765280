import { assertFunction, assertObject } from '../../invalid-argument.js'
import type { RedisClient, RedisSubscriber } from '../../stores/redis-client.js'
import { ownResubscribing } from './own-resubscribing.js'

/** A subscriber that can also leave a channel (ioredis's and `fromNodeRedis`'s can). */
type Unsubscribing = RedisSubscriber & { unsubscribe?(channel: string): Promise<unknown> }

interface Handle {
  message: Set<(channel: string, message: string) => void>
  ready: Set<() => void>
  error: Set<(error: Error) => void>
  channels: Set<string>
}

// One client's shared subscribing connection, and who listens to what on it.
interface Hub {
  readonly client: RedisClient
  shared: Unsubscribing | undefined
  readonly handles: Set<Handle>
  readonly listening: Map<string, Set<Handle>>
}

function each<A extends unknown[]>(hub: Hub, pick: (handle: Handle) => Set<(...args: A) => void>, ...args: A): void {
  for (const handle of hub.handles) for (const listener of pick(handle)) listener(...args)
}

function open(hub: Hub): Unsubscribing {
  if (hub.shared) return hub.shared
  const connection: Unsubscribing = ownResubscribing(hub.client.duplicate())
  connection.on('message', (channel, message) => {
    for (const handle of hub.listening.get(channel) ?? []) for (const listener of handle.message) listener(channel, message)
  })
  connection.on('error', (error) => each(hub, (h) => h.error, error))
  connection.on('ready', () => each(hub, (h) => h.ready))
  hub.shared = connection
  return connection
}

function leave(hub: Hub, handle: Handle): void {
  hub.handles.delete(handle)
  for (const channel of handle.channels) {
    const left = hub.listening.get(channel)
    left?.delete(handle)
    if (left?.size) continue
    hub.listening.delete(channel)
    void hub.shared?.unsubscribe?.(channel).catch(() => {})
  }
  // The last session gone (a pool destroyed at shutdown): its connection goes too, or it would
  // keep the process alive after `client.quit()`. The next session opens a new one.
  if (hub.handles.size === 0 && hub.shared) {
    hub.shared.disconnect()
    hub.shared = undefined
  }
}

// A session's own subscriber: its listeners and channels, on the hub's one connection.
function duplicate(hub: Hub): RedisSubscriber {
  const connection = open(hub)
  const handle: Handle = { message: new Set(), ready: new Set(), error: new Set(), channels: new Set() }
  hub.handles.add(handle)
  const subscriber: RedisSubscriber = {
    subscribe(channel: string) {
      handle.channels.add(channel)
      const set = hub.listening.get(channel) ?? new Set()
      hub.listening.set(channel, set.add(handle))
      return connection.subscribe(channel)
    },
    on(event: 'message' | 'error' | 'ready', listener: (...args: never[]) => void) {
      ;(handle[event] as Set<(...args: never[]) => void>).add(listener)
      return subscriber
    },
    disconnect: () => leave(hub, handle),
  }
  return subscriber
}

/**
 * Wraps `client` so that every `duplicate()` shares ONE subscribing connection: each session
 * of `redisCoordination` otherwise opens its own, which a process holding one session per user
 * (thousands) cannot afford. Messages reach only the handles subscribed to their channel; a
 * channel no handle listens to any more is unsubscribed when the subscriber allows it, and the
 * connection is closed when no session uses it any more.
 *
 * @example
 * const client = sharedSubscriber(new Redis({ enableOfflineQueue: false }))
 * const pool = createSessionPool({ create: (user: string) => createSession({ strategy, ...redisCoordination({ client, key: `tokenflight:{user:${user}}` }) }) })
 */
export function sharedSubscriber<C extends RedisClient>(client: C): C {
  assertObject('client', client)
  assertFunction('client.duplicate', client.duplicate)
  const hub: Hub = { client, shared: undefined, handles: new Set(), listening: new Map() }
  const duplicateShared = (): RedisSubscriber => duplicate(hub)
  // A Proxy keeps every other method of `client` (its own `wait`, `quit`…), bound to the client
  // itself: a class with private fields rejects `this` being the proxy.
  return new Proxy(client, {
    get(target, property) {
      if (property === 'duplicate') return duplicateShared
      const value: unknown = Reflect.get(target, property)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}
