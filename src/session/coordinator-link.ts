import { sameCredentials } from '../same-credentials.js'
import type { Coordinator } from '../coordinator.js'
import type { SessionEvents } from '../session-events.js'
import type { Tokens } from '../strategy.js'
import { foreignTokens } from './assert-tokens.js'
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
  const detach: unknown = coordinator?.attach?.({
    // Tokens another copy stored (or cleared): adopted as if set here, without announcing them back.
    adopt(given) {
      // Another copy's tokens are input like any other: unusable ones are ignored, never sent.
      const read = given === undefined ? undefined : foreignTokens(given, state.clock())
      if (read?.problem) return
      const next = read?.tokens as T | undefined
      if (state.lifetime.aborted || sameCredentials(next, state.tokens)) return
      store.adopted(next)
      state.reset(next, next ? state.clock() : undefined)
      state.fromCopy = state.epoch
    },
    emit,
    refreshDeadlineMs,
    current: () => (state.isOver() ? undefined : state.tokens),
  })
  // A coordinator that cannot let go (an async `attach`, a detach that throws) keeps no session from ending.
  return typeof detach === 'function'
    ? () => {
        try {
          detach()
        } catch {}
      }
    : undefined
}
