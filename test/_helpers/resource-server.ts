import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One request as the resource server received it. */
export interface SeenRequest {
  method: string
  path: string
  authorization: string | undefined
  contentType: string | undefined
  headers: IncomingHttpHeaders
  body: Buffer
}

/** A loopback API that accepts the tokens `accepts` allows and records every request. */
export interface ResourceServer {
  url: string
  requests: SeenRequest[]
  unauthorized: number
  stop(): Promise<void>
}

/** `accepts` may return a promise: the answer is held until it settles (to line up races). */
export async function startResourceServer(accepts: (token: string | undefined) => boolean | Promise<boolean>): Promise<ResourceServer> {
  const state: Omit<ResourceServer, 'url' | 'stop'> = { requests: [], unauthorized: 0 }
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const authorization = req.headers.authorization
    state.requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      authorization,
      contentType: req.headers['content-type'],
      headers: req.headers,
      body: Buffer.concat(chunks),
    })
    const token = authorization?.replace(/^Bearer /, '')
    if (req.url?.startsWith('/redirect')) {
      const query = new URL(req.url, 'http://127.0.0.1').searchParams // ?to=<url>[&status=307]
      res.writeHead(Number(query.get('status') ?? 302), { location: query.get('to') ?? '/' }).end()
      return
    }
    if (!(await accepts(token))) {
      state.unauthorized++
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_token"}')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, path: req.url }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return Object.assign(state, {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  })
}

/** Starts a resource server that `stopAll()` stops: for a file's afterEach. */
export function serverPool(): { start: typeof startResourceServer; stopAll: () => Promise<void> } {
  const started: ResourceServer[] = []
  return {
    start: async (accepts) => {
      const server = await startResourceServer(accepts)
      started.push(server)
      return server
    },
    stopAll: async () => {
      await Promise.all(started.splice(0).map((server) => server.stop()))
    },
  }
}

/** An axios call's status, whether axios fulfilled or rejected it; anything else it rejected with, as it is. */
export const statusOf = (call: Promise<{ status: number }>) => call.then((r) => r.status, (e: { response?: { status: number } }) => e.response?.status ?? e)
