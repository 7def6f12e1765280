import type { Event } from './world.js'

type Of<K extends Event['kind']> = Extract<Event, { kind: K }>
const only = <K extends Event['kind']>(log: Event[], kind: K): Array<Of<K>> => log.filter((e): e is Of<K> => e.kind === kind)

/**
 * The guarantees of design.md checked on one run's log. Returns the broken ones, each with the
 * log lines that break it, so a shrunk counter-example reads as a story.
 */
export function brokenInvariants(log: Event[], unsettled: number[]): string[] {
  const broken: string[] = only(log, 'violation').map((v) => `#${v.seq} ${v.what}`)
  const sends = only(log, 'send')
  const answers = only(log, 'answer')

  // 1 and 2: a refresh of token X is only ever started after a request sent with X was refused.
  for (const start of only(log, 'refresh-start')) {
    const justified = answers.some((a) => a.seq < start.seq && a.status === 401 && a.token === start.current)
    if (!justified) broken.push(`#${start.seq} refreshed ${start.current} although no request sent with it was refused`)
  }

  // 3: each request is sent at most twice (once, plus at most one replay).
  const counts = new Map<number, number>()
  for (const send of sends) counts.set(send.id, (counts.get(send.id) ?? 0) + 1)
  for (const [id, count] of counts) if (count > 2) broken.push(`request ${id} was sent ${count} times`)

  // 4: every request settles (resolve or reject; a promise cannot do both).
  for (const id of unsettled) broken.push(`request ${id} never settled`)

  // 5: a request made after a successful refresh is never sent with the token it replaced.
  const calls = new Map(only(log, 'call').map((c) => [c.id, c.seq]))
  for (const refreshed of only(log, 'refreshed')) {
    for (const send of sends) {
      const calledAt = calls.get(send.id) ?? -1
      if (calledAt > refreshed.seq && send.token === refreshed.from) {
        broken.push(`#${send.seq} request ${send.id}, made after #${refreshed.seq} replaced ${refreshed.from}, was sent with it`)
      }
    }
  }

  // 6: after a terminal failure, nothing made afterwards goes out with the dead token.
  for (const expired of only(log, 'expired')) {
    if (expired.dead === undefined) continue
    for (const send of sends) {
      const calledAt = calls.get(send.id) ?? -1
      if (calledAt > expired.seq && send.token === expired.dead) {
        broken.push(`#${send.seq} request ${send.id}, made after the session expired at #${expired.seq}, was sent with the dead token`)
      }
    }
  }
  return broken
}

/** The log as lines, for a counter-example. */
export const story = (log: Event[]): string =>
  log.map(({ seq, kind, ...rest }) => `#${seq} ${kind} ${Object.entries(rest).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`).join('\n')
