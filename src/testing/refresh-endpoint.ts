import type { IncomingMessage, ServerResponse } from 'node:http'
import type { EmulatorStats, RefreshFault } from './emulator-types.js'
import { readBody, send } from './http-exchange.js'
import type { TokenAuthority } from './token-authority.js'
import type { ProviderWire, WireResponse } from './wire/provider-wire.js'

/** A provider's refresh endpoint with its fault queue: forced answers, hangs, resets. */
export interface RefreshEndpoint {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>
  /** Faults for the next calls, first in first out. */
  readonly faults: RefreshFault[]
  /** Answers every hung call as it would have been answered. */
  releaseHung(): void
}

function sendTruncated(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' })
  res.write('{"data":{"accessToken":"')
  setTimeout(() => req.socket.destroy(), 10)
}

/** Serves refresh calls in `wire`'s format against `authority`, counting them in `stats`. */
export function refreshEndpoint(wire: ProviderWire, authority: TokenAuthority, latencyMs: number, stats: EmulatorStats): RefreshEndpoint {
  const faults: RefreshFault[] = []
  const hung: Array<() => void> = []

  // A forced failure counts as refused whatever its status (an S360 200 can carry a failure).
  const reply = (res: ServerResponse, answer: WireResponse, refused = answer.status >= 300): void => {
    stats.reuseDetections = authority.reuseDetections
    if (refused) stats.refreshRefused++
    else stats.refreshSucceeded++
    send(res, answer)
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.refreshCalls++
    const body = await readBody(req)
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs))
    const fault = faults.shift()
    const realAnswer = (): void => reply(res, wire.refresh({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body }, authority))
    if (fault === 'hang') return void hung.push(realAnswer)
    if (fault === 'reset') return void req.socket.destroy()
    if (fault === 'truncate') return sendTruncated(req, res)
    if (fault && 'rawBody' in fault) {
      reply(res, { status: fault.status, body: fault.rawBody, headers: { 'content-type': fault.contentType ?? 'text/html', ...fault.headers } }, true)
    } else if (fault) {
      reply(res, wire.failure(fault.status, fault.code), true)
    } else {
      realAnswer()
    }
  }

  const releaseHung = (): void => {
    for (const answer of hung.splice(0)) answer()
  }
  return { handle, faults, releaseHung }
}
