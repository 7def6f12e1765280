import { reasonOf } from '../abort.js'

// Why not p-queue (design.md's first choice): it weighs 5.2 KB min+gzip with eventemitter3 and
// p-timeout, more than the rest of core + axios interceptor together, while replays need only a
// FIFO with a concurrency cap and removal of an aborted entry.

/** A FIFO of replays with a concurrency cap, one per session (shared by every client attached to it). */
export interface ReplaySlots {
  /**
   * Runs `send` once a slot is free, first come first served; the slot is freed when `send`
   * settles, whatever happens. `onStart` must not throw (the session's `emit` isolates its
   * listeners already). Rejects with `signal.reason` at once if the caller aborts while still
   * queued, and with the lifetime's reason when the session ends: the entry is dropped, never sent.
   */
  run<R>(send: () => Promise<R>, signal: AbortSignal | null | undefined, onStart: (queueDepth: number) => void): Promise<R>
}

/**
 * Makes the replay queue of one session, `limit` replays at once. When `lifetime` aborts (the
 * session is destroyed), what is still queued is released at once, not after the running replays.
 */
export function replaySlots(limit: number, lifetime?: AbortSignal): ReplaySlots {
  let running = 0
  // Each queued entry: start it, or drop it with a reason.
  const waiting: Array<{ go(): void; drop(reason: unknown): void }> = []
  lifetime?.addEventListener('abort', () => {
    for (const entry of waiting.splice(0)) entry.drop(reasonOf(lifetime))
  })

  async function start<R>(send: () => Promise<R>, onStart: (queueDepth: number) => void): Promise<R> {
    running++
    try {
      onStart(waiting.length)
      return await send()
    } finally {
      running--
      waiting.shift()?.go() // a slot that is never given back hangs every later refusal
    }
  }

  return {
    run(send, signal, onStart) {
      if (lifetime?.aborted) return Promise.reject(reasonOf(lifetime))
      if (running < limit) return start(send, onStart)
      return new Promise((resolve, reject) => {
        const entry = {
          go: (): void => {
            signal?.removeEventListener('abort', onAbort)
            start(send, onStart).then(resolve, reject)
          },
          drop: (reason: unknown): void => {
            signal?.removeEventListener('abort', onAbort)
            reject(reason)
          },
        }
        const onAbort = (): void => {
          const index = waiting.indexOf(entry)
          if (index !== -1) waiting.splice(index, 1)
          reject(signal && reasonOf(signal))
        }
        if (signal?.aborted) return onAbort()
        signal?.addEventListener('abort', onAbort, { once: true })
        waiting.push(entry)
      })
    },
  }
}
