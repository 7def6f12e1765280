import { invalidArgument } from '../invalid-argument.js'

const isLoopback = (hostname: string): boolean =>
  hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname)

/**
 * Checks a URL option at creation and joins `path` to it, keeping any path prefix of the base
 * (`https://h/tenant` + `/x`). Credentials go out in clear over plain http, so http is refused
 * unless the host is loopback or `allowInsecureHttp` is set: the interceptors' rule.
 */
export function endpointUrl(name: string, value: unknown, path: string | undefined, allowInsecureHttp: boolean | undefined): URL {
  let url: URL | undefined
  try {
    url = new URL(value as string)
  } catch {}
  if (typeof value !== 'string' || !url || !/^https?:$/.test(url.protocol)) {
    throw invalidArgument(name, 'an absolute http(s) URL', value, { wrongType: typeof value !== 'string' })
  }
  // fetch refuses a URL with credentials in it; fail now, naming the option, not at the first refresh.
  if (url.username || url.password) throw invalidArgument(name, 'a URL without user:password', 'a URL with credentials', { wrongType: false })
  if (url.protocol === 'http:' && !allowInsecureHttp && !isLoopback(url.hostname)) {
    throw invalidArgument(name, 'an https URL (or http to a loopback host, or set `allowInsecureHttp: true`)', value, { wrongType: false })
  }
  if (path !== undefined) url.pathname = `${url.pathname.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`
  return url
}
