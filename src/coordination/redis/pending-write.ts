import { timerDelay } from '../../timer-delay.js'
import type { Tokens } from '../../strategy.js'

/** What a write may replace: `null` only an empty key, 'any' whatever is there; `owner` a refresh's lock. */
export interface Expected {
  value: string | null | 'any'
  owner?: string | undefined
}

/** Resolves after `ms` without keeping a Node process alive: a write-back alone does not. */
export const idle = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, timerDelay(ms)) as { unref?: () => void }
    timer.unref?.()
  })

// A write Redis did not take, and the value it was to replace (a late write-back never buries
// newer tokens): tried again every `retryMs` until Redis answers.
export function pendingWrite<T extends Tokens>(write: (expected: Expected, tokens: T) => Promise<boolean>, retryMs: number, writtenBack: () => void) {
  let pending: { tokens: T; expected: Expected } | undefined
  let retrying: Promise<void> | undefined
  const later = {
    get tokens() {
      return pending?.tokens
    },
    keep(tokens: T, expected: Expected): void {
      pending = { tokens, expected }
      void later.written()
    },
    clear(): void {
      pending = undefined
    },
    async flush(): Promise<void> {
      const held = pending
      if (!held) return
      // Finding other tokens, it yields: they were written since.
      if (await write(held.expected, held.tokens)) writtenBack()
      if (pending === held) pending = undefined
    },
    written(): Promise<void> {
      retrying ??= (async () => {
        while (pending) {
          await idle(retryMs)
          await later.flush().catch(() => {})
        }
        retrying = undefined
      })()
      return retrying
    },
  }
  return later
}
