import { custom } from '../../src/strategies/index.js'
import type { RefreshContext, Strategy, Tokens } from '../../src/index.js'

/** A strategy whose refreshes are counted and answered by `answer` (token-1, token-2… by default). */
export function countingStrategy(
  answer?: (call: number, current: Tokens, context: RefreshContext) => Promise<Tokens> | Tokens,
): Strategy & { calls: number; signals: AbortSignal[] } {
  const state = { calls: 0, signals: [] as AbortSignal[] }
  const strategy = custom(async (current, context) => {
    state.calls++
    state.signals.push(context.signal)
    const call = state.calls
    return answer ? answer(call, current, context) : { ...current, accessToken: `token-${call}` }
  })
  return Object.defineProperties(strategy, {
    calls: { get: () => state.calls },
    signals: { get: () => state.signals },
  }) as Strategy & { calls: number; signals: AbortSignal[] }
}
