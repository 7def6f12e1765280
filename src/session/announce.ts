import { withTimeout } from '../abort.js'
import type { Coordinator } from '../coordinator.js'
import { safeError } from '../errors/safe-words.js'
import type { Tokens } from '../strategy.js'

/**
 * Tells the other copies of `tokens` (`undefined`: signed out) through the coordinator, within
 * `ms`: a coordinator that never settles holds no caller, and one that fails is shown by its safe
 * words only (its error may quote the tokens it was given).
 */
export function announce<T extends Tokens>(coordinator: Coordinator<T> | undefined, tokens: T | undefined, ms: number): Promise<void> {
  if (!coordinator?.announce) return Promise.resolve()
  const told = new Promise<void>((resolve) => resolve(coordinator.announce?.(tokens) as undefined)).catch((error: unknown) => {
    throw safeError("The coordinator's announce() failed", error)
  })
  return withTimeout(told, ms, () => safeError(`The coordinator's announce() did not settle within ${ms} ms`, undefined))
}
