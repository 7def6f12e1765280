import type Redis from 'ioredis'
import { RefreshError, type Session, type Tokens } from '../../src/index.js'
import type { RedisClient } from '../../src/redis.js'
import { internalsOf } from '../../src/session/internals.js'
import { countingStrategy } from './counting-strategy.js'

/** What an interceptor asks before a send: the tokens to send with. */
export const tokensForSend = (session: Session<Tokens>): Promise<Tokens | undefined> => port(session).tokensForSend()
/** What an interceptor asks after a refusal of a send that carried `sentWith`. */
export const afterRefusal = (session: Session<Tokens>, sentWith: string): Promise<Tokens | undefined> => port(session).afterRefusal(sentWith)

function port(session: Session<Tokens>) {
  const internals = internalsOf<Tokens>(session)
  if (!internals) throw new Error('not a session made by createSession')
  return internals
}

/** A provider that rotates refresh tokens and detects reuse, as FIB does; `hold` delays a call. */
export function rotatingProvider(hold?: (call: number, signal: AbortSignal) => Promise<void> | undefined) {
  const state = { live: 'r0', reuse: 0 }
  const strategy = countingStrategy(async (call, current, { signal }) => {
    await hold?.(call, signal)
    if (current.refreshToken !== state.live) {
      state.reuse++
      throw new RefreshError('refresh token reused', { transient: false, status: 401, tokensRefused: true })
    }
    state.live = `r${call}`
    return { accessToken: `token-${call}`, refreshToken: state.live }
  })
  return { strategy, reuses: () => state.reuse }
}

/** `real`, with some commands replaced (to fail on cue, to count). */
export const faulty = (real: Redis, overrides: Partial<RedisClient>): RedisClient => ({
  get: (k) => real.get(k),
  set: (...args: [string, string]) => real.set(...args),
  del: (k) => real.del(k),
  publish: (c, m) => real.publish(c, m),
  duplicate: () => real.duplicate(),
  eval: (script, count, ...rest) => real.eval(script, count, ...rest),
  wait: (replicas, ms) => real.wait(replicas, ms),
  ...overrides,
})

/** Polls until `check` holds (or 2 s pass), for effects that travel through pub/sub. */
export async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 10))
}
