import { whenSettled } from './when-settled.js'
import { timerDelay } from './timer-delay.js'

// Reasons kept for signals of a platform older than `AbortSignal.reason` (Chrome < 98, Firefox < 97,
// Safari < 15.4: the `<script>` build's targets), where `abort(reason)` drops its argument.
const reasons = /* @__PURE__ */ new WeakMap<AbortSignal, unknown>()

// A page's own code may have removed DOMException: an Error of the same name stands in.
const abortError = (): Error =>
  typeof DOMException === 'function' ? new DOMException('This operation was aborted', 'AbortError') : Object.assign(new Error('This operation was aborted'), { name: 'AbortError' })

/**
 * Why `signal` aborted: its `reason`; where the platform has none, the reason tokenflight
 * aborted it with ({@link abortWith}), else one `AbortError` per signal (the same every time).
 */
export function reasonOf(signal: AbortSignal): unknown {
  if (signal.reason !== undefined || !signal.aborted) return signal.reason
  if (!reasons.has(signal)) reasons.set(signal, abortError())
  return reasons.get(signal)
}

/** `controller.abort(reason)`, the reason kept where the platform drops it. */
export function abortWith(controller: AbortController, reason: unknown): void {
  if (!('reason' in controller.signal)) reasons.set(controller.signal, reason)
  controller.abort(reason)
}

/**
 * Settles with `promise`, or rejects with `signal.reason` as soon as `signal`
 * aborts, whichever comes first. The listener is removed either way, so
 * thousands of waiting calls leave nothing behind on a long-lived signal.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined | null): Promise<T> {
  if (!signal) return promise
  if (signal.aborted) {
    promise.catch(() => {}) // the loser may still reject: never as an unhandled rejection
    return Promise.reject(reasonOf(signal))
  }
  return new Promise<T>((resolve, reject) => {
    const stop = listenForAbort(signal, () => reject(reasonOf(signal)))
    whenSettled(promise.then(resolve, reject), stop)
  })
}

/**
 * Calls `listener` once when `signal` aborts; returns what stops listening. A caller's look-alike
 * signal (an old polyfill's) whose methods are missing or throw is not heard: never a failure,
 * nor an unhandled rejection, of ours.
 */
export function listenForAbort(signal: AbortSignal, listener: () => void): () => void {
  try {
    signal.addEventListener('abort', listener, { once: true })
  } catch {
    return () => {}
  }
  return () => {
    try {
      signal.removeEventListener('abort', listener)
    } catch {
      // No way to stop listening: the listener settles what has settled already, harmlessly.
    }
  }
}

/**
 * Settles with `promise`, or rejects with `timedOut()` after `ms`, or with `signal.reason` when it
 * aborts, whichever comes first; the timer is cleared either way (a destroyed session's wait
 * keeps no process alive), and a late rejection of `promise` is not an unhandled one.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, timedOut: () => Error, signal?: AbortSignal | null): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), timerDelay(ms))
  })
  promise.catch(() => {})
  return whenSettled(raceAbort(Promise.race([promise, late]), signal), () => clearTimeout(timer))
}

/** Resolves after `ms`, or rejects with `signal.reason` when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const delay = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timerDelay(ms))
  })
  return whenSettled(raceAbort(delay, signal), () => clearTimeout(timer))
}
