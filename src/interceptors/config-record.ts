/** A per-request value kept on axios's config for the response of that request to find. */
export interface ConfigRecord<V> {
  set(config: object, value: V | undefined): void
  get(config: object): V | undefined
}

const headersOf = (config: object): object | undefined => {
  const { headers } = config as { headers?: unknown }
  return typeof headers === 'object' && headers !== null ? headers : undefined
}

/**
 * Keeps a value on axios's own config (axios merges a new one per request: never the caller's
 * object) under an enumerable symbol, so a request interceptor that returns a copy
 * (`{ ...config }`) carries it to the response; a WeakMap keyed by the config lost it there.
 * A copy made from string keys only (a `for…in` loop, `Object.entries`) leaves the symbol behind
 * but shares the config's headers object (new per request): the value is found by that too.
 * A symbol stays out of `Object.keys`, JSON and axios's own option checks; the value is held in a
 * closure, so inspecting or logging a config (an error's `config`) shows a function, never what
 * it holds (a send's token).
 */
export function configRecord<V>(description: string): ConfigRecord<V> {
  const key = Symbol(description)
  const byHeaders = new WeakMap<object, () => V>()
  return {
    set: (config, value) => {
      const held = value === undefined ? undefined : () => value
      // Reflect.set: a config an interceptor froze (axios sends a copy of it) is left without a record, not failed.
      Reflect.set(config, key, held)
      const headers = headersOf(config)
      if (headers && held) byHeaders.set(headers, held)
      else if (headers) byHeaders.delete(headers)
    },
    // A config with the key (even `undefined`: no record) is its own word; one without is a copy.
    get: (config) => {
      if (key in config) return (config as Record<symbol, (() => V) | undefined>)[key]?.()
      const headers = headersOf(config)
      return headers && byHeaders.get(headers)?.()
    },
  }
}
