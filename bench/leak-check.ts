/**
 * `npm run leak-check` (node --expose-gc): 100,000 requests through axios and fetch, with 200
 * refresh cycles and 1,000 requests aborted while waiting on a refresh. The heap after GC must
 * return to within 10% of its level after warm-up, and after detach() / destroy() no timer and
 * no abort listener may be left behind. In memory (an axios adapter, a fake fetch): no network,
 * so what is measured is tokenflight, not sockets.
 */
import { getEventListeners, setMaxListeners } from 'node:events'
import { AxiosError, type AxiosAdapter } from 'axios'
import axios from 'axios'
import { createSession } from '../src/index.js'
import { attachAxios } from '../src/interceptors/axios.js'
import { wrapFetch } from '../src/interceptors/fetch.js'
import { custom } from '../src/strategies/index.js'

const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('Run with node --expose-gc')

const TOTAL = 100_000
const WARMUP = 10_000
const BATCH = 500 // a refresh cycle every batch: 200 cycles
const ABORTED_PER_CYCLE = 5 // 200 × 5 = 1,000 aborted waits

let valid = 'token-0'
let issued = 0
const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length
const timersBefore = timers()

// The refresh answers after a timer tick, so requests really wait on it (and can abort while waiting).
const strategy = custom(async (tokens) => {
  await new Promise((resolve) => setTimeout(resolve, 1))
  valid = `token-${++issued}`
  return { ...tokens, accessToken: valid }
})
const session = createSession({ strategy, tokens: { accessToken: valid } })

const adapter: AxiosAdapter = async (config) => {
  const status = config.headers.get('Authorization') === `Bearer ${valid}` ? 200 : 401
  const response = { data: null, status, statusText: '', headers: {}, config }
  if (status !== 200) throw new AxiosError('HTTP 401', AxiosError.ERR_BAD_REQUEST, config, undefined, response)
  return response
}
const fakeFetch = (async (input: RequestInfo | URL, init?: RequestInit) =>
  new Response(null, { status: new Request(input, init).headers.get('authorization') === `Bearer ${valid}` ? 200 : 401 })) as typeof fetch

const api = axios.create({ baseURL: 'https://api.test', adapter })
const detach = attachAxios(api, session)
const authedFetch = wrapFetch(fakeFetch, session, { origins: ['https://api.test'] })
// Every axios request listens to one long-lived signal: none of our listeners may stay on it.
// fetch calls get their own signals: undici's Request subscribes to the caller's signal and only
// unsubscribes at GC (a FinalizationRegistry), one listener per call, as plain fetch does.
const longLived = new AbortController()
// Hundreds of concurrent requests share it by design: not a leak, so no warning wanted.
setMaxListeners(Number.POSITIVE_INFINITY, longLived.signal)

let aborted = 0
let failed = 0
async function cycle(): Promise<void> {
  valid = 'expired' // the server stops accepting the current token: this batch triggers one refresh
  const calls: Array<Promise<unknown>> = []
  for (let i = 0; i < BATCH; i++) {
    const viaAxios = i % 2 === 0
    const abortable = i < ABORTED_PER_CYCLE || !viaAxios ? new AbortController() : undefined
    const signal = abortable?.signal ?? longLived.signal
    calls.push(viaAxios ? api.get('/x', { signal }) : authedFetch('https://api.test/x', { signal }).then((r) => (r.ok ? r : Promise.reject(new Error(`${r.status}`)))))
    if (i < ABORTED_PER_CYCLE) setTimeout(() => abortable?.abort(), 0) // fires while the refresh is pending
  }
  const results = await Promise.allSettled(calls)
  // Between batches nothing waits, so nothing may still listen: fail now rather than crawl on.
  const listening = getEventListeners(longLived.signal, 'abort').length
  if (listening > 0) {
    console.log(`LEAK CHECK FAILED: ${listening} abort listeners still on the shared signal after a batch settled`)
    process.exit(1)
  }
  for (const result of results) {
    if (result.status === 'fulfilled') continue
    const reason = result.reason as { name?: string }
    if (reason.name === 'CanceledError' || reason.name === 'AbortError') aborted++
    else failed++
  }
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MB`
// Collects, lets finalizers (undici's listener clean-up) run, and collects again.
async function settledHeap(): Promise<number> {
  for (let i = 0; i < 5; i++) {
    gc?.()
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return process.memoryUsage().heapUsed
}

for (let sent = 0; sent < WARMUP; sent += BATCH) await cycle()
const warm = await settledHeap()
for (let sent = WARMUP; sent < TOTAL; sent += BATCH) await cycle()
const end = await settledHeap()

detach()
session.destroy()
await new Promise((resolve) => setTimeout(resolve, 20))
const leftTimers = timers() - timersBefore
const leftListeners = getEventListeners(longLived.signal, 'abort').length
// axios's InterceptorManager has forEach (skipping ejected handlers) but does not type it.
type Walkable = { forEach(fn: (handler: unknown) => void): void }
const handlers = { request: 0, response: 0 }
;(api.interceptors.request as unknown as Walkable).forEach(() => {
  handlers.request++
})
;(api.interceptors.response as unknown as Walkable).forEach(() => {
  handlers.response++
})

const growth = (end - warm) / warm
console.log(`requests: ${TOTAL}, refresh cycles: ${issued}, aborted while waiting: ${aborted}, other failures: ${failed}`)
console.log(`heap after warm-up: ${mb(warm)}, after all: ${mb(end)}, growth: ${(growth * 100).toFixed(1)}% (limit 10%)`)
console.log(`after detach/destroy: timers left ${leftTimers}, abort listeners left ${leftListeners}, interceptors left ${handlers.request + handlers.response}`)

const problems = [
  growth > 0.1 && 'heap grew more than 10%',
  issued !== TOTAL / BATCH && `expected ${TOTAL / BATCH} refreshes, saw ${issued}`,
  aborted !== (TOTAL / BATCH) * ABORTED_PER_CYCLE && `expected ${(TOTAL / BATCH) * ABORTED_PER_CYCLE} aborted waits, saw ${aborted}`,
  failed > 0 && `${failed} requests failed`,
  leftTimers > 0 && 'timers left behind',
  leftListeners > 0 && 'abort listeners left behind',
  handlers.request + handlers.response > 0 && 'interceptors left behind',
].filter(Boolean)
console.log(problems.length ? `LEAK CHECK FAILED: ${problems.join('; ')}` : 'leak check passed')
process.exitCode = problems.length ? 1 : 0
