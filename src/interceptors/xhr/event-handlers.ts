type Handler = ((this: unknown, event: Event) => unknown) | null
type Slot = { handler: Handler; listener: (event: Event) => void }

// The `on<type>` handlers set on each object, with the listener that calls each.
const slots = /* @__PURE__ */ new WeakMap<EventTarget, Map<string, Slot>>()

function setHandler(target: EventTarget, type: string, value: unknown): void {
  let handlers = slots.get(target)
  if (!handlers) {
    handlers = new Map<string, Slot>()
    slots.set(target, handlers)
  }
  const slot = handlers.get(type)
  // Stored as the platform stores it: any object (called only if it is a function); anything else is null.
  if (typeof value !== 'function' && (typeof value !== 'object' || value === null)) {
    if (slot) target.removeEventListener(type, slot.listener)
    handlers.delete(type)
  } else if (slot) {
    slot.handler = value as Handler
  } else {
    const added: Slot = { handler: value as Handler, listener: (event) => typeof added.handler === 'function' && added.handler.call(target, event) }
    handlers.set(type, added)
    target.addEventListener(type, added.listener)
  }
}

/**
 * Defines `on<type>` accessors on an EventTarget's prototype, kept as a native one keeps them:
 * the handler's listener takes its place among the others when the first handler is set, a
 * replacement keeps that place, and null (or any value not an object) takes it out. So listeners
 * added before it run first, and `stopImmediatePropagation()` stops it.
 */
export function defineEventHandlers(prototype: EventTarget, types: readonly string[]): void {
  for (const type of types) {
    Object.defineProperty(prototype, `on${type}`, {
      get(this: EventTarget) {
        return slots.get(this)?.get(type)?.handler ?? null
      },
      set(this: EventTarget, value: unknown) {
        setHandler(this, type, value)
      },
      enumerable: true,
      configurable: true,
    })
  }
}
