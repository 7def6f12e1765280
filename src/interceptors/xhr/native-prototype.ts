import { defineEventHandlers } from './event-handlers.js'

/** The events an `XMLHttpRequest` fires, each with an `on<type>` handler. */
export const EVENT_TYPES = ['readystatechange', 'loadstart', 'progress', 'abort', 'error', 'load', 'timeout', 'loadend'] as const

const STATES = { UNSENT: 0, OPENED: 1, HEADERS_RECEIVED: 2, LOADING: 3, DONE: 4 } as const

/**
 * Gives a look-alike's prototype what a native `XMLHttpRequest.prototype` has besides its methods
 * and getters: the state constants, the `on<type>` handlers, and the tag `Object.prototype.toString`
 * and loggers name it by.
 */
export function dressAsNative(prototype: EventTarget): void {
  for (const [name, value] of Object.entries(STATES)) Object.defineProperty(prototype, name, { value, enumerable: true })
  defineEventHandlers(prototype, EVENT_TYPES)
  Object.defineProperty(prototype, Symbol.toStringTag, { value: 'XMLHttpRequest', configurable: true })
}
