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
 * another origin (none to a subdomain): the headers the strategy wrote go only where the
 * allowlist lets them, through axios's `beforeRedirect`, after the caller's own. Configs without
 * a hook of their own share one per header list.
 */
export function redirectGuard(allowsHref: HrefPolicy): (config: InternalAxiosRequestConfig, names: readonly string[]) => void {
  const shared = new WeakMap<readonly string[], BeforeRedirect>()
  const guard =
    (names: readonly string[], caller?: BeforeRedirect): BeforeRedirect =>
    (options, ...details) => {
      caller?.(options, ...details)
      if (options.href !== undefined && allowsHref(options.href)) return
      const headers = options.headers ?? {}
      for (const key of Object.keys(headers)) if (names.some((name) => name.toLowerCase() === key.toLowerCase())) delete headers[key]
    }
  return (config, names) => {
    const caller = config.beforeRedirect as BeforeRedirect | undefined
    let hook = caller ? guard(names, caller) : shared.get(names)
    if (!hook) {
      hook = guard(names)
      shared.set(names, hook)
    }
    // Reflect.set: a config an interceptor froze is sent as it is rather than failed.
    Reflect.set(config, 'beforeRedirect', hook)
  }
}
