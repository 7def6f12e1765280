/** A per-request value kept on axios's config for the response of that request to find. */
export interface ConfigRecord<V> {
  set(config: object, value: V | undefined): void
  get(config: object): V | undefined
}

// An object field of the config a string-key copy shares with it: the headers (new per request) and
// the per-request options (tokenflight makes them new per send).
const shared = (config: object, field: 'headers' | 'tokenflight'): object | undefined => {
  const value: unknown = (config as Record<string, unknown>)[field]
  return typeof value === 'object' && value !== null ? value : undefined
}

/**
 * Keeps a value on axios's own config (axios merges a new one per request: never the caller's
 * object) under an enumerable symbol, so a request interceptor that returns a copy
 * (`{ ...config }`) carries it to the response; a WeakMap keyed by the config lost it there.
 * A copy made from string keys only (a `for…in` loop, `Object.entries`, Ramda's `assocPath`)
 * leaves the symbol behind but shares the config's headers or `tokenflight` object: the value is
 * found by either. A symbol stays out of `Object.keys`, JSON and axios's own option checks; the
 * value is held in a closure, so inspecting or logging a config (an error's `config`) shows a
 * function, never what it holds (a send's token).
 */
export function configRecord<V>(description: string): ConfigRecord<V> {
  const key = Symbol(description)
  const byShared = new WeakMap<object, () => V>()
  const keep = (anchor: object | undefined, held: (() => V) | undefined) => {
    if (anchor && held) byShared.set(anchor, held)
    else if (anchor) byShared.delete(anchor)
  }
  return {
    set: (config, value) => {
      const held = value === undefined ? undefined : () => value
      // Reflect.set: a config an interceptor froze (axios sends a copy of it) is left without a record, not failed.
      Reflect.set(config, key, held)
      keep(shared(config, 'headers'), held)
      keep(shared(config, 'tokenflight'), held)
    },
    // A config with the key (even `undefined`: no record) is its own word; one without is a copy.
    get: (config) => {
      if (key in config) return (config as Record<symbol, (() => V) | undefined>)[key]?.()
      const headers = shared(config, 'headers')
      const options = shared(config, 'tokenflight')
      return ((headers && byShared.get(headers)) || (options && byShared.get(options)))?.()
    },
  }
}
