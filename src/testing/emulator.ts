import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { assertCount, invalidArgument } from '../invalid-argument.js'
import { checkedFault, checkedPath, emulatorOptions } from './emulator-options.js'
import type { Strategy } from '../strategy.js'
import type { Emulator, EmulatorOptions, EmulatorStats } from './emulator-types.js'
import { readBody, send } from './http-exchange.js'
import { type EmulatedProvider, type EmulatedProviders, factories, providerDefaults, strategyOptionsFor, wires } from './provider-registry.js'
import { type RefreshEndpoint, refreshEndpoint } from './refresh-endpoint.js'
import { TokenAuthority } from './token-authority.js'
import type { ProviderWire } from './wire/provider-wire.js'

export type { Emulator, EmulatorOptions, EmulatorStats, RefreshFault } from './emulator-types.js'

type ServedFile = { contentType: string; body: string | Uint8Array | (() => string) }

// The protected resource: 200 to an access token the authority accepts, 401 to anything else.
function resource(authority: TokenAuthority, stats: EmulatorStats, req: IncomingMessage, res: ServerResponse): void {
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')
  if (!match?.[1] || !authority.accepts(match[1])) {
    stats.resourceUnauthorized++
    send(res, { status: 401, body: { error: 'invalid_token' }, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } })
    return
  }
  send(res, { status: 200, body: { ok: true, method: req.method, path: req.url } })
}

function route(wire: ProviderWire, endpoint: RefreshEndpoint, files: Map<string, ServedFile>, answerResource: (req: IncomingMessage, res: ServerResponse) => void) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const file = req.method === 'GET' ? files.get(path) : undefined
    if (file) {
      res.writeHead(200, { 'content-type': file.contentType, 'cache-control': 'no-store' }).end(typeof file.body === 'function' ? file.body() : file.body)
    } else if (path === wire.path && req.method === wire.method) {
      endpoint.handle(req, res).catch(() => res.destroy())
    } else if (path.startsWith('/api/')) {
      // Drain the body so keep-alive connections stay usable.
      readBody(req).then(() => answerResource(req, res), () => res.destroy())
    } else {
      send(res, { status: 404, body: { error: 'not_found' } })
    }
  }
}

function authorityFor<P extends EmulatedProvider>(options: EmulatorOptions<P>, wire: ProviderWire): TokenAuthority {
  const defaults: { refreshTtlMs?: number; sessionCapMs?: number } = providerDefaults[options.provider] ?? {}
  return new TokenAuthority({
    accessTtlMs: options.accessTtlMs ?? 60_000,
    refreshTtlMs: options.refreshTtlMs ?? defaults.refreshTtlMs,
    sessionCapMs: options.sessionCapMs ?? defaults.sessionCapMs,
    rotate: wire.rotates && (options.rotateRefreshTokens ?? true),
    reuseDetection: options.reuseDetection ?? true,
    opaqueAccess: options.opaqueAccessTokens ?? false,
  })
}

/**
 * Starts an emulated identity provider plus a protected resource server on 127.0.0.1 (random port),
 * speaking the provider's exact wire format and refusing what its document forbids, for offline
 * tests and demos.
 *
 * @example
 * const emulator = await startEmulator({ provider: 'fib', accessTtlMs: 1000 })
 * const session = createSession({ strategy: fib({ baseURL: emulator.url }), tokens: emulator.signIn() })
 * await emulator.stop()
 */
export async function startEmulator<P extends EmulatedProvider>(given: EmulatorOptions<P>): Promise<Emulator<P>> {
  const options = emulatorOptions(given)
  const wire: ProviderWire | undefined = wires[options.provider]
  if (!wire) throw invalidArgument('provider', `one of ${Object.keys(wires).join(', ')}`, options.provider, { wrongType: false })
  const authority = authorityFor(options, wire)
  const stats: EmulatorStats = { refreshCalls: 0, refreshSucceeded: 0, refreshRefused: 0, resourceRequests: 0, resourceUnauthorized: 0, reuseDetections: 0 }
  const endpoint = refreshEndpoint(wire, authority, options.latencyMs ?? 0, stats)
  const files = new Map<string, ServedFile>()
  let held: Array<() => void> | undefined // resource answers kept back while holding
  const answerResource = (req: IncomingMessage, res: ServerResponse): void => {
    stats.resourceRequests++
    if (held) held.push(() => resource(authority, stats, req, res))
    else resource(authority, stats, req, res)
  }
  const server = createServer(route(wire, endpoint, files, answerResource))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const strategyOptions = strategyOptionsFor(options.provider, url) as EmulatedProviders[P]['options']
  return {
    provider: options.provider,
    url,
    strategyOptions,
    strategy: () => factories[options.provider](strategyOptions as never) as Strategy<EmulatedProviders[P]['tokens']>,
    stats,
    resourceUrl: (path = '/api/data') => `${url}${path.startsWith('/') ? path : `/${path}`}`,
    signIn: () => wire.sessionTokens(authority.signIn()) as EmulatedProviders[P]['tokens'],
    expireAccessTokens: () => authority.expireAccessTokens(),
    expireRefreshTokens: () => authority.expireRefreshTokens(),
    issuedTokens: () => authority.issued(),
    logOut: () => authority.logOut(),
    failNextRefreshes: (count, fault) => {
      assertCount('count', count)
      const checked = checkedFault(fault)
      endpoint.faults.push(...Array.from({ length: count }, () => checked))
    },
    hangNextRefreshes: (count = 1) => {
      assertCount('count', count)
      endpoint.faults.push(...Array.from({ length: count }, () => 'hang' as const))
    },
    releaseHungRefreshes: () => endpoint.releaseHung(),
    holdResourceRequests: () => {
      held ??= []
    },
    releaseResourceRequests: () => {
      const answers = held ?? []
      held = undefined
      for (const answer of answers) answer()
    },
    serveFile: (path, contentType, body) => void files.set(checkedPath(path), { contentType, body }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
