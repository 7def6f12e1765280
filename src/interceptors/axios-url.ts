import type { AxiosHeaders, AxiosRequestHeaders, AxiosRequestTransformer, AxiosResponse, InternalAxiosRequestConfig } from 'axios'
import type { RedirectGuard } from './axios-redirect-guard.js'
import { fetchLanding } from './axios-fetch-landing.js'
import { type HrefPolicy, landedWhereSent } from './origin-policy.js'

// axios's own test for an absolute URL (scheme:// or protocol-relative //).
const ABSOLUTE = /^([a-z][a-z\d+\-.]*:)?\/\//i

// A URL object (axios accepts one) is read once, here: one changed while the request waits must
// not redirect it (axios reads `url` and `baseURL` again when it sends).
function readUrlsOnce(config: InternalAxiosRequestConfig): void {
  for (const key of ['url', 'baseURL'] as const) {
    const value: unknown = config[key]
    if (typeof value === 'object' && value !== null) config[key] = String(value)
  }
}

// Whether axios may send an absolute URL under the baseURL after all: before 1.8 it ignores
// `allowAbsoluteUrls`, in 1.8.0 – 1.8.3 some adapters do, and some versions read it as `== false`
// (so `0` counts), so any value but the default leaves both places possible.
const mayGoUnderBase = ({ allowAbsoluteUrls }: InternalAxiosRequestConfig): boolean =>
  allowAbsoluteUrls !== undefined && allowAbsoluteUrls !== true

// Where a config may send to, as the axios versions in the peer range build it: an absolute URL,
// one under the baseURL, or either.
function sentHrefs(config: InternalAxiosRequestConfig): string[] {
  const { url = '', baseURL } = config
  if (!baseURL) return [url]
  const under = url ? `${baseURL.replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}` : baseURL
  if (!ABSOLUTE.test(url)) return [under]
  return mayGoUnderBase(config) ? [url, under] : [url]
}

// What axios's adapters say of where a response came from: Node's last request (follow-redirects
// counts the redirects and puts the final URL on the response), the browser's XHR, or (the fetch
// adapter) what tokenflight's fetch noted of the `Request`.
interface LandedRequest {
  responseURL?: unknown
  res?: { responseUrl?: unknown }
  _redirectable?: { _redirectCount?: unknown }
}

/**
 * Whether an axios response came from the origin its request was sent to: a refusal from another
 * origin a redirect led to is no verdict on the token.
 */
export function landedWhereSentBy(config: InternalAxiosRequestConfig, response: AxiosResponse): boolean {
  const request = response.request as LandedRequest | undefined
  const redirected = Number(request?._redirectable?._redirectCount) > 0
  const landed = redirected ? request?.res?.responseUrl : (request?.responseURL ?? fetchLanding(request))
  return typeof landed !== 'string' || sentHrefs(config).some((sent) => landedWhereSent(landed, sent))
}

/**
 * A `transformRequest` step put last on each send that carries the token, run after every request
 * interceptor and every other step: a request that one of them moved to another origin leaves
 * without the token (`namesOf`: the headers the strategy wrote; `bodyOf`: what a replay sends).
 */
export function lateTokenGuard(
  allowed: (config: InternalAxiosRequestConfig) => boolean,
  namesOf: (config: InternalAxiosRequestConfig) => readonly string[] | undefined,
  redirects: () => RedirectGuard | undefined,
  bodyOf: (config: InternalAxiosRequestConfig, transformed: unknown, headers: AxiosRequestHeaders) => unknown,
): AxiosRequestTransformer {
  return function guard(this: InternalAxiosRequestConfig, transformed, headers) {
    const data = bodyOf(this, transformed, headers)
    const names = namesOf(this)
    if (!names?.length) return data
    const allowedHere = allowed(this)
    // An interceptor running after ours may have taken the redirect guard off (deleted, replaced).
    const guarded = allowedHere && (redirects()?.place(this, names) ?? true)
    if (!guarded) {
      for (const name of names) headers.delete(name)
      // A step may have put other headers on the config (of any shape axios reads): those are what the adapter sends.
      if (this.headers !== headers && !putBackWithout(this, headers, names)) throw unstrippedError()
    }
    if (allowedHere && !guarded) throw unguardedError()
    return data
  }
}

// The config's headers, as `like`'s kind (axios's own) reads them, put back without `names`; false where that fails.
function putBackWithout(config: InternalAxiosRequestConfig, like: AxiosHeaders, names: readonly string[]): boolean {
  try {
    const rebuilt = new (like.constructor as new (headers: unknown) => AxiosHeaders)(config.headers)
    for (const name of names) rebuilt.delete(name)
    return names.every((name) => !rebuilt.has(name)) && Reflect.set(config, 'headers', rebuilt)
  } catch {
    return false
  }
}

// A request refused before it leaves, for what was done to its config.
const notSentError = (message: string): TypeError => Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_VALUE' as const })

/** Why a request moved to another origin with headers the token cannot be taken off is not sent. */
const unstrippedError = (): TypeError =>
  notSentError('tokenflight cannot take the token off the headers a transformRequest step gave a request it moved to another origin; it is not sent')

