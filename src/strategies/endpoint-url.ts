import { invalidArgument } from '../invalid-argument.js'
import { isSecureUrl } from '../secure-url.js'

/**
 * Checks a URL option at creation and joins `path` to it, keeping any path prefix of the base
 * (`https://h/tenant` + `/x`). Credentials go out in clear over plain http, so http is refused
 * unless the host is loopback or `allowInsecureHttp` is set: the interceptors' rule. A URL with
 * `user:password` is refused too (fetch would refuse it at the first refresh) and never printed.
 */
export function endpointUrl(name: string, value: unknown, path: string | undefined, allowInsecureHttp: boolean | undefined): URL {
  let url: URL | undefined
  try {
    url = new URL(value as string)
  } catch {}
  const { protocol, username, password } = url ?? {}
  if (typeof value !== 'string' || !url || !/^https?:$/.test(protocol ?? '') || username || password || (!allowInsecureHttp && !isSecureUrl(url))) {
    const received = username || password ? 'a URL with credentials' : value
    throw invalidArgument(name, 'an https URL without credentials (http: loopback only, unless `allowInsecureHttp`)', received, {
      wrongType: typeof value !== 'string',
    })
  }
  if (path !== undefined) (url as URL).pathname = `${(url as URL).pathname.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`
  return url as URL
}
