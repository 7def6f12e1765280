const isLoopback = (hostname: string): boolean =>
  hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname)

/**
 * Whether credentials may travel to `url` without `allowInsecureHttp`: https, or plain http to a
 * loopback host. One rule for the tokens interceptors send and the credentials strategies send.
 */
export const isSecureUrl = (url: URL): boolean => url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname))
