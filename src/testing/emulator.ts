import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { invalidArgument } from '../invalid-argument.js'
import type { Strategy } from '../strategy.js'
import { type EmulatedProvider, type EmulatedProviders, factories, providerDefaults, strategyOptionsFor, wires } from './provider-registry.js'
import { TokenAuthority } from './token-authority.js'
import type { ProviderWire, WireResponse } from './wire/provider-wire.js'

/** Options of {@link startEmulator}. */
export interface EmulatorOptions<P extends EmulatedProvider = EmulatedProvider> {
  provider: P
  /** Lifetime of access tokens. @default 60000 */
  accessTtlMs?: number | undefined
  /** Lifetime of refresh tokens (CIAM: the session_token). @default unlimited; CIAM 7 days; AGS 2 days */
  refreshTtlMs?: number | undefined
  /** A fixed cap on the whole session, whatever the refreshes. @default none; AGS 30 days */
  sessionCapMs?: number | undefined
  /** Issue a new refresh token on every refresh (S360's session never rotates). @default true */
  rotateRefreshTokens?: boolean | undefined
  /** A spent refresh token presented again revokes its whole family. @default true */
  reuseDetection?: boolean | undefined
  /** Delay before each refresh answer. @default 0 */
  latencyMs?: number | undefined
}

/** A forced answer for the next refresh calls. */
export type RefreshFault =
  | { status: number; code?: string | undefined }
  | { status: number; rawBody: string; contentType?: string | undefined; headers?: Record<string, string> | undefined }
  | 'hang'
  | 'reset'
  | 'truncate'

/** Live counters of what the emulator has seen. */
export interface EmulatorStats {
  refreshCalls: number
  refreshSucceeded: number
  refreshRefused: number
  resourceRequests: number
  resourceUnauthorized: number
  reuseDetections: number
}

/** A running emulator. */
export interface Emulator<P extends EmulatedProvider = EmulatedProvider> {
  readonly provider: P
  /** `http://127.0.0.1:<port>`: the provider's base URL. */
  readonly url: string
  /** Options for the provider's strategy factory, pointing here with the credentials the emulator accepts. */
  readonly strategyOptions: EmulatedProviders[P]['options']
  /** The provider's strategy, configured with `strategyOptions`. */
  strategy(): Strategy<EmulatedProviders[P]['tokens']>
  readonly stats: Readonly<EmulatorStats>
  /** A URL on the protected resource server (any path under `/api/`). */
  resourceUrl(path?: string): string
  /** Signs a user in: the tokens to start a session with, shaped as the provider's strategy keeps them. */
  signIn(): EmulatedProviders[P]['tokens']
  expireAccessTokens(): void
  expireRefreshTokens(): void
  /** Every access and refresh token issued so far: for asserting none leaks into logs or errors. */
  issuedTokens(): string[]
  /** The user signed out everywhere: their refresh tokens stop working. */
  logOut(): void
  /** The next `count` refresh calls get `fault` instead of the real answer. */
  failNextRefreshes(count: number, fault: RefreshFault): void
  /** The next `count` refresh calls never answer (until {@link Emulator.releaseHungRefreshes}). */
  hangNextRefreshes(count?: number): void
  /** Answers every hung refresh call now, as it would have been answered. */
  releaseHungRefreshes(): void
  /**
   * Serves a file at `path` (a test page, a script), so pages share the emulator's origin.
   * A function body is rendered on every request (a page with a fresh sign-in in it).
   */
  serveFile(path: string, contentType: string, body: string | Uint8Array | (() => string)): void
  stop(): Promise<void>
}

