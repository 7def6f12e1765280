import { landedAt } from './fetch-redirects.js'
import { discardBody } from '../discard-body.js'

// A refused body known to be larger than this is cancelled rather than left unread.
const UNREAD_LIMIT_BYTES = 64 * 1024

// What describes a body's bytes on the wire: wrong for the copy without one (a proxy forwarding
// the copy's headers would promise bytes that never come).
const FRAMING = ['content-length', 'content-encoding', 'transfer-encoding']

/**
 * Lets the refused answer's body go before waiting on the refresh (`judged`), and returns how to
 * build its copy without a body (status, headers but the framing ones, url, redirected) for the
 * rare caller who gets it back, only when asked. The body is left unread and let go with the
 * response, as callers of fetch let a 401's go: one that has arrived leaves its keep-alive
 * connection free for the replay (cancelling a body that has not quite ended closes the
 * connection), and undici cancels one still arriving when the response is collected. One known to
 * be large would hold its connection through the refresh, and one no verdict was given on is never
 * handed back: those are cancelled now.
 */
export function releaseRefused(response: Response, judged: boolean): () => Response {
  // A malformed length is NaN: left unread, as an unsized one.
  const large = Number(response.headers.get('content-length')) > UNREAD_LIMIT_BYTES
  // Not awaited (a fetch other than the platform's may never settle a cancel); node-fetch's is a Node stream.
  if (response.body && (large || !judged)) discardBody(response.body)
  const { status, statusText, headers: sent, url, redirected } = response
  return () => {
    const headers = new Headers(sent)
    for (const name of FRAMING) headers.delete(name)
    return landedAt(new Response(null, { status, statusText, headers }), url, redirected)
  }
}

/** The response as it came or, once refused, its copy without a body, built now. */
export const asResponse = (kept: Response | (() => Response)): Response => (typeof kept === 'function' ? kept() : kept)
