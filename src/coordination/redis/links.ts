import { type CoordinatorLink, coordinatedRunMs } from '../../coordinator.js'
import type { Tokens } from '../../strategy.js'
import { redisOutage } from './redis-failure.js'

// Used until a session attaches and says its own deadline.
const DEFAULT_DEADLINE_MS = 10_000

/** The sessions a coordinator serves, and what it tells them. */
export interface Links<T extends Tokens> {
  add(link: CoordinatorLink<T>): void
  delete(link: CoordinatorLink<T>): void
  /** True once every attached session has detached (destroyed): nobody is left to refresh for. */
  readonly abandoned: boolean
  /** The longest refresh deadline of the attached sessions (ms): each releases its own callers at its own. */
  deadlineMs(): number
  /** The longest a coordinated refresh of any attached session may run (ms, {@link coordinatedRunMs}). */
  workMs(): number
  /** Emits `coordinationDegraded` once per outage (the error stripped of what Redis quoted). */
  degraded(error: unknown): void
  /** Emits `coordinationRestored` if an outage was reported. */
  restored(): void
}

/**
 * Creates the registry of a coordinator's sessions.
 *
 * @example
 * const links = createLinks<Tokens>(); links.add(link); links.deadlineMs()
 */
export function createLinks<T extends Tokens>(): Links<T> {
  const links = new Set<CoordinatorLink<T>>()
  let attached = false
  let outage = false
  const deadlineMs = (): number => (links.size ? Math.max(...[...links].map((link) => link.refreshDeadlineMs)) : DEFAULT_DEADLINE_MS)
  return {
    add(link) {
      links.add(link)
      attached = true
    },
    delete: (link) => void links.delete(link),
    get abandoned() {
      return attached && links.size === 0
    },
    deadlineMs,
    workMs: () => coordinatedRunMs(deadlineMs()),
    degraded(error) {
      if (!outage) for (const link of links) link.emit('coordinationDegraded', { error: redisOutage(error) })
      outage = true
    },
    restored() {
      if (outage) for (const link of links) link.emit('coordinationRestored', {})
      outage = false
    },
  }
}
