import type { Session } from '../session.js'
import type { Tokens } from '../strategy.js'

// Why not p-queue (design.md's first choice): it weighs 5.2 KB min+gzip with eventemitter3 and
// p-timeout, more than the rest of core + axios interceptor together, while replays need only a
// FIFO with a concurrency cap and removal of an aborted entry. Measured with `npm run size`.
interface Queue {
  running: number
  waiting: Array<() => void>
}

// One queue per session, shared by every client attached to it, so `replayConcurrency`
// bounds the replay stampede after a refresh however many instances share the session.
const queues = new WeakMap<object, Queue>()

function release(queue: Queue): void {
  queue.running--
  queue.waiting.shift()?.()
}

/**
 * Runs `send` when one of the session's `replayConcurrency` slots is free, first come first
 * served. `send` returns a promise and never throws: the slot is freed when the promise settles.
 * Rejects with `signal.reason` at once if the caller aborts while still queued; the entry is
 * then dropped, never sent.
 */
export function enqueueReplay<T extends Tokens, R>(session: Session<T>, send: () => Promise<R>, signal?: AbortSignal | null): Promise<R> {
  let slots = queues.get(session)
  if (!slots) {
    slots = { running: 0, waiting: [] }
    queues.set(session, slots)
  }
  const run = (): Promise<R> => {
    slots.running++
    session.emit('replayed', { queueDepth: slots.waiting.length })
    return send().finally(() => release(slots))
  }
  if (slots.running < session.replayConcurrency) return run()
  return new Promise<R>((resolve, reject) => {
    const start = (): void => {
      signal?.removeEventListener('abort', onAbort)
      run().then(resolve, reject)
    }
    const onAbort = (): void => {
      const index = slots.waiting.indexOf(start)
      if (index !== -1) slots.waiting.splice(index, 1)
      reject(signal?.reason)
    }
    if (signal?.aborted) return onAbort()
    signal?.addEventListener('abort', onAbort, { once: true })
    slots.waiting.push(start)
  })
}
