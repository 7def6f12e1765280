/** A per-request value kept on axios's config for the response of that request to find. */
export interface ConfigRecord<V> {
  set(config: object, value: V | undefined): void
  get(config: object): V | undefined
}

/**
 * Keeps a value on axios's own config (axios merges a new one per request: never the caller's
 * object) under an enumerable symbol, so a request interceptor that returns a copy
 * (`{ ...config }`) carries it to the response; a WeakMap keyed by the config lost it there.
 * A symbol stays out of `Object.keys`, JSON and axios's own option checks; the value is held in a
 * closure, so inspecting or logging a config (an error's `config`) shows a function, never what
 * it holds (a send's token).
 */
export function configRecord<V>(description: string): ConfigRecord<V> {
  const key = Symbol(description)
  return {
    // Reflect.set: a config an interceptor froze (axios sends a copy of it) is left without a record, not failed.
    set: (config, value) => void Reflect.set(config, key, value === undefined ? undefined : () => value),
    get: (config) => (config as Record<symbol, (() => V) | undefined>)[key]?.(),
  }
}
