import type { InternalAxiosRequestConfig } from 'axios'
import type { HrefPolicy } from './origin-policy.js'

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
