import { assertFunction, invalidArgument } from '../invalid-argument.js'
import { reportError } from './report-error.js'
import { hasOwn } from '../has-own.js'

type Listener<E> = (event: E) => void

/** An event emitter whose listeners observe only: one that throws is reported, never propagated. */
export interface IsolatedEmitter<Events extends Record<string, unknown>> {
  /** Adds a listener; returns a function that removes it (once: a second call removes nothing). */
  on<K extends keyof Events>(type: K, handler: Listener<Events[K]>): () => void
  /** Removes one listener, or every listener of `type`. */
  off<K extends keyof Events>(type: K, handler?: Listener<Events[K]>): void
  /** Calls each listener in turn; a throwing one is reported and the next still runs. */
  emit<K extends keyof Events>(type: K, event: Events[K]): void
  /** Removes every listener. */
  clear(): void
}

/**
 * Creates an {@link IsolatedEmitter} of the `known` event types: a map of listener lists, smaller
 * than any dependency. `on` and `off` check their arguments: a listener that is not a function would
 * otherwise fail only when its event comes, far from the mistake.
 */
export function isolatedEmitter<Events extends Record<string, unknown>>(known: Record<keyof Events, true>): IsolatedEmitter<Events> {
  // Lists are replaced, never mutated: a listener removing itself (or another) while an event is
  // emitted must not make the loop skip one.
  const all = new Map<keyof Events, ReadonlyArray<Listener<never>>>()
  // A misspelt type would otherwise subscribe to nothing, or leave its listener subscribed.
  const assertKnown = (type: unknown) => {
    if (typeof type !== 'string' || !hasOwn(known, type)) throw invalidArgument('event type', `one of ${Object.keys(known).join(', ')}`, type)
  }
  const remove = (type: keyof Events, handler: Listener<never> | undefined) => {
    const list = all.get(type) ?? []
    const at = handler ? list.indexOf(handler) : -1 // the first one only, as added
    all.set(type, handler ? list.filter((_, i) => i !== at) : [])
  }
  return {
    on(type, handler) {
      assertKnown(type)
      assertFunction('listener', handler)
      all.set(type, [...(all.get(type) ?? []), handler])
      let subscribed = true
      return () => {
        if (subscribed) remove(type, handler)
        subscribed = false
      }
    },
    off(type, handler) {
      assertKnown(type)
      if (handler !== undefined) assertFunction('listener', handler)
      remove(type, handler)
    },
    emit(type, event) {
      for (const handler of (all.get(type) ?? []) as ReadonlyArray<Listener<typeof event>>) {
        try {
          handler(event)
        } catch (error) {
          reportError(error)
        }
      }
    },
    clear: () => all.clear(),
  }
}
