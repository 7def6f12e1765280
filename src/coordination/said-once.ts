/** Reports that are said once each (by message), and held until they can be said. */
export interface SaidOnce {
  /** Says `error` now if it can be said, else holds it; a message said or held already is dropped. */
  report(error: Error): void
  /** Says what was held, now that it can be. */
  flush(): void
}

/** `say` runs for each message once, when `canSay()` allows (a listener may not be there yet). */
export function saidOnce(canSay: () => boolean, say: (error: Error) => void): SaidOnce {
  const said = new Set<string>()
  const held: Error[] = []
  const report = (error: Error): void => {
    if (said.has(error.message) || held.some((told) => told.message === error.message)) return
    if (!canSay()) held.push(error)
    else {
      said.add(error.message)
      say(error)
    }
  }
  return { report, flush: () => held.splice(0).forEach(report) }
}
