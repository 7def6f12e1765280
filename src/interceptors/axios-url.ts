import type { AxiosRequestTransformer, AxiosResponse, InternalAxiosRequestConfig } from 'axios'
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

// The URL a config sends to, as axios builds it: an absolute URL, or one under the baseURL.
function sentHref(config: InternalAxiosRequestConfig): string {
  const { url = '', baseURL, allowAbsoluteUrls } = config
  if (!baseURL || (allowAbsoluteUrls !== false && ABSOLUTE.test(url))) return url
  return url ? `${baseURL.replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}` : baseURL
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
  return typeof landed !== 'string' || landedWhereSent(landed, sentHref(config))
}

/**
 * A `transformRequest` step put last on each send that carries the token, run after every request
 * interceptor and every other step: a request that one of them moved to another origin leaves
 * without the token (`namesOf`: the headers the strategy wrote).
 */
export function lateTokenGuard(
  allowed: (config: InternalAxiosRequestConfig) => boolean,
  namesOf: (config: InternalAxiosRequestConfig) => readonly string[] | undefined,
  redirects: () => RedirectGuard | undefined,
): AxiosRequestTransformer {
  return function guard(this: InternalAxiosRequestConfig, data, headers) {
    const names = namesOf(this)
    if (!names?.length) return data
    const allowedHere = allowed(this)
    // An interceptor running after ours may have taken the redirect guard off (deleted, replaced).
    const guarded = allowedHere && (redirects()?.place(this, names) ?? true)
    if (!guarded) for (const name of names) headers.delete(name)
    if (allowedHere && !guarded) throw unguardedError()
    return data
  }
}

/** Why a request whose redirects cannot be guarded is not sent with the token. */
export function unguardedError(): TypeError {
  const message =
    'tokenflight cannot keep the token off redirects to other origins for this request: its config is frozen or sealed, its beforeRedirect cannot be set (a request interceptor made it so), or it has a transport of its own, which axios hands no beforeRedirect; it is not sent'
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_VALUE' as const })
}

/** Puts `guard` last among a config's `transformRequest` steps (a new list: the defaults' is shared; Reflect: a frozen config stays). */
export function guardLast(config: Pick<InternalAxiosRequestConfig, 'transformRequest'>, guard: AxiosRequestTransformer): void {
  const steps = config.transformRequest
  if (Array.isArray(steps) && steps[steps.length - 1] === guard) return
  Reflect.set(config, 'transformRequest', [...(steps === undefined ? [] : Array.isArray(steps) ? steps : [steps]), guard])
}

/**
 * Whether a config's request may carry the token: a relative URL, or any under
 * `allowAbsoluteUrls: false`, goes to its baseURL's origin. axios sends a protocol-relative URL
 * (`//host/x`) as it is, so the platform resolves it against the page, never the baseURL.
 */
export function urlRule(allowsHref: HrefPolicy): (config: InternalAxiosRequestConfig) => boolean {
  return (config) => {
    readUrlsOnce(config)
    const { url = '', baseURL, allowAbsoluteUrls } = config
    if (baseURL && (allowAbsoluteUrls === false || !ABSOLUTE.test(url))) return allowsHref(baseURL)
    return allowsHref(url, url.startsWith('//') ? undefined : baseURL)
  }
}

type BeforeRedirect = (options: { href?: string; headers?: Record<string, unknown> }, ...details: unknown[]) => void

// Every redirect hook made here, with the header names (lower case) it takes off: a config whose
// hook is one of them, covering the names its send wrote, is guarded.
const covers = /* @__PURE__ */ new WeakMap<object, readonly string[]>()
const guarding = (hook: BeforeRedirect, names: readonly string[]): BeforeRedirect => {
  covers.set(
    hook,
    names.map((name) => name.toLowerCase()),
  )
  return hook
}
const isGuarded = (hook: unknown, names: readonly string[]): boolean => {
  const covered = typeof hook === 'function' ? covers.get(hook) : undefined
  return covered !== undefined && names.every((name) => covered.includes(name.toLowerCase()))
}

