/**
 * Lets go of a body left unread, a web stream (cancelled) or a Node stream (destroyed): unread it
 * holds its connection, which a replay may need. Never throws: a look-alike stream's methods may.
 * Used for a refused response's body (fetch, or axios's `responseType: 'stream'`), a redirect's,
 * and a refresh answer's that is not read.
 */
export function discardBody(body: unknown): void {
  try {
    const stream = body as { cancel?: () => Promise<void>; destroy?: () => void } | null | undefined
    if (typeof stream?.cancel === 'function') stream.cancel().catch(() => {})
    else stream?.destroy?.()
  } catch {}
}
