import type { IncomingMessage, ServerResponse } from 'node:http'
import type { WireResponse } from './wire/provider-wire.js'

/** Writes a wire answer: a string body as text, anything else as JSON. */
export function send(res: ServerResponse, answer: WireResponse): void {
  const text = typeof answer.body === 'string' ? answer.body : answer.body === undefined ? '' : JSON.stringify(answer.body)
  const type = typeof answer.body === 'string' ? 'text/plain' : 'application/json'
  res.writeHead(answer.status, { 'content-type': type, ...answer.headers })
  res.end(text)
}

/** Reads a request's whole body as UTF-8. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
