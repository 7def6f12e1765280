import { withTimeout } from '../abort.js'
import { StoreTimeoutError } from '../errors/index.js'
import type { Tokens } from '../strategy.js'
import type { TokenStore } from '../token-store.js'
import { assertTokens } from './assert-tokens.js'
import { storeFailure } from './store-failure.js'

type Operation = 'get' | 'set' | 'delete'

/** What a read found: `ok` false when the store failed, so nothing is known about its content. */
export interface StoreRead<T> {
  ok: boolean
  tokens: T | undefined
}

/** A session's access to its store: every call bounded, sync throws taken as rejections, failed writes retried. */
export interface Persistence<T extends Tokens> {
  /** Reads the stored tokens; what a store returns is checked like user input. */
  read(): Promise<StoreRead<T>>
  /** Writes `tokens` within `ms`; on failure keeps them as pending and rejects. */
  write(tokens: T, ms?: number): Promise<void>
  /** Retries a pending write in the background: one at a time, at most once a second after a failure. */
  retryPending(): void
  /** Deletes the stored tokens; a pending write is dropped. */
  remove(): Promise<void>
  /**
   * Tokens another copy of the session got: a store of its own (not `shared`) keeps them too, in
   * the background; a shared one has them already, so a pending write of older ones is dropped.
   */
  adopted(tokens: T | undefined): void
}

/**
 * Runs one store call within `ms`; a synchronous throw, a rejection or a timeout is reported and
 * rethrown as an error that cannot hold what the store quoted of its input.
 */
function bounded<R>(operation: Operation, run: () => R | Promise<R>, ms: number, timeoutMs: number, failed: (operation: Operation, error: Error) => void): Promise<R> {
  // `new Promise` turns a synchronous throw into a rejection.
  const settled = new Promise<R>((resolve) => resolve(run()))
  return withTimeout(settled, Math.max(0, ms), () => new StoreTimeoutError(operation, timeoutMs)).catch((error: unknown) => {
    const reason = storeFailure(error, operation)
    failed(operation, reason)
    throw reason
  })
}

/** Wraps `store` (or nothing: memory only) so that no store can hang or crash the session. */
export function persistence<T extends Tokens>(
  store: TokenStore<T> | undefined,
  timeoutMs: number,
  failed: (operation: Operation, error: Error) => void,
): Persistence<T> {
  let pending: T | undefined
  let writing = false
  // After a failed write, the next retry waits a second: a dead store is not hit on every request.
  let retryAt = 0

  const call = <R>(operation: Operation, run: () => R | Promise<R>, ms = timeoutMs): Promise<R> => bounded(operation, run, ms, timeoutMs, failed)

  async function write(tokens: T, ms?: number): Promise<void> {
    if (!store) return
    pending = tokens
    writing = true
    try {
      await call('set', () => store.set(tokens), ms)
      if (pending === tokens) pending = undefined
    } catch (error) {
      retryAt = Date.now() + 1_000
      throw error
    } finally {
      writing = false
    }
  }

  return {
    async read() {
      if (!store) return { ok: true, tokens: undefined }
      const failure = { ok: false, tokens: undefined }
      let found: T | undefined
      try {
        found = (await call('get', () => store.get())) ?? undefined
      } catch {
        return failure
      }
      try {
        if (found !== undefined) assertTokens('stored tokens', found)
      } catch (error) {
        failed('get', error as Error) // ours: it names the field, never the value
        return failure
      }
      return { ok: true, tokens: found }
    },
    write,
    retryPending() {
      if (pending && !writing && Date.now() >= retryAt) write(pending).catch(() => {})
    },
    async remove() {
      pending = undefined
      if (store) await call('delete', () => store.delete())
    },
    adopted(tokens) {
      pending = undefined
      if (store?.shared !== false) return
      ;(tokens ? write(tokens) : call('delete', () => store.delete())).catch(() => {})
    },
  }
}
