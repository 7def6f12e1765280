import type { Strategy } from '../strategy.js'
import type { EmulatedProvider, EmulatedProviders } from './provider-registry.js'

/** Options of `startEmulator`. */
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
  /**
   * Issue access tokens that are not JWTs, so no `exp` tells a client when they expire: it learns
   * their lifetime from a refresh answer, or not at all (a 401 is the first it hears).
   * @default false
   */
  opaqueAccessTokens?: boolean | undefined
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
   * Resource requests from now on stay unanswered (still counted in `resourceRequests`) until
   * {@link Emulator.releaseResourceRequests}: what a client holds per pending request.
   */
  holdResourceRequests(): void
  /** Answers every held resource request now, as it would be answered now, and stops holding. */
  releaseResourceRequests(): void
  /**
   * Serves a file at `path` (a test page, a script), so pages share the emulator's origin.
   * A function body is rendered on every request (a page with a fresh sign-in in it).
   */
  serveFile(path: string, contentType: string, body: string | Uint8Array | (() => string)): void
  stop(): Promise<void>
}
