import type { Coordinator } from '../coordinator.js'
import type { SessionEvents } from '../session-events.js'
import type { Tokens } from '../strategy.js'
import { copyTokens, forgetExpiryInSeconds, tokensProblem } from './assert-tokens.js'
import type { Persistence } from './persistence.js'
import type { TokenState } from './token-state.js'

/** Connects the session to its coordinator, if any; returns what disconnects it. */
export function linkCoordinator<T extends Tokens>(
  coordinator: Coordinator<T> | undefined,
  state: TokenState<T>,
  store: Persistence<T>,
  emit: <K extends keyof SessionEvents>(type: K, event: SessionEvents[K]) => void,
  refreshDeadlineMs: number,
): (() => void) | undefined {
  return coordinator?.attach?.({
    // Tokens another copy stored (or cleared): adopted as if set here, without announcing them back.
    adopt(given) {
      // Another copy's tokens are input like any other: unusable ones are ignored, never sent.
      const next = given === undefined ? undefined : (copyTokens(given) as T)
      if (next !== undefined) forgetExpiryInSeconds(next, state.now())
      if (next !== undefined && tokensProblem(next)) return
      if (state.lifetime.aborted || next?.accessToken === state.tokens?.accessToken) return
      store.adopted(next)
      state.reset(next, next ? state.now() : undefined)
    },
    emit,
    refreshDeadlineMs,
    current: () => (state.isOver() ? undefined : state.tokens),
  })
}
