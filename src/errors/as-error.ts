/** `value` if it is an `Error`, else an `Error` whose message is `String(value)`: what callers throw may be anything. */
export const asError = (value: unknown): Error => (value instanceof Error ? value : new Error(String(value)))
