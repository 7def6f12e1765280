import { reasonOf, withTimeout } from '../abort.js'
import { StoreTimeoutError } from '../errors/index.js'
import { storeFailure } from './store-failure.js'
import { whenSettled } from '../when-settled.js'

/** A store method's name, as `storeFailed` reports it. */
export type StoreOperation = 'get' | 'set' | 'delete'

/** What bounds every call on a session's store. */
export interface StoreCallLimits {
  timeoutMs: number
  failed: (operation: StoreOperation, error: Error) => void
  /** Aborted when the session is destroyed: every wait on the store ends then, with its reason. */
  lifetime: AbortSignal
}

/** One wait on the store within `ms` (default `timeoutMs`); `lasting` outlives `destroy()`. */
export type StoreCall = <R>(operation: StoreOperation, run: () => R | Promise<R>, ms?: number, lasting?: boolean) => Promise<R>

/**
 * Makes the session's way of calling its store: a synchronous throw, a rejection or a timeout is
 * reported and rethrown as an error that cannot hold what the store quoted of its input.
 *
 * @example
 * const call = storeCaller({ timeoutMs, failed, lifetime }); await call('get', () => store.get())
 */
export function storeCaller({ timeoutMs, failed, lifetime }: StoreCallLimits): StoreCall {
  // Every wait ends when the session is destroyed: one listener, not one per call, added with the
  // first wait (a session without a store has none).
  let waits: Set<(reason: unknown) => void> | undefined
  const waiting = (): Set<(reason: unknown) => void> => {
    if (waits) return waits
    const all = new Set<(reason: unknown) => void>()
    lifetime.addEventListener('abort', () => {
      for (const stop of all) stop(reasonOf(lifetime))
    })
    waits = all
    return all
  }

  return <R>(operation: StoreOperation, run: () => R | Promise<R>, ms = timeoutMs, lasting = false): Promise<R> => {
    if (lifetime.aborted && !lasting) return Promise.reject(reasonOf(lifetime))
    let stop: (reason: unknown) => void = () => {}
    const ended = new Promise<never>((_, reject) => {
      stop = reject
    })
    if (!lasting) waiting().add(stop)
    // `new Promise` turns a synchronous throw into a rejection.
    const settled = new Promise<R>((resolve) => resolve(run()))
    const call = withTimeout(Promise.race([settled, ended]), Math.max(0, ms), () => new StoreTimeoutError(operation, timeoutMs)).catch((error: unknown) => {
      if (lifetime.aborted && error === reasonOf(lifetime)) throw error
      const reason = storeFailure(error, operation)
      failed(operation, reason)
      throw reason
    })
    return whenSettled(call, () => waits?.delete(stop))
  }
}
