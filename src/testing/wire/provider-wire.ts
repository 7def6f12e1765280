import type { IncomingHttpHeaders } from 'node:http'
import type { Tokens } from '../../strategy.js'
import type { Issued, Refusal, TokenAuthority } from '../token-authority.js'

/** A refresh call as the emulator received it. */
export interface WireRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
}

/** What the emulator answers. A string body is sent as it is; anything else as JSON. */
export interface WireResponse {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

/** One provider's wire format: its refresh endpoint, envelopes and error codes. */
export interface ProviderWire {
  readonly method: string
  readonly path: string
  /** Whether the provider can rotate its refresh credential at all (S360's session never does). */
  readonly rotates: boolean
  /** The tokens a strategy starts from after sign-in. */
  sessionTokens(issued: Issued): Tokens
  /** Answers a refresh call. */
  refresh(request: WireRequest, authority: TokenAuthority): WireResponse
  /** The provider's error answer for a forced failure (`failNextRefreshes`). */
  failure(status: number, code: string | undefined): WireResponse
}

/** Narrows a redeem result. */
export const isRefusal = (result: Issued | Refusal): result is Refusal => typeof result === 'string'

/** A lifetime in seconds as providers state it: whole seconds, but a sub-second test lifetime as it is. */
export const lifetimeSeconds = (ms: number): number => (ms < 1000 ? ms / 1000 : Math.round(ms / 1000))
