import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

/** How the API answers a request it refuses. */
export interface Refusal {
  status: number
  headers?: Record<string, string>
  body: string
}

/** One request as the API saw it. */
export interface Seen {
  path: string
  authorization: string | undefined
  body: string
}

/**
 * A loopback API for the transport matrix: `refuses(token, path)` decides (may wait, to line up
 * races), a refusal is answered with `refusal(path)` (401 by default), anything else with
 * 200 `{ ok: true, path }`.
 */
export async function startMatrixApi(
  refuses: (token: string | undefined, path: string, headers: IncomingHttpHeaders) => boolean | Promise<boolean>,
  refusal: (path: string) => Refusal = () => ({ status: 401, body: '{"error":"invalid_token"}' }),
): Promise<{ url: string; seen: Seen[]; stop: () => Promise<void> }> {
  const seen: Seen[] = []
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const path = req.url ?? ''
    seen.push({ path, authorization: req.headers.authorization, body: Buffer.concat(chunks).toString() })
    const token = req.headers.authorization?.replace(/^Bearer /, '')
    if (await refuses(token, path, req.headers)) {
      const answer = refusal(path)
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(answer.body)
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, path }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
