/**
 * One process sharing a FIB session through Redis with the default options (forked by
 * redis-crash.test.ts). Says `ready` once it holds the tokens; then on `refresh` starts a refresh,
 * and on `requests` sends that many calls at once and reports how each settled and when.
 */
import Redis from 'ioredis'
import { createSession, type Tokens } from '../../src/index.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { redisCoordination } from '../../src/redis.js'
import { fib } from '../../src/strategies/index.js'

const env = JSON.parse(process.env.CRASH ?? '{}') as { baseURL: string; redisPort: number; key: string; tokens: Tokens }

const client = new Redis({ port: env.redisPort, host: '127.0.0.1', enableOfflineQueue: false, maxRetriesPerRequest: 1 })
client.on('error', () => {})
const session = createSession({ strategy: fib({ baseURL: env.baseURL }), tokens: env.tokens, ...redisCoordination({ client, key: env.key }) })
const authedFetch = wrapFetch(fetch, session, { origins: [env.baseURL] })
await session.getAccessToken()
process.send?.({ ready: true })

process.on('message', async (message: { do: 'refresh' } | { do: 'requests'; count: number }) => {
  if (message.do === 'refresh') return void session.refresh().catch(() => {})
  const outcomes = await Promise.all(
    Array.from({ length: message.count }, (_, i) =>
      authedFetch(`${env.baseURL}/api/crash/${process.pid}/${i}`).then(
        (res) => ({ outcome: res.ok ? 'ok' : `HTTP ${res.status}`, at: Date.now() }),
        (error: Error) => ({ outcome: error.name, at: Date.now() }),
      ),
    ),
  )
  process.send?.(outcomes)
})
