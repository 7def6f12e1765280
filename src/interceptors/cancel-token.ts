import type { InternalAxiosRequestConfig } from 'axios'
import { abortWith, reasonOf } from '../abort.js'

// What tokenflight uses of axios's legacy `CancelToken` (axios ≥ 0.22 has subscribe/unsubscribe).
interface CancelTokenLike {
  reason?: unknown
  subscribe(listener: (reason: unknown) => void): void
  unsubscribe(listener: (reason: unknown) => void): void
}

/** A signal that follows a request's legacy `CancelToken`, and how to let go of it. */
export interface CancelTokenSignal {
  readonly signal: AbortSignal
  release(): void
}

/**
 * For a request cancelled through a legacy `CancelToken`: a signal that follows the token, and
 * the request's `signal` if it has one too, while tokenflight holds the request (waiting on tokens
 * or a refresh), or `undefined` without a token. `release()` unsubscribes: a token or signal
 * shared by many requests keeps no listener of ours.
 */
export function cancelTokenSignal(config: InternalAxiosRequestConfig): CancelTokenSignal | undefined {
  const token = config.cancelToken as CancelTokenLike | undefined
  if (typeof token?.subscribe !== 'function') return undefined
  const controller = new AbortController()
  const cancel = (reason: unknown): void => abortWith(controller, reason)
  const own = config.signal as AbortSignal | undefined
  const onAbort = (): void => cancel(own && reasonOf(own))
  token.subscribe(cancel) // called at once when already cancelled
  if (own?.aborted) onAbort()
  else own?.addEventListener?.('abort', onAbort, { once: true })
  return {
    signal: controller.signal,
    release: () => {
      token.unsubscribe(cancel)
      own?.removeEventListener?.('abort', onAbort)
    },
  }
}
