/**
 * A caller's key as an error shows it: as it is when it reads as a field name (camelCase or
 * snake_case words, no digit), else by its length. A token used as a key (a map of users
 * spread into the options) is never shown.
 */
export function shownKey(key: string): string {
  return key.length <= 32 && /^[a-z_]+(?:[A-Z][a-z_]+)*[A-Z]{0,4}$/.test(key) ? key : `<a key of ${key.length} characters>`
}
