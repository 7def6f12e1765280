import { monotonicNow } from '../monotonic.js'

/** How many fingerprints a tab remembers of each kind of news: the oldest is forgotten first. */
export const REMEMBERED = 32

/** Adds `fingerprint` to `set`, forgetting the oldest past {@link REMEMBERED}. */
export function remember(set: Set<string>, fingerprint: string): void {
  set.add(fingerprint)
  if (set.size > REMEMBERED) set.delete(set.values().next().value as string)
}

/** Notes when `fingerprint` was last heard of in `map`, forgetting the oldest past {@link REMEMBERED}. */
export function rememberWhen(map: Map<string, number>, fingerprint: string): void {
  map.delete(fingerprint) // re-inserted: the newest is the last to be forgotten
  map.set(fingerprint, monotonicNow())
  if (map.size > REMEMBERED) map.delete(map.keys().next().value as string)
}
