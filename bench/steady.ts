/**
 * Steady state: a valid token, the FIB emulator in the server process, so the CPU measured here
 * is the client's alone. In each mode (1 request in flight, then 16) every client first warms up
 * (JIT, connections), then the clients take turns sending a batch, round after round, in the order of
 * bench/turn-order.ts. Per client: the median over rounds of client CPU µs and wall
 * µs per request, and the median over rounds of each as a ratio to the same round's batch of the
 * bare client of its kind (`bareOf`).
 */
import {
  axiosAuthRefresh,
  axiosAuthRefreshNoDedupe,
  bareAxios,
  bareFetch,
  bareOf,
  type ClientFactory,
  compatAuthRefresh,
  handWritten,
  type Send,
  tokenflightAxios,
  tokenflightFetch,
} from './clients.js'
import { gc, progress, scaled } from './knobs.js'
import type { ServerProcess } from './server-process.js'
import { cpuSince, median, round } from './statistics.js'
import { turnOrder } from './turn-order.js'

// A second copy of each bare client, measured against the first like any other: how far two
// identical clients differ in the same run, the floor under every other ratio.
const clients: Record<string, ClientFactory> = {
  'bare axios': bareAxios,
  'bare fetch': bareFetch,
  'bare axios, again': bareAxios,
  'bare fetch, again': bareFetch,
  'tokenflight (axios)': tokenflightAxios,
  'tokenflight (fetch)': tokenflightFetch,
  'tokenflight compat (axios-auth-refresh API)': compatAuthRefresh,
  'axios-auth-refresh 5': axiosAuthRefresh,
  'axios-auth-refresh 5, deduplicateRefresh: false': axiosAuthRefreshNoDedupe,
  'hand-written failedQueue': handWritten,
}

/** The two modes, by requests in flight. */
export const steadyModes = { sequential: 1, concurrent: 16 } as const

// One client's batch: `count` requests, `inFlight` at a time; CPU and wall µs per request.
async function batch(send: Send, count: number, inFlight: number): Promise<{ cpuUs: number; wallUs: number }> {
  gc?.() // the previous client's garbage is not this one's to collect
  const cpuBefore = process.cpuUsage()
  const began = performance.now()
  let next = 0
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < count) await send('/api/steady')
    }),
  )
  return { cpuUs: cpuSince(cpuBefore) / count, wallUs: ((performance.now() - began) * 1000) / count }
}

export async function steady(server: ServerProcess, inFlight: number, rounds = 20, perRound = scaled(400)) {
  return server.withEmulator({ accessTtlMs: 3_600_000 }, async (emulator) => {
    // One sign-in per client (its own token family); tokens live an hour: nothing refreshes here.
    const senders: Array<[string, Send]> = []
    for (const [name, factory] of Object.entries(clients)) senders.push([name, factory(emulator, await emulator.signIn())])
    for (const [, send] of senders) await batch(send, perRound, inFlight)
    const cpu = new Map<string, number[]>(senders.map(([name]) => [name, []]))
    const wall = new Map<string, number[]>(senders.map(([name]) => [name, []]))
    for (let r = 0; r < rounds; r++) {
      for (const index of turnOrder(senders.length, r)) {
        const [name, send] = senders[index] as [string, Send]
        const measured = await batch(send, perRound, inFlight)
        cpu.get(name)?.push(measured.cpuUs)
        wall.get(name)?.push(measured.wallUs)
      }
      progress(`steady, ${inFlight} in flight: round ${r + 1} of ${rounds}`)
    }
    const cpuOf = (name: string) => median(cpu.get(name) ?? [])
    const wallOf = (name: string) => median(wall.get(name) ?? [])
    // Each round's ratio to the bare client's batch of the same round, then the median: the
    // machine's drift between rounds (a third between runs here) cancels out of each pair.
    const paired = (of: Map<string, number[]>, name: string) => {
      const bare = of.get(bareOf(name)) ?? []
      return median((of.get(name) ?? []).map((value, r) => value / (bare[r] ?? Number.NaN)))
    }
    return senders.map(([name]) => ({
      client: name,
      cpuUsPerRequest: round(cpuOf(name)),
      vsBare: round(paired(cpu, name), 3),
      wallUsPerRequest: round(wallOf(name)),
      wallVsBare: round(paired(wall, name), 2),
    }))
  })
}
