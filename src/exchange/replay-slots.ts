import { listenForAbort, reasonOf } from '../abort.js'
import { slotHolders } from './slot-holders.js'

// Why not p-queue (design.md's first choice): it weighs 5.2 KB min+gzip with eventemitter3 and
// p-timeout, more than the rest of core + axios interceptor together, while replays need only a
// FIFO with a concurrency cap and removal of an aborted entry.

/** A FIFO of replays with a concurrency cap, one per session (shared by every client attached to it). */
export interface ReplaySlots {
  /**
   * Runs `send` once a slot is free, first come first served; the slot is freed when `send`
   * settles, whatever happens, or after `holdMs` (the replay then runs on without one). `together`: how many requests were in flight with this one when it
   * was refused; under an `atLeast` limit that many may run at once. `onStart`
   * must not throw (the session's `emit` isolates its listeners already). Rejects with
   * `signal.reason` at once if the caller aborts while still queued, and with the lifetime's
   * reason when the session ends: the entry is dropped, never sent.
   */
  run<R>(send: () => Promise<R>, signal: AbortSignal | null | undefined, onStart: (queueDepth: number) => void, together?: number): Promise<R>
}

// A queued replay: how many may run with it, and how to start or drop it.
interface Entry {
  readonly limit: number
  go(): void
  drop(reason: unknown): void
}

/** How many replays run at once: a fixed cap, or as many as were in flight together and at least `atLeast`. */
export type ReplayLimit = { fixed: number } | { atLeast: number }

/**
 * Makes the replay queue of one session. When `lifetime` aborts (the session is destroyed), what
 * is still queued is released at once, not after the running replays. A replay holds its slot at
 * most `holdMs`: replays a server never finishes must not hold back the ones queued behind them.
 */
export function replaySlots(limit: ReplayLimit, lifetime?: AbortSignal, holdMs = Number.POSITIVE_INFINITY): ReplaySlots {
  const allowance = 'fixed' in limit ? (): number => limit.fixed : (together: number): number => Math.max(limit.atLeast, together)
  const waiting: Entry[] = []
  // Starts queued replays, in order, while the first one's allowance has room.
  const drain = (): void => {
    while (waiting.length > 0 && holders.size < (waiting[0] as Entry).limit) waiting.shift()?.go()
    if (waiting.length > 0) holders.watch()
    else holders.stop()
  }
  const holders = slotHolders(holdMs, drain)
  lifetime?.addEventListener('abort', () => {
    holders.stop()
    for (const entry of waiting.splice(0)) entry.drop(reasonOf(lifetime))
  })

  async function start<R>(send: () => Promise<R>, onStart: (queueDepth: number) => void): Promise<R> {
    const giveBack = holders.take()
    try {
      onStart(waiting.length)
      return await send()
    } finally {
      giveBack()
      drain() // a slot that is never given back hangs every later refusal
    }
  }

  return {
    run(send, signal, onStart, together = 0) {
      if (lifetime?.aborted) return Promise.reject(reasonOf(lifetime))
      const allowed = allowance(together)
      if (holders.size < allowed && waiting.length === 0) return start(send, onStart)
      return new Promise((resolve, reject) => {
        let stopListening = (): void => {}
        const entry: Entry = {
          limit: allowed,
          go: (): void => {
            stopListening()
            start(send, onStart).then(resolve, reject)
          },
          drop: (reason: unknown): void => {
            stopListening()
            reject(reason)
          },
        }
        const onAbort = (): void => {
          const index = waiting.indexOf(entry)
          if (index !== -1) waiting.splice(index, 1)
          reject(signal && reasonOf(signal))
          drain() // the one behind may be allowed more at once
        }
        if (signal?.aborted) return onAbort()
        if (signal) stopListening = listenForAbort(signal, onAbort)
        waiting.push(entry)
        drain()
      })
    },
  }
}
