import { landedAt } from './fetch-redirects.js'
import { releaseStream } from './refused-stream.js'

// A refused body known to be larger than this is cancelled rather than left unread.
const UNREAD_LIMIT_BYTES = 64 * 1024

/**
 * The refused answer without its body, before waiting on the refresh (`judged`); the copy keeps
 * status, headers, url and redirected, for the rare caller who gets it back. The body is left
 * unread and let go with the response, as callers of fetch let a 401's go: one that has arrived
 * leaves its keep-alive connection free for the replay (cancelling a body that has not quite
 * ended closes the connection), and undici cancels one still arriving when the response is
 * collected. One known to be large would hold its connection through the refresh, and one no
 * verdict was given on is never handed back: those are cancelled now.
 */
export function withoutBody(response: Response, judged: boolean): Response {
  // A malformed length is NaN: left unread, as an unsized one.
  const large = Number(response.headers.get('content-length')) > UNREAD_LIMIT_BYTES
  // Not awaited (a fetch other than the platform's may never settle a cancel); node-fetch's is a Node stream.
  if (response.body && (large || !judged)) releaseStream(response.body)
  return landedAt(new Response(null, { status: response.status, statusText: response.statusText, headers: response.headers }), response.url, response.redirected)
}
