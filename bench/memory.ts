/**
 * Memory, with the server in the server process so its heap is not counted: heap per request
 * waiting on a refresh (the refresh hangs while N requests wait), and, as the baseline, the bare
 * clients' heap per pending request (the server holds N requests unanswered). Each is the heap
 * after a full GC, less the heap before the requests, per request.
 */
import { bareAxios, bareFetch, bareOf, type ClientFactory, refreshingClients, type Send } from './clients.js'
import { gc, progress } from './knobs.js'
import type { Row } from './results.js'
import type { RemoteEmulator, ServerProcess } from './server-process.js'

// axios-jwt has no 401 handling, and axios-auth-refresh 5 with its defaults rejects the 401s that
// arrive during a refresh: in neither do requests wait on a refresh, so there is no heap per waiter.
const waitsOn401 = (name: string): boolean => name !== 'axios-jwt 4' && name !== 'axios-auth-refresh 5'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// Waits until `count()` reaches `n`, or stops growing for 2.5 s (bounded: requests that fail
// before reaching the server, or that a connection pool queues, must not stall the benchmark).
async function settled(n: number, count: () => Promise<number>): Promise<number> {
  const deadline = Date.now() + 30_000
  let last = -1
  let stableSince = Date.now()
  for (;;) {
    const now = await count()
    if (now >= n || Date.now() > deadline || (now === last && now > 0 && Date.now() - stableSince > 2_500)) return now
    if (now !== last) stableSince = Date.now()
    last = now
    await sleep(50)
  }
}

// Heap growth per request while `n` requests sent through `send` are held at some point.
async function heapWhile(n: number, send: Send, path: string, held: () => Promise<number>, release: () => Promise<void>) {
  gc?.()
  const before = process.memoryUsage().heapUsed
  const calls = Array.from({ length: n }, (_, i) => send(`${path}/${i}`).catch(() => {}))
  const reached = await settled(n, held)
  await sleep(200)
  gc?.()
  const bytes = process.memoryUsage().heapUsed - before
  await release()
  await Promise.race([Promise.all(calls), sleep(30_000)])
  return { bytes, reached }
}

async function pending(server: ServerProcess, name: string, factory: ClientFactory, n: number) {
  return server.withEmulator({}, async (emulator: RemoteEmulator) => {
    const send = factory(emulator, await emulator.signIn())
    await emulator.holdResourceRequests()
    const count = async () => (await emulator.stats()).resourceRequests
    const { bytes, reached } = await heapWhile(n, send, '/api/pending', count, () => emulator.releaseResourceRequests())
    // Every request is pending in the client, whether it reached the server or waits for a socket.
    return { client: name, pending: n, atServer: reached, heapPerPendingRequestBytes: Math.round(bytes / n) }
  })
}

async function waiting(server: ServerProcess, name: string, factory: ClientFactory, n: number) {
  return server.withEmulator({}, async (emulator: RemoteEmulator) => {
    const send = factory(emulator, await emulator.signIn(), { refreshTimeoutMs: 60_000 })
    await emulator.expireAccessTokens()
    await emulator.hangNextRefreshes(n)
    const count = async () => (await emulator.stats()).resourceUnauthorized
    // The refresh succeeds on release: every waiting request replays and settles.
    const { bytes, reached } = await heapWhile(n, send, '/api/mem', count, () => emulator.releaseHungRefreshes())
    return { client: name, waiting: reached, heapPerWaitingRequestBytes: Math.round(bytes / Math.max(1, reached)) }
  })
}

/** The bare clients' heap per pending request. */
export async function bareMemory(server: ServerProcess, n: number) {
  if (!gc) return []
  const rows = []
  for (const [name, factory] of [['bare axios', bareAxios], ['bare fetch', bareFetch]] as const) {
    progress(`memory: ${name}`)
    rows.push(await pending(server, name, factory, n))
  }
  return rows
}

/** Heap per request waiting on a refresh, and what it is over the bare client's pending request. */
export async function waitingMemory(server: ServerProcess, n: number, bare: Row[]) {
  if (!gc) return []
  const rows = []
  for (const [name, factory] of Object.entries(refreshingClients)) {
    if (!waitsOn401(name)) continue
    progress(`memory: ${name}`)
    const row = await waiting(server, name, factory, n)
    const baseline = bare.find((b) => b.client === bareOf(name))?.heapPerPendingRequestBytes as number | undefined
    rows.push({ ...row, bareBytes: baseline ?? 'not run', overBareBytes: baseline === undefined ? 'not run' : row.heapPerWaitingRequestBytes - baseline })
  }
  return rows
}
