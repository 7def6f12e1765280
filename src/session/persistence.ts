import { withTimeout } from '../abort.js'
import { StoreTimeoutError } from '../errors/index.js'
import type { Tokens } from '../strategy.js'
import type { TokenStore } from '../token-store.js'
import { checkedTokens, copyTokens } from './assert-tokens.js'
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

interface Limits {
  timeoutMs: number
  failed: (operation: Operation, error: Error) => void
  /** Aborted when the session is destroyed: every wait on the store ends then, with its reason. */
  lifetime: AbortSignal
  /** The session's clock, for an `expiresAt` in seconds in what the store returns. */
  now: () => number
}

/** Wraps `store` (or nothing: memory only) so that no store can hang or crash the session. */
export function persistence<T extends Tokens>(store: TokenStore<T> | undefined, limits: Limits): Persistence<T> {
  const { timeoutMs, failed, lifetime } = limits
  let pending: T | undefined
  // After a failed write, the next retry waits a second: a dead store is not hit on every request.
  let retryAt = 0
  // Every wait on the store ends when the session is destroyed: one listener, not one per call.
  const waits = new Set<(reason: unknown) => void>()
  lifetime.addEventListener('abort', () => {
    for (const stop of waits) stop(lifetime.reason)
  })

  // One store call within `ms`: a synchronous throw, a rejection or a timeout is reported and
  // rethrown as an error that cannot hold what the store quoted of its input.
  function call<R>(operation: Operation, run: () => R | Promise<R>, ms = timeoutMs): Promise<R> {
    if (lifetime.aborted) return Promise.reject(lifetime.reason)
    let stop: (reason: unknown) => void = () => {}
    const ended = new Promise<never>((_, reject) => {
      stop = reject
    })
    waits.add(stop)
    // `new Promise` turns a synchronous throw into a rejection.
    const settled = new Promise<R>((resolve) => resolve(run()))
    return withTimeout(Promise.race([settled, ended]), Math.max(0, ms), () => new StoreTimeoutError(operation, timeoutMs))
      .catch((error: unknown) => {
        if (lifetime.aborted && error === lifetime.reason) throw error
        const reason = storeFailure(error, operation)
        failed(operation, reason)
        throw reason
      })
      .finally(() => waits.delete(stop))
  }

  // Calls that change the store run one after another, in the order asked. Each waits for the one
  // before it to settle or to miss its deadline, so a call that never settles wedges nothing; one
  // that lands after a later one started is followed by the latest again; one superseded before
  // its turn is skipped.
  let queue: Promise<unknown> = Promise.resolve()
  let asked = 0
  let started = 0
  let busy = 0
  let latest: () => void = () => {}
  function change(operation: 'set' | 'delete', run: () => unknown, ms?: number): Promise<unknown> {
    const turn = ++asked
    latest = () => void change(operation, run).catch(() => {})
    const result = queue.then(() => {
      if (turn !== asked) return
      started = turn
      return run()
    })
    const landed = (): void => {
      if (started > turn && !lifetime.aborted) latest()
    }
    result.then(landed, landed)
    busy++
    const answered = call(operation, () => result, ms).finally(() => busy--)
    queue = answered.catch(() => {})
    return answered
  }

  async function write(tokens: T, ms?: number): Promise<void> {
    if (!store) return
    pending = tokens
    try {
      // Kept once the store has it, even past the caller's deadline. The store gets a copy: one
      // that edits what it is given (drops the refresh token before saving) edits nothing here.
      await change(
        'set',
        async () => {
          await store.set(copyTokens(tokens) as T)
          if (pending === tokens) pending = undefined
        },
        ms,
      )
    } catch (error) {
      retryAt = Date.now() + 1_000
      throw error
    }
  }

  return {
    async read() {
      if (!store) return { ok: true, tokens: undefined }
      const failure = { ok: false, tokens: undefined }
      let found: unknown
      try {
        found = (await call('get', () => store.get())) ?? undefined
      } catch {
        return failure
      }
      try {
        if (found !== undefined) found = checkedTokens<T>('stored tokens', found, limits.now())
      } catch (error) {
        failed('get', error as Error) // ours: it names the field, never the value
        return failure
      }
      return { ok: true, tokens: found as T | undefined }
    },
    write,
    retryPending() {
      if (pending && busy === 0 && Date.now() >= retryAt) write(pending).catch(() => {})
    },
    async remove() {
      pending = undefined
      if (store) await change('delete', () => store.delete())
    },
    adopted(tokens) {
      pending = undefined
      if (store?.shared !== false) return
      ;(tokens ? write(tokens) : change('delete', () => store.delete())).catch(() => {})
    },
  }
}
