/**
 * axios's fetch adapter tells nothing of where a response came from: its `request` is the
 * `Request` it fetched, and the `Response` (whose `url` is the last hop) stays inside. A fetch of
 * tokenflight's own, set on the instance's `env`, notes the last hop of each redirected request.
 */
const landings = /* @__PURE__ */ new WeakMap<object, string>()

type Fetch = (input: unknown, init?: unknown) => Promise<{ redirected?: boolean; url?: string }>

/** Where a redirected request of axios's fetch adapter landed; `undefined` when it was not redirected or is unknown. */
export const fetchLanding = (request: unknown): string | undefined => (typeof request === 'object' && request !== null ? landings.get(request) : undefined)

const noting = (fetchOf: () => Fetch): Fetch => (input, init) =>
  fetchOf()(input, init).then((response) => {
    if (response?.redirected && typeof response.url === 'string' && typeof input === 'object' && input !== null) landings.set(input, response.url)
    return response
  })

// One noting fetch per fetch it calls: axios keeps an adapter for each fetch function it is given.
let aroundGlobal: Fetch | undefined
const around = /* @__PURE__ */ new WeakMap<object, Fetch>()
const ours = /* @__PURE__ */ new WeakSet<object>()
function notingFetch(own: unknown): Fetch {
  if (typeof own === 'function' && ours.has(own)) return own as Fetch
  let made = typeof own === 'function' ? around.get(own) : aroundGlobal
  if (made) return made
  made = noting(typeof own === 'function' ? () => own as Fetch : () => globalThis.fetch as unknown as Fetch)
  ours.add(made)
  if (typeof own === 'function') around.set(own, made)
  else aroundGlobal = made
  return made
}

/**
 * Puts the noting fetch on `defaults.env`, around the one configured there or, at each call, the
 * global one; a request with a `fetch` of its own in `env` goes unnoted (its refusals judged as
 * before). Returns the function that puts the instance's own `env` back.
 */
export function noteFetchLandings(defaults: { env?: unknown }): () => void {
  const env = defaults.env as { fetch?: unknown } | undefined
  // Where there is no fetch, axios must keep finding none.
  if (typeof env?.fetch !== 'function' && typeof globalThis.fetch !== 'function') return () => {}
  const installed = { ...env, fetch: notingFetch(env?.fetch) }
  defaults.env = installed
  return () => {
    if (defaults.env === installed) defaults.env = env
  }
}