// Takes `names` (any case) off a redirect's next hop, unless the allowlist lets the token go there.
const stripping = (allowsHref: HrefPolicy, names: readonly string[]): BeforeRedirect =>
  guarding((options) => {
    if (options.href !== undefined && allowsHref(options.href)) return
    const headers = options.headers ?? {}
    for (const key of Object.keys(headers)) if (names.some((name) => name.toLowerCase() === key.toLowerCase())) delete headers[key]
  }, names)

/**
 * The instance-wide `beforeRedirect` for a token in `Authorization` (the common case), after the
 * instance's own: set once on its defaults, every config gets it without a hook of its own.
 * Returns the guard and the function that puts the instance's own hook back.
 */
export function guardInstanceRedirects(defaults: { beforeRedirect?: unknown }, allowsHref: HrefPolicy): { guard: unknown; restore(): void } {
  const own = defaults.beforeRedirect
  const guard = stripping(allowsHref, ['authorization'])
  const installed: BeforeRedirect =
    typeof own === 'function'
      ? guarding(
          (options, ...details) => {
            ;(own as BeforeRedirect)(options, ...details)
            guard(options)
          },
          ['authorization'],
        )
      : guard
  defaults.beforeRedirect = installed
  const restore = (): void => {
    if (defaults.beforeRedirect === installed) defaults.beforeRedirect = own
  }
  return { guard: installed, restore }
}

/**
 * Node's axios follows redirects itself, and the versions in tokenflight's peer range keep
 * `Authorization` on a redirect to a subdomain (follow-redirects strips it only across domains)
 * and any other header everywhere: every header the strategy wrote goes only where the allowlist
 * lets it, through axios's `beforeRedirect`. A token in `Authorization` alone is covered by the
 * instance's guard ({@link guardInstanceRedirects}) on every config that kept it; otherwise it is
 * an accessor: the caller's own hook, set before or after (an interceptor running after ours),
 * runs first, then the guard; one pair of accessors per header list serves every config.
 */
export interface RedirectGuard {
  /** Guards `config`'s redirects for `names`, unless it is already; whether it is guarded now (a frozen config cannot be). */
  place(config: InternalAxiosRequestConfig, names: readonly string[]): boolean
}

export function redirectGuard(allowsHref: HrefPolicy): RedirectGuard {
  const callers = new WeakMap<object, BeforeRedirect>()
  const accessors = new WeakMap<readonly string[], PropertyDescriptor>()
  const accessorsOf = (names: readonly string[]): PropertyDescriptor => {
    const guard = stripping(allowsHref, names)
    return {
      get(this: object): BeforeRedirect {
        const caller = callers.get(this)
        if (!caller) return guard
        return guarding((options, ...details) => {
          caller(options, ...details)
          guard(options)
        }, names)
      },
      set(this: object, caller: unknown) {
        if (typeof caller === 'function') callers.set(this, caller as BeforeRedirect)
        else callers.delete(this)
      },
      enumerable: true,
      configurable: true,
    }
  }
  const place = (config: InternalAxiosRequestConfig, names: readonly string[]): boolean => {
    // A transport of the caller's own (follow-redirects', say) is handed no beforeRedirect by axios.
    if (config.transport) return false
    // Guarded already: the instance's guard came with the config (a token in `Authorization`
    // alone), or ours is there from an earlier step, or a replay's config copied it.
    if (isGuarded(config.beforeRedirect, names)) return true
    let descriptor = accessors.get(names)
    if (descriptor === undefined) {
      descriptor = accessorsOf(names)
      accessors.set(names, descriptor)
    }
    // Whatever is there already (the caller's, another attachment's guard) runs first.
    const current: unknown = config.beforeRedirect
    if (typeof current === 'function') callers.set(config, current as BeforeRedirect)
    // Reflect: a config an interceptor froze is not guarded; the caller refuses to send the token.
    return Reflect.defineProperty(config, 'beforeRedirect', descriptor) && isGuarded(config.beforeRedirect, names)
  }
  return { place }
}
