/**
 * Rolling expiry: 32 requests in flight while access tokens live 500 ms, so a client either
 * refreshes ahead of expiry or meets a 401 every period. The FIB emulator runs in the server
 * process, so what bounds the requests served is the client's own CPU, not the emulator's sharing
 * it. The clients take turns in rounds of a few seconds each, in the order of
 * bench/turn-order.ts, and every turn signs in afresh (a new token family): a slow moment of the machine
 * falls on every client alike instead of on whichever ran then.
 */
import { type ClientFactory, refreshingClients } from './clients.js'
import { gc, progress } from './knobs.js'
import type { ServerProcess } from './server-process.js'
import { cpuSince, median, round } from './statistics.js'
import { turnOrder } from './turn-order.js'

const TTL_MS = 500
const IN_FLIGHT = 32

interface Turn {
  requests: number
  failures: number
  cpuUs: number
  refreshCalls: number
  served401: number
  reuseDetections: number
}

// One client's turn: IN_FLIGHT loops sending for `ms` against a new emulator with 500 ms tokens.
async function turn(server: ServerProcess, factory: ClientFactory, ms: number): Promise<Turn> {
  return server.withEmulator({ accessTtlMs: TTL_MS }, async (emulator) => {
    const send = factory(emulator, await emulator.signIn(), { refreshAheadMs: 100 })
    let requests = 0
    let failures = 0
    gc?.()
    const cpuBefore = process.cpuUsage()
    const end = performance.now() + ms
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (performance.now() < end) {
          requests++
          await send('/api/rolling').catch(() => failures++)
        }
      }),
    )
    const cpuUs = cpuSince(cpuBefore)
    const stats = await emulator.stats()
    return { requests, failures, cpuUs, refreshCalls: stats.refreshCalls, served401: stats.resourceUnauthorized, reuseDetections: stats.reuseDetections }
  })
}

/** Per client: requests served in all its turns, their median per second, and the 401s and refreshes behind them. */
export async function rolling(server: ServerProcess, rounds = 8, turnMs = 2_000) {
  const clients = Object.entries(refreshingClients)
  const turns = new Map<string, Turn[]>(clients.map(([name]) => [name, []]))
  for (let r = 0; r < rounds; r++) {
    for (const index of turnOrder(clients.length, r)) {
      const [name, factory] = clients[index] as [string, ClientFactory]
      turns.get(name)?.push(await turn(server, factory, turnMs))
    }
    progress(`rolling: round ${r + 1} of ${rounds}`)
  }
  return clients.map(([name]) => {
    const mine = turns.get(name) ?? []
    const sum = (key: keyof Turn) => mine.reduce((total, one) => total + one[key], 0)
    const requests = sum('requests')
    return {
      client: name,
      requests,
      requestsPerSecond: round(median(mine.map((one) => (one.requests * 1000) / turnMs))),
      cpuUsPerRequest: round(sum('cpuUs') / Math.max(1, requests)),
      expiryPeriods: Math.ceil((rounds * turnMs) / TTL_MS),
      refreshCalls: sum('refreshCalls'),
      served401: sum('served401'),
      served401Pct: round((100 * sum('served401')) / Math.max(1, requests), 2),
      failures: sum('failures'),
      reuseDetections: sum('reuseDetections'),
    }
  })
}