function send(res: ServerResponse, answer: WireResponse): void {
  const text = typeof answer.body === 'string' ? answer.body : answer.body === undefined ? '' : JSON.stringify(answer.body)
  const type = typeof answer.body === 'string' ? 'text/plain' : 'application/json'
  res.writeHead(answer.status, { 'content-type': type, ...answer.headers })
  res.end(text)
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * Starts an emulated identity provider plus a protected resource server on 127.0.0.1 (random port),
 * speaking the provider's exact wire format, for offline tests and demos.
 *
 * @example
 * const emulator = await startEmulator({ provider: 'fib', accessTtlMs: 1000 })
 * const session = createSession({ strategy: fib({ baseURL: emulator.url }), tokens: emulator.signIn() })
 * await emulator.stop()
 */
export async function startEmulator<P extends EmulatedProvider>(options: EmulatorOptions<P>): Promise<Emulator<P>> {
  const found: ProviderWire | undefined = wires[options.provider]
  if (!found) throw invalidArgument('provider', `one of ${Object.keys(wires).join(', ')}`, options.provider, { wrongType: false })
  const wire = found
  const defaults: { refreshTtlMs?: number; sessionCapMs?: number } = providerDefaults[options.provider] ?? {}
  const authority = new TokenAuthority({
    accessTtlMs: options.accessTtlMs ?? 60_000,
    refreshTtlMs: options.refreshTtlMs ?? defaults.refreshTtlMs,
    sessionCapMs: options.sessionCapMs ?? defaults.sessionCapMs,
    rotate: wire.rotates && (options.rotateRefreshTokens ?? true),
    reuseDetection: options.reuseDetection ?? true,
  })
  const latencyMs = options.latencyMs ?? 0
  const faults: RefreshFault[] = []
  const hung: Array<() => void> = []
  const stats: EmulatorStats = { refreshCalls: 0, refreshSucceeded: 0, refreshRefused: 0, resourceRequests: 0, resourceUnauthorized: 0, reuseDetections: 0 }

  async function refresh(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.refreshCalls++
    const body = await readBody(req)
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs))
    const fault = faults.shift()
    const reply = (answer: WireResponse): void => {
      stats.reuseDetections = authority.reuseDetections
      if (answer.status < 300) stats.refreshSucceeded++
      else stats.refreshRefused++
      send(res, answer)
    }
    const realAnswer = (): void => reply(wire.refresh({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body }, authority))
    if (fault === 'hang') return void hung.push(realAnswer)
    if (fault === 'reset') return void req.socket.destroy()
    if (fault === 'truncate') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' })
      res.write('{"data":{"accessToken":"')
      return void setTimeout(() => req.socket.destroy(), 10)
    }
    if (fault && 'rawBody' in fault) {
      reply({ status: fault.status, body: fault.rawBody, headers: { 'content-type': fault.contentType ?? 'text/html', ...fault.headers } })
    } else if (fault) {
      reply(wire.failure(fault.status, fault.code))
    } else {
      realAnswer()
    }
  }

  function resource(req: IncomingMessage, res: ServerResponse): void {
    stats.resourceRequests++
    const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')
    if (!match?.[1] || !authority.accepts(match[1])) {
      stats.resourceUnauthorized++
      send(res, { status: 401, body: { error: 'invalid_token' }, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } })
      return
    }
    send(res, { status: 200, body: { ok: true, method: req.method, path: req.url } })
  }

  const files = new Map<string, { contentType: string; body: string | Uint8Array | (() => string) }>()
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const file = req.method === 'GET' ? files.get(path) : undefined
    if (file) {
      res.writeHead(200, { 'content-type': file.contentType, 'cache-control': 'no-store' }).end(typeof file.body === 'function' ? file.body() : file.body)
    } else if (path === wire.path && req.method === wire.method) {
      refresh(req, res).catch(() => res.destroy())
    } else if (path.startsWith('/api/')) {
      // Drain the body so keep-alive connections stay usable.
      readBody(req).then(() => resource(req, res), () => res.destroy())
    } else {
      send(res, { status: 404, body: { error: 'not_found' } })
    }
  })
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
    failNextRefreshes(count, fault) {
      for (let i = 0; i < count; i++) faults.push(fault)
    },
    hangNextRefreshes(count = 1) {
      for (let i = 0; i < count; i++) faults.push('hang')
    },
    releaseHungRefreshes() {
      for (const answer of hung.splice(0)) answer()
    },
    serveFile(path, contentType, body) {
      files.set(path, { contentType, body })
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
