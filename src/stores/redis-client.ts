import { markSafe } from '../errors/safe-words.js'
import { whenSettled } from '../when-settled.js'
import { timerDelay } from '../timer-delay.js'
/**
 * The few Redis commands tokenflight uses, in ioredis's shape (ioredis 5 and 6 fit as they are).
 * Another client fits with a small adapter: see docs/scaling.md.
 */
export interface RedisClient {
  get(key: string): Promise<string | null>
  set(key: string, value: string): Promise<unknown>
  /** SET key value PX ms NX: the lock. */
  set(key: string, value: string, px: 'PX', milliseconds: number, nx: 'NX'): Promise<unknown>
  del(key: string): Promise<unknown>
  eval(script: string, keyCount: number, ...keysAndArgs: Array<string | number>): Promise<unknown>
  publish(channel: string, message: string): Promise<unknown>
  /**
   * WAIT numReplicas timeout: resolves with how many replicas have this connection's writes.
   * Optional; `redisCoordination` calls it only with `replicasToWait` above 0 (ioredis has it).
   */
  wait?(numReplicas: number, timeoutMs: number): Promise<unknown>
  /** A second connection for SUBSCRIBE (a subscribed connection can run nothing else). */
  duplicate(): RedisSubscriber
}

/** The subscribing connection. */
export interface RedisSubscriber {
  subscribe(channel: string): Promise<unknown>
  on(event: 'message', listener: (channel: string, message: string) => void): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
  on(event: 'ready', listener: () => void): unknown
  disconnect(): void
}

/**
 * Rejects when a Redis command takes longer than `ms`: a down Redis must never hold a request.
 * A process frozen past `ms` (a starved CPU, a long GC) runs its due timers before it reads its
 * sockets, so the timeout waits one more turn of the event loop: an answer already there wins.
 *
 * @example
 * const raw = await bounded(client.get(key), 1_000)
 */
export function bounded<T>(command: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timer = setTimeout(() => reject(markSafe(new Error(`Redis did not answer within ${ms} ms`))), 0)
    }, timerDelay(ms))
  })
  command.catch(() => {})
  return whenSettled(Promise.race([command, late]), () => clearTimeout(timer))
}
