/**
 * A small Node HTTP service that calls a protected API through wrapFetch. Its own clients call
 * GET /orders; the service calls the API with its service account's token, refreshed as needed.
 * Here the API and the identity provider are the FIB emulator, so it runs offline:
 *
 *   npm run example:node-service      then: curl http://127.0.0.1:<port>/orders
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
// In your project: 'tokenflight', 'tokenflight/fetch', 'tokenflight/strategies', 'tokenflight/testing'
import { createSession } from '../../src/index.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { fib } from '../../src/strategies/index.js'
import { type Emulator, startEmulator } from '../../src/testing/index.js'

export interface NodeService {
  /** The service's own URL. */
  readonly url: string
  /** The emulated API + identity provider behind it. */
  readonly emulator: Emulator<'fib'>
  stop(): Promise<void>
}

export async function startNodeService({ accessTtlMs = 5_000 } = {}): Promise<NodeService> {
  const emulator = await startEmulator({ provider: 'fib', accessTtlMs })
  const apiOrigin = emulator.url // in production: https://api.example.com, from configuration

  // Once per process: the session holds the service account's tokens and refreshes them.
  const session = createSession({ strategy: fib({ baseURL: emulator.url }), tokens: emulator.signIn() })
  session.on('refreshed', () => console.log('service account token refreshed'))
  session.on('expired', () => console.error('service account session expired: new credentials needed'))
  const api = wrapFetch(fetch, session, { origins: [apiOrigin] })

  const server: Server = createServer(async (req, res) => {
    if (req.method !== 'GET' || req.url !== '/orders') return void res.writeHead(404).end()
    try {
      const upstream = await api(`${apiOrigin}/api/orders`, { signal: AbortSignal.timeout(15_000) })
      res.writeHead(upstream.ok ? 200 : 502, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ upstreamStatus: upstream.status, orders: upstream.ok ? await upstream.json() : null }))
    } catch (error) {
      // Typed errors (SessionExpiredError, RefreshError…) carry no token: safe to log.
      console.error(error)
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (error as Error).name }))
    }
  })
  await new Promise<void>((resolve) => server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    emulator,
    async stop() {
      session.destroy()
      await new Promise((resolve) => server.close(resolve))
      await emulator.stop()
    },
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const service = await startNodeService()
  console.log(`Service: ${service.url}/orders  (the API's access tokens live 5 s; Ctrl-C to stop)`)
}
