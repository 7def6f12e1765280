import type { Tokens } from '../strategy.js'
import type { Persistence } from './persistence.js'
import type { TokenState } from './token-state.js'
import { whenSettled } from '../when-settled.js'

/**
 * Sets the session's first tokens: the initial ones, or with a store what it holds (read once,
 * lazily; callers wait on `state.loading`). A store that fails or holds nothing yields the
 * initial tokens; one that holds nothing is seeded with them (by `seed`, a coordinator's own
 * only-if-empty write where it has one).
 */
export function loadFirstTokens<T extends Tokens>(
  state: TokenState<T>,
  store: Persistence<T> | undefined,
  initial: T | undefined,
  seed: (tokens: T) => Promise<void> = (tokens) => (store as Persistence<T>).write(tokens),
): void {
  if (!store) {
    state.adopt(initial)
    return
  }
  const load = async (): Promise<void> => {
    const read = await store.read()
    if (state.epoch !== 0) return // set or cleared meanwhile: that wins
    if (read.tokens) return state.adopt(read.tokens)
    state.adopt(initial)
    // Seeded only into a store known to be empty: one that failed may hold rotated tokens.
    if (read.ok && initial) seed(initial).catch(() => {})
  }
  // Waited on until read, or until a sign-in or sign-out decides the tokens first.
  let forget = (): void => {}
  const decided = new Promise<void>((resolve) => {
    forget = state.onNextReset(resolve)
  })
  const read = whenSettled(load(), () => {
    forget()
    state.loading = undefined
  })
  state.loading = Promise.race([read, decided])
}
