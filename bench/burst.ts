/**
 * Bursts: N concurrent requests whose token the server no longer accepts, so each is refused with
 * a 401, then (done right) one refresh and N replays. The server runs in the server process: the
 * client CPU of the whole burst is measured here alone.
 *
 * - `expired`: the client holds the sign-in's tokens with their `expiresAt` (60 s away) when the
 *   server expires them early.
 * - `revoked`: the client holds an opaque access token and no `expiresAt`: it cannot know the
 *   expiry, so a 401 is the first it hears of it (a revocation, or a lifetime it was never told).
 */
import type { FibTokens } from '../src/strategies/index.js'
import type { ClientFactory } from './clients.js'
import { gc, progress } from './knobs.js'
import type { ServerProcess } from './server-process.js'
import { cpuSince, quantile, round } from './statistics.js'

export type BurstKind = 'expired' | 'revoked'

// A burst that fails requests says why on the bench's log: the table only counts them.
function reportFailures(name: string, n: number, kind: BurstKind, results: PromiseSettledResult<unknown>[]): void {
  const reasons = new Map<string, number>()
  for (const result of results) {
    if (result.status === 'fulfilled') continue
    const error = result.reason as { name?: string; message?: string; cause?: { code?: string; message?: string } } | undefined
    const reason = `${error?.name}: ${error?.message}${error?.cause ? ` (${error.cause.code ?? error.cause.message})` : ''}`
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1)
  }
  if (reasons.size > 0) progress(`${kind} burst ${n}, ${name}: failures ${JSON.stringify(Object.fromEntries(reasons))}`)
}

export async function burst(server: ServerProcess, name: string, factory: ClientFactory, n: number, kind: BurstKind) {
  return server.withEmulator({ opaqueAccessTokens: kind === 'revoked' }, async (emulator) => {
    const signedIn = await emulator.signIn()
    const tokens: FibTokens = kind === 'revoked' ? { accessToken: signedIn.accessToken, refreshToken: signedIn.refreshToken } : signedIn
    const send = factory(emulator, tokens)
    await emulator.expireAccessTokens()
    gc?.()
    const cpuBefore = process.cpuUsage()
    const began = performance.now()
    const latencies: number[] = []
    const results = await Promise.allSettled(
      Array.from({ length: n }, (_, i) => {
        const start = performance.now()
        return send(`/api/burst/${i}`).finally(() => latencies.push(performance.now() - start))
      }),
    )
    const wall = performance.now() - began
    const cpuUs = cpuSince(cpuBefore)
    const stats = await emulator.stats()
    latencies.sort((a, b) => a - b)
    reportFailures(name, n, kind, results)
    return {
      client: name,
      requests: n,
      served401: stats.resourceUnauthorized,
      refreshCalls: stats.refreshCalls,
      failures: results.filter((r) => r.status === 'rejected').length,
      reuseDetections: stats.reuseDetections,
      p50Ms: round(quantile(latencies, 0.5)),
      p99Ms: round(quantile(latencies, 0.99)),
      wallMs: Math.round(wall),
      cpuMs: Math.round(cpuUs / 1000),
      wallUsPerRequest: round((wall * 1000) / n),
      cpuUsPerRequest: round(cpuUs / n),
    }
  })
}
