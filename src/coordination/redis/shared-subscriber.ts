import { assertFunction, assertObject } from '../../invalid-argument.js'
import type { RedisClient, RedisSubscriber } from '../../stores/redis-client.js'

/** A subscriber that can also leave a channel (ioredis's and `fromNodeRedis`'s can). */
type Unsubscribing = RedisSubscriber & { unsubscribe?(channel: string): Promise<unknown> }

interface Handle {
  message: Set<(channel: string, message: string) => void>
  ready: Set<() => void>
  error: Set<(error: Error) => void>
  channels: Set<string>
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
  let shared: Unsubscribing | undefined
  const handles = new Set<Handle>()
  const listening = new Map<string, Set<Handle>>()
  const each = <A extends unknown[]>(pick: (handle: Handle) => Set<(...args: A) => void>, ...args: A): void => {
    for (const handle of handles) for (const listener of pick(handle)) listener(...args)
  }
  function open(): Unsubscribing {
    if (shared) return shared
    const connection: Unsubscribing = client.duplicate()
    connection.on('message', (channel, message) => {
      for (const handle of listening.get(channel) ?? []) for (const listener of handle.message) listener(channel, message)
    })
    connection.on('error', (error) => each((h) => h.error, error))
    connection.on('ready', () => each((h) => h.ready))
    shared = connection
    return connection
  }
  function leave(handle: Handle): void {
    handles.delete(handle)
    for (const channel of handle.channels) {
      const left = listening.get(channel)
      left?.delete(handle)
      if (left?.size) continue
      listening.delete(channel)
      void shared?.unsubscribe?.(channel).catch(() => {})
    }
    // The last session gone (a pool destroyed at shutdown): its connection goes too, or it would
    // keep the process alive after `client.quit()`. The next session opens a new one.
    if (handles.size === 0 && shared) {
      shared.disconnect()
      shared = undefined
    }
  }

  function duplicate(): RedisSubscriber {
    const connection = open()
    const handle: Handle = { message: new Set(), ready: new Set(), error: new Set(), channels: new Set() }
    handles.add(handle)
    const subscriber: RedisSubscriber = {
      subscribe(channel: string) {
        handle.channels.add(channel)
        const set = listening.get(channel) ?? new Set()
        listening.set(channel, set.add(handle))
        return connection.subscribe(channel)
      },
      on(event: 'message' | 'error' | 'ready', listener: (...args: never[]) => void) {
        ;(handle[event] as Set<(...args: never[]) => void>).add(listener)
        return subscriber
      },
      disconnect: () => leave(handle),
    }
    return subscriber
  }
  // A Proxy keeps every other method of `client` (its own `wait`, `quit`…), bound to the client
  // itself: a class with private fields rejects `this` being the proxy.
  return new Proxy(client, {
    get(target, property) {
      if (property === 'duplicate') return duplicate
      const value: unknown = Reflect.get(target, property)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}
