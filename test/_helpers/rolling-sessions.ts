import { createSession } from '../../src/index.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { type RedisClient, redisCoordination } from '../../src/redis.js'
import { fib } from '../../src/strategies/index.js'
import { startEmulator } from '../../src/testing/index.js'

/** What a rolling run saw: requests, failures, and the provider's refresh and reuse counts. */
export interface RollingRun {
  requests: number
  failed: number
  refreshCalls: number
  expiryPeriods: number
  reuseDetections: number
  errors: string[]
}

/**
 * Several sessions in this process, each through its own Redis connection (`clients`), sharing
 * one rotating FIB refresh token under `key` while access tokens live `ttlMs`: `inFlight`
 * requests per session for `durationMs`. The stand-in for a fleet of processes where forking
 * one per client would cost more CPU than the assertion needs. Tokens live 1 s by default: the
 * emulator shares this process's event loop with every session, and on a loaded machine a
 * replay of a 500 ms token expired on the way (the fleet test keeps 500 ms, its servers niced apart).
 */
export async function rollingSessions(options: {
  clients: RedisClient[]
  key: string
  durationMs: number
  ttlMs?: number
  inFlight?: number
}): Promise<RollingRun> {
  const ttlMs = options.ttlMs ?? 1_000
  const inFlight = options.inFlight ?? 8
  const emulator = await startEmulator({ provider: 'fib', accessTtlMs: ttlMs, rotateRefreshTokens: true, reuseDetection: true })
  const tokens = emulator.signIn()
  const sessions = options.clients.map((client) =>
    createSession({ strategy: fib({ baseURL: emulator.url }), tokens, refreshTimeoutMs: 2_000, ...redisCoordination({ client, key: options.key, lockTtlMs: 5_000 }) }),
  )
  const counts = { requests: 0, failed: 0, errors: [] as string[] }
  const began = Date.now()
  const deadline = began + options.durationMs
  async function lane(send: typeof fetch, name: string): Promise<void> {
    for (let i = 0; Date.now() < deadline; i++) {
      counts.requests++
      const outcome = await send(emulator.resourceUrl(`/api/${name}/${i}`)).then((res) => (res.ok ? '' : `HTTP ${res.status}`), String)
      if (outcome) {
        counts.failed++
        if (counts.errors.length < 3) counts.errors.push(outcome)
      }
    }
  }
  try {
    await Promise.all(
      sessions.flatMap((session, s) => {
        const send = wrapFetch(fetch, session, { origins: [emulator.url] })
        return Array.from({ length: inFlight }, (_, l) => lane(send, `s${s}-l${l}`))
      }),
    )
    const expiryPeriods = Math.ceil((Date.now() - began) / ttlMs)
    await Promise.all(sessions.map((session) => session.destroy()))
    const { refreshCalls, reuseDetections } = emulator.stats
    return { ...counts, refreshCalls, expiryPeriods, reuseDetections }
  } finally {
    await emulator.stop()
  }
}