/** Why a request whose redirects cannot be guarded is not sent with the token. */
export function unguardedError(): TypeError {
  const message =
    'tokenflight cannot keep the token off redirects to other origins for this request: its config is frozen or sealed, its beforeRedirect cannot be set (a request interceptor made it so), or it has a transport of its own, which axios hands no beforeRedirect; it is not sent'
  return notSentError(message)
}

type Steps = InternalAxiosRequestConfig['transformRequest']

// A config's steps as a list, `guards` last (a new list when they are not: the defaults' and a caller's are shared).
function withGuardsLast(steps: Steps, guards: readonly AxiosRequestTransformer[]): AxiosRequestTransformer[] {
  const list = steps == null ? [] : Array.isArray(steps) ? steps : [steps]
  const last = list.length - guards.length
  return guards.every((guard, i) => list[last + i] === guard) ? list : [...list.filter((step) => !guards.includes(step)), ...guards]
}

/** Puts `guard` last among a config's `transformRequest` steps (Reflect: a frozen config stays). */
export function guardLast(config: Pick<InternalAxiosRequestConfig, 'transformRequest'>, guard: AxiosRequestTransformer): void {
  const steps = config.transformRequest
  if (Array.isArray(steps) && steps[steps.length - 1] === guard) return
  Reflect.set(config, 'transformRequest', withGuardsLast(steps, [guard]))
}

/**
 * Whether a request interceptor other than `own` may run after it. axios runs them last-added
 * first (`legacyOrdering` true), or from 1.13.5 on, told so (false), in the order added: then
 * any may. Before 1.13.5 the option is missing, and so it is where a transitional object
 * replaced axios's own: then either side counts. An ejected slot counts too: a chain built
 * before the eject still runs its interceptor. A list it does not know how to read counts as one.
 */
export function interceptorsAfter(manager: unknown, own: unknown, legacyOrdering: unknown): boolean {
  // In the order added, one added after ours and ejected since may be gone from the list (axios
  // trims ejected slots at its end) while a chain built before still runs it.
  if (legacyOrdering === false) return true
  const handlers: unknown = (manager as { handlers?: unknown } | undefined)?.handlers
  if (!Array.isArray(handlers)) return true
  let at = 0
  while (at < handlers.length && (handlers[at] as { fulfilled?: unknown } | null)?.fulfilled !== own) at++
  if (at === handlers.length) return true
  return legacyOrdering === true ? at > 0 : handlers.length > 1
}

/** What a config says of the order its request interceptors run in (`interceptorsAfter`). */
export const legacyOrderingOf = ({ transitional }: InternalAxiosRequestConfig): unknown =>
  (transitional as { legacyInterceptorReqResOrdering?: unknown } | undefined)?.legacyInterceptorReqResOrdering

// The guards a config's accessor keeps last, one per attachment on its instance: shared by every
// copy of tokenflight loaded (its ESM and CJS builds side by side), as the accessor is.
const KEPT_GUARDS = Symbol.for('tokenflight.keptGuards')
const keptGuards = (): WeakMap<object, AxiosRequestTransformer[]> => {
  const registry = globalThis as { [KEPT_GUARDS]?: WeakMap<object, AxiosRequestTransformer[]> }
  registry[KEPT_GUARDS] ??= new WeakMap()
  return registry[KEPT_GUARDS]
}

/**
 * Keeps `guard` last among one send's `transformRequest` steps whatever a request interceptor
 * running after ours does to them: another list or step assigned, steps pushed onto the list, or
 * the list deleted (the property stays: a `delete` fails, and throws in strict code). Without it
 * such an interceptor could move the request elsewhere and drop the guard that keeps the token home.
 */
export function keepGuardLast(config: Pick<InternalAxiosRequestConfig, 'transformRequest'>, guard: AxiosRequestTransformer): void {
  const kept = keptGuards().get(config)
  if (kept) {
    if (!kept.includes(guard)) kept.push(guard) // another attachment's on the same instance
    return
  }
  let steps = config.transformRequest
  const guards = [guard]
  const defined = Reflect.defineProperty(config, 'transformRequest', {
    get: () => {
      steps = withGuardsLast(steps, guards)
      return steps
    },
    set: (next: Steps) => {
      steps = next
    },
    enumerable: true,
    configurable: false,
  })
  // Frozen, or kept by a build of ours of another copy: as without an accessor.
  if (defined) keptGuards().set(config, guards)
  else guardLast(config, guard)
}

/**
 * Whether a config's request may carry the token: a relative URL goes to its baseURL's origin, an
 * absolute one to its own, and one that may go to either (`allowAbsoluteUrls`) must be allowed at
 * both. axios sends a protocol-relative URL (`//host/x`) as it is, so the platform resolves it
 * against the page, never the baseURL.
 */
export function urlRule(allowsHref: HrefPolicy): (config: InternalAxiosRequestConfig) => boolean {
  return (config) => {
    readUrlsOnce(config)
    const { url = '', baseURL } = config
    if (baseURL && !ABSOLUTE.test(url)) return allowsHref(baseURL)
    return allowsHref(url) && (!baseURL || !mayGoUnderBase(config) || allowsHref(baseURL))
  }
}
