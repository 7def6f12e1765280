import { defineEventHandlers } from './event-handlers.js'

/** The events an `XMLHttpRequest` fires, each with an `on<type>` handler. */
export const EVENT_TYPES = ['readystatechange', 'loadstart', 'progress', 'abort', 'error', 'load', 'timeout', 'loadend'] as const

const STATES = { UNSENT: 0, OPENED: 1, HEADERS_RECEIVED: 2, LOADING: 3, DONE: 4 } as const

/**
 * Gives a look-alike class what a native `XMLHttpRequest` has besides its methods and getters: the
 * state constants (on the class and its prototype), the `on<type>` handlers, the tag
 * `Object.prototype.toString` and loggers name it by, and `instanceof` for the native class's objects.
 */
export function dressAsNative(made: { prototype: EventTarget; native: unknown }): void {
  const { prototype } = made
  // Objects of the native class (made before installing) pass `instanceof` the look-alike too.
  Object.defineProperty(made, Symbol.hasInstance, {
    value(this: { native: unknown }, value: unknown): boolean {
      return Function.prototype[Symbol.hasInstance].call(this, value) || (typeof this.native === 'function' && value instanceof this.native)
    },
  })
  for (const [name, value] of Object.entries(STATES)) {
    for (const holder of [made, prototype]) Object.defineProperty(holder, name, { value, enumerable: true })
  }
  defineEventHandlers(prototype, EVENT_TYPES)
  Object.defineProperty(prototype, Symbol.toStringTag, { value: 'XMLHttpRequest', configurable: true })
}
