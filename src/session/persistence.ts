import { withTimeout } from '../abort.js'
import { asError } from '../errors/as-error.js'
import { StoreTimeoutError } from '../errors/index.js'
import type { Tokens } from '../strategy.js'
import type { TokenStore } from '../token-store.js'
import { assertTokens } from './assert-tokens.js'

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
  /** Forgets a pending write (another copy stored newer tokens). */
  discardPending(): void
}

/** Runs one store call within `ms`; a synchronous throw, a rejection or a timeout is reported and rethrown. */
function bounded<R>(operation: Operation, run: () => R | Promise<R>, ms: number, timeoutMs: number, failed: (operation: Operation, error: Error) => void): Promise<R> {
  // `new Promise` turns a synchronous throw into a rejection.
  const settled = new Promise<R>((resolve) => resolve(run()))
  return withTimeout(settled, Math.max(0, ms), () => new StoreTimeoutError(operation, timeoutMs)).catch((error: unknown) => {
    const reason = asError(error)
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
      try {
        const tokens = await call('get', async () => {
          const found = await store.get()
          if (found !== undefined && found !== null) assertTokens('stored tokens', found)
          return found ?? undefined
        })
        return { ok: true, tokens }
      } catch {
        return { ok: false, tokens: undefined }
      }
    },
    write,
    retryPending() {
      if (pending && !writing && Date.now() >= retryAt) write(pending).catch(() => {})
    },
    async remove() {
      pending = undefined
      if (store) await call('delete', () => store.delete())
    },
    discardPending() {
      pending = undefined
    },
  }
}
