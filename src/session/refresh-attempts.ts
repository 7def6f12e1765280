import { abortWith, raceAbort, reasonOf, sleep } from '../abort.js'
import { backoffDelay } from '../backoff.js'
import { asError } from '../errors/as-error.js'
import { InvalidRefreshResponseError, isTokenflightError, RefreshError, RefreshTimeoutError } from '../errors/index.js'
import { safeError } from '../errors/safe-words.js'
import type { LockHeld } from '../coordinator.js'
import type { Strategy, Tokens } from '../strategy.js'
import { copyTokens, foreignTokens } from './assert-tokens.js'
import { monotonicNow } from '../monotonic.js'
import { timerDelay } from '../timer-delay.js'

/** What one refresh may do: its strategy, its budget and its retries. */
export interface RefreshPlan<T extends Tokens> {
  strategy: Strategy<T>
  fetch: typeof fetch
  now: () => number
  /** The session's clock, or the system's where it fails: the provider has answered by then. */
  clock: () => number
  /** The time ({@link monotonicNow}) past which no attempt or retry starts. */
  deadlineAt: number
  /** The time past which the attempt running is aborted: the deadline, or later for work other copies wait on. */
  endsAt: number
  /** The whole budget, for the timeout error's message. */
  timeoutMs: number
  retries: number
  minDelayMs: number
  maxDelayMs: number
  /** Aborts every attempt (the session was destroyed); absent for a refresh other copies depend on. */
  signal: AbortSignal | undefined
  /** False once the result is no longer wanted (the user set other tokens): no more retries. */
  wanted(): boolean
  /** False once a coordinator's lock is no longer this copy's: no more retries. */
  held?: LockHeld | undefined
}

/** A strategy's result checked like user input; the error names the field, never the value. */
export function checkRefreshResult<T extends Tokens>(result: unknown, now: number): T {
  const { tokens, problem } = foreignTokens(result, now)
  if (problem) throw new InvalidRefreshResponseError(problem.field.slice(1) || 'tokens', problem.expected, problem.value === null ? 'null' : typeof problem.value)
  return tokens as T
}

async function attempt<T extends Tokens>(current: T, plan: RefreshPlan<T>): Promise<T> {
  // An abort listener added to a signal that has already aborted never runs.
  if (plan.signal?.aborted) throw reasonOf(plan.signal)
  const controller = new AbortController()
  const stop = (): void => abortWith(controller, plan.signal && reasonOf(plan.signal))
  plan.signal?.addEventListener('abort', stop, { once: true })
  const timer = setTimeout(() => abortWith(controller, new RefreshTimeoutError(plan.timeoutMs)), timerDelay(plan.endsAt - monotonicNow()))
  try {
    // raceAbort: a strategy that ignores its signal still cannot hold the work past its end.
    const call = Promise.resolve().then(() => plan.strategy.refresh(copyTokens(current) as T, { signal: controller.signal, fetch: plan.fetch, now: plan.now }))
    return checkRefreshResult<T>(await raceAbort(call, controller.signal), plan.clock())
  } catch (error) {
    if (controller.signal.aborted) throw reasonOf(controller.signal)
    // Shared with every waiter and event: a foreign error (an AxiosError keeps the request's body
    // and headers, a refresh token among them) is shown only by its safe words.
    throw isTokenflightError(error) ? error : safeError("The strategy's refresh failed", error)
  } finally {
    clearTimeout(timer)
    plan.signal?.removeEventListener('abort', stop)
  }
}

const stillHeld = async (held: LockHeld | undefined): Promise<boolean> => {
  try {
    return held === undefined || (await held()) !== false
  } catch {
    return false
  }
}

/** How long to wait before retrying after `error`, or `undefined` to give up. */
function retryDelay(error: Error, retry: number, plan: RefreshPlan<Tokens>): number | undefined {
  if (retry >= plan.retries || !(error instanceof RefreshError) || !error.transient || !plan.wanted()) return undefined
  // A provider asking for longer than the backoff ceiling is not waited for: the session blocks instead.
  if (error.retryAfterMs !== undefined && error.retryAfterMs > plan.maxDelayMs) return undefined
  const delay = Math.max(backoffDelay(retry, plan.minDelayMs, plan.maxDelayMs, Math.random), error.retryAfterMs ?? 0)
  return monotonicNow() + delay < plan.deadlineAt ? delay : undefined
}

/** Runs the strategy's attempts within the plan's deadline: resolves with checked tokens or rejects with the last failure. */
export async function refreshWithRetries<T extends Tokens>(current: T, plan: RefreshPlan<T>): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt(current, plan)
    } catch (caught) {
      const error = asError(caught)
      const delay = retryDelay(error, retry, plan as RefreshPlan<Tokens>)
      if (delay === undefined) throw error
      await sleep(delay, plan.signal).catch(() => {})
      // A retry presents the same credential: not after another copy took the lock (or a check that
      // throws cannot say it did not), or other tokens came.
      if (plan.signal?.aborted || !plan.wanted() || !(await stillHeld(plan.held))) throw error
    }
  }
}
