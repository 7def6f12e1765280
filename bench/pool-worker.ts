/**
 * One process of the pool bench (forked by bench/pool.ts): a session pool holding one session
 * per user, each keyed per user in Redis, every session on one shared subscriber connection.
 * Says `ready` once every user's session exists; on `go` keeps `inFlight` requests going,
 * each for a random user, for `durationMs`; then reports its counts.
 */
import { readFileSync } from 'node:fs'
import Redis from 'ioredis'
import { createSession, createSessionPool, type Tokens } from '../src/index.js'
import { wrapFetch } from '../src/interceptors/fetch.js'
import { redisCoordination, sharedSubscriber } from '../src/redis.js'
import { fib } from '../src/strategies/index.js'

const env = JSON.parse(readFileSync(process.env.POOL_FLEET ?? '', 'utf8')) as {
  baseURL: string
  redisPort: number
  users: Array<[string, Tokens]>
  durationMs: number
  inFlight: number
}

const client = sharedSubscriber(new Redis({ port: env.redisPort, host: '127.0.0.1', enableOfflineQueue: false, maxRetriesPerRequest: 1 }))
const signedIn = new Map(env.users)
const pool = createSessionPool({
  create: (user: string) =>
    createSession({
      strategy: fib({ baseURL: env.baseURL }),
      tokens: signedIn.get(user) as Tokens,
      ...redisCoordination({ client, key: `tokenflight:pool:{${user}}` }), // the defaults, as a service would run
    }),
})
const authedFetch = wrapFetch(fetch, pool.resolver((request: Request) => request.headers.get('x-user') ?? undefined), { origins: [env.baseURL] })
const ids = env.users.map(([id]) => id)
const counts = { sent: 0, failed: 0, errors: [] as string[], sessions: 0 }

await new Promise((resolve) => client.once('ready', resolve))
// Every user's session exists and listens before the clock starts; their tokens have expired by
// then, so the run begins with one refresh per user (the +1 of the bound).
for (const user of ids) pool.get(user)
await new Promise((resolve) => setTimeout(resolve, 1_000))
process.send?.({ ready: true })
await new Promise((resolve) => process.once('message', resolve))

const deadline = Date.now() + env.durationMs
async function lane(): Promise<void> {
  while (Date.now() < deadline) {
    const user = ids[Math.floor(Math.random() * ids.length)] as string
    counts.sent++
    const outcome = await authedFetch(`${env.baseURL}/api/${user}`, { headers: { 'x-user': user } }).then((res) => (res.ok ? '' : `HTTP ${res.status}`), String)
    if (outcome) {
      counts.failed++
      if (counts.errors.length < 3) counts.errors.push(outcome)
    }
  }
}
await Promise.all(Array.from({ length: env.inFlight }, lane))
counts.sessions = pool.size
await pool.destroy() // shared refreshes under way finish and are stored first
client.disconnect()
process.send?.(counts, () => process.exit(0))
