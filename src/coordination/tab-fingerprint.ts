/**
 * A short tag for a token (32-bit FNV-1a, base 36), so tabs can say which token a refresh
 * replaces without the token itself crossing a channel that may touch storage. Collisions only
 * matter among the few tokens a tab remembers, and the tag gives nothing of the token away.
 */
export function tabFingerprint(token: string): string {
  let hash = 0x811c9dc5
  for (let i = 0; i < token.length; i++) hash = Math.imul(hash ^ token.charCodeAt(i), 0x01000193)
  return (hash >>> 0).toString(36)
}
