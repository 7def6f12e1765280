import { usableHeaders } from '../../usable-headers.js'

/**
 * An XHR's request headers where the platform has no `Headers` (a page without fetch): the part
 * of `Headers` tokenflight and an `authorize` use. Names in any case; `append` joins a
 * repeated name with ", ", as `setRequestHeader` does.
 */
class HeaderList {
  readonly #values = new Map<string, string>()
  append(name: string, value: string): void {
    const had = this.#values.get(name.toLowerCase())
    this.#values.set(name.toLowerCase(), had === undefined ? value : `${had}, ${value}`)
  }
  set(name: string, value: string): void {
    this.#values.set(name.toLowerCase(), value)
  }
  get(name: string): string | null {
    return this.#values.get(name.toLowerCase()) ?? null
  }
  has(name: string): boolean {
    return this.#values.has(name.toLowerCase())
  }
  delete(name: string): void {
    this.#values.delete(name.toLowerCase())
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.#values.entries()
  }
}

/** A new `Headers` holding `from`'s, or, where the platform has none we can use, a {@link HeaderList}. */
export function newHeaders(from?: Iterable<[string, string]>): Headers {
  if (usableHeaders()) return new Headers(from as HeadersInit | undefined)
  const list = new HeaderList()
  for (const [name, value] of from ?? []) list.append(name, value)
  return list as unknown as Headers
}
