import type { InternalAxiosRequestConfig } from 'axios'
import { abortWith } from '../abort.js'

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
 * For a request cancelled through a legacy `CancelToken` only (no `signal`): a signal that
 * follows the token while tokenflight holds the request (waiting on tokens or a refresh), or
 * `undefined`. `release()` unsubscribes: a token shared by many requests keeps no listener of ours.
 */
export function cancelTokenSignal(config: InternalAxiosRequestConfig): CancelTokenSignal | undefined {
  const token = config.cancelToken as CancelTokenLike | undefined
  if (config.signal || typeof token?.subscribe !== 'function') return undefined
  const controller = new AbortController()
  const cancel = (reason: unknown): void => abortWith(controller, reason)
  token.subscribe(cancel) // called at once when already cancelled
  return { signal: controller.signal, release: () => token.unsubscribe(cancel) }
}
