import type { InternalAxiosRequestConfig } from 'axios'
import type { HrefPolicy } from './origin-policy.js'

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

/**
 * Whether a config's request may carry the token: a relative URL, or any under
 * `allowAbsoluteUrls: false`, goes to its baseURL's origin.
 */
export function urlRule(allowsHref: HrefPolicy): (config: InternalAxiosRequestConfig) => boolean {
  return (config) => {
    readUrlsOnce(config)
    const { url = '', baseURL, allowAbsoluteUrls } = config
    return !baseURL || (allowAbsoluteUrls !== false && ABSOLUTE.test(url)) ? allowsHref(url, baseURL) : allowsHref(baseURL)
  }
}

type BeforeRedirect = (options: { href?: string; headers?: Record<string, unknown> }, ...details: unknown[]) => void

/**
 * Node's axios follows redirects itself and drops only `Authorization` and cookies on the way to
 * another origin: any other header the strategy wrote goes only where the allowlist lets it,
 * through axios's `beforeRedirect`. It is an accessor: the caller's own hook, set before or after
 * (an interceptor running after ours), runs first, then the guard; one pair of accessors per
 * header list serves every config. A token in `Authorization` alone needs none, and costs none.
 */
export function redirectGuard(allowsHref: HrefPolicy): (config: InternalAxiosRequestConfig, names: readonly string[]) => void {
  const callers = new WeakMap<object, BeforeRedirect>()
  const accessors = new WeakMap<readonly string[], PropertyDescriptor | null>()
  const accessorsOf = (names: readonly string[]): PropertyDescriptor | null => {
    if (names.every((name) => name.toLowerCase() === 'authorization')) return null
    const guard: BeforeRedirect = (options) => {
      if (options.href !== undefined && allowsHref(options.href)) return
      const headers = options.headers ?? {}
      for (const key of Object.keys(headers)) if (names.some((name) => name.toLowerCase() === key.toLowerCase())) delete headers[key]
    }
    return {
      get(this: object): BeforeRedirect {
        const caller = callers.get(this)
        if (!caller) return guard
        return (options, ...details) => {
          caller(options, ...details)
          guard(options)
        }
      },
      set(this: object, caller: unknown) {
        if (typeof caller === 'function') callers.set(this, caller as BeforeRedirect)
        else callers.delete(this)
      },
      enumerable: true,
      configurable: true,
    }
  }
  return (config, names) => {
    let descriptor = accessors.get(names)
    if (descriptor === undefined) {
      descriptor = accessorsOf(names)
      accessors.set(names, descriptor)
    }
    if (!descriptor) return
    // Whatever is there already (the caller's, another attachment's guard) runs first.
    const current: unknown = config.beforeRedirect
    if (typeof current === 'function') callers.set(config, current as BeforeRedirect)
    // Reflect: a config an interceptor froze is sent as it is rather than failed.
    Reflect.defineProperty(config, 'beforeRedirect', descriptor)
  }
}
