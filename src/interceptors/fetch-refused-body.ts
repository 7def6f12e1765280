import { landedAt } from './fetch-redirects.js'

// A refused body larger than this, or of unknown length, is cancelled rather than read; one that
// has not ended this long after its headers (a stalled server) is cancelled too.
const DRAIN_LIMIT_BYTES = 64 * 1024
const DRAIN_WAIT_MS = 100

// Reads a small body to its end within DRAIN_WAIT_MS, else cancels it; never rejects.
async function discard(body: ReadableStream<Uint8Array>, small: boolean): Promise<void> {
  const reader = body.getReader()
  const cancel = (): Promise<void> => reader.cancel().catch(() => {})
  if (!small) return cancel()
  const timer = setTimeout(cancel, DRAIN_WAIT_MS)
  try {
    while (!(await reader.read()).done);
  } catch {
    // a body that fails while read is as good as discarded
  } finally {
    clearTimeout(timer)
  }
}

// The refused answer with its body discarded, before waiting on the refresh: an unread body holds
// its connection (and its buffers) for as long as the refresh takes. A small body of known length
// is read to its end, so its keep-alive connection goes back to the pool and carries the replay;
// a large, unsized or stalled one is cancelled (its connection closed) rather than waited for. The
// copy keeps status, headers, url and redirected, for the rare caller who gets it back.
export async function withoutBody(response: Response): Promise<Response> {
  const length = response.headers.get('content-length')
  // A malformed length is NaN, never small; a stalled body is bounded by DRAIN_WAIT_MS anyway.
  const small = length !== null && Number(length) <= DRAIN_LIMIT_BYTES
  if (response.body) await discard(response.body, small)
  return landedAt(new Response(null, { status: response.status, statusText: response.statusText, headers: response.headers }), response.url, response.redirected)
}
