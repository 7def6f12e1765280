import mitt, { type Handler } from 'mitt'
import { reportError } from './report-error.js'

/** An event emitter whose listeners observe only: one that throws is reported, never propagated. */
export interface IsolatedEmitter<Events extends Record<string, unknown>> {
  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(type: K, handler: Handler<Events[K]>): () => void
  /** Removes one listener, or every listener of `type`. */
  off<K extends keyof Events>(type: K, handler?: Handler<Events[K]>): void
  /** Calls each listener in turn; a throwing one is reported and the next still runs. */
  emit<K extends keyof Events>(type: K, event: Events[K]): void
  /** Removes every listener. */
  clear(): void
}

/** Creates an {@link IsolatedEmitter} (mitt underneath, for its size). */
export function isolatedEmitter<Events extends Record<string, unknown>>(): IsolatedEmitter<Events> {
  const emitter = mitt<Events>()
  return {
    on(type, handler) {
      emitter.on(type, handler)
      return () => emitter.off(type, handler)
    },
    off: emitter.off,
    emit(type, event) {
      // A copy: a listener removing itself (or another) must not make the loop skip one.
      for (const handler of [...(emitter.all.get(type) ?? [])] as Array<Handler<Events[typeof type]>>) {
        try {
          handler(event)
        } catch (error) {
          reportError(error)
        }
      }
    },
    clear: () => emitter.all.clear(),
  }
}
