import {
  type AgsOptions,
  type AgsTokens,
  ags,
  type CiamOptions,
  type CiamTokens,
  ciam,
  type FibOptions,
  type FibTokens,
  fib,
  type OAuth2Options,
  type OAuth2Tokens,
  oauth2,
  type S360Options,
  type S360Tokens,
  s360,
} from '../strategies/index.js'
import type { Strategy } from '../strategy.js'
import { emulatorCredentials } from './credentials.js'
import { agsWire } from './wire/ags.js'
import { ciamWire } from './wire/ciam.js'
import { fibWire } from './wire/fib.js'
import { oauth2Wire } from './wire/oauth2.js'
import type { ProviderWire } from './wire/provider-wire.js'
import { s360Wire } from './wire/s360.js'

/** Each provider's wire format. */
export const wires = { s360: s360Wire, ciam: ciamWire, fib: fibWire, ags: agsWire, oauth2: oauth2Wire } satisfies Record<string, ProviderWire>

/** Providers the emulator speaks. */
export type EmulatedProvider = keyof typeof wires

/** Every provider the emulator speaks. */
export const emulatedProviders = Object.keys(wires) as EmulatedProvider[]

/** Each provider's strategy factory. */
export const factories = { s360, ciam, fib, ags, oauth2 } as unknown as Record<EmulatedProvider, (options: never) => Strategy<never>>

/** What each provider's strategy factory takes, and the tokens it keeps. */
export interface EmulatedProviders {
  s360: { options: S360Options; tokens: S360Tokens }
  ciam: { options: CiamOptions; tokens: CiamTokens }
  fib: { options: FibOptions; tokens: FibTokens }
  ags: { options: AgsOptions; tokens: AgsTokens }
  oauth2: { options: OAuth2Options; tokens: OAuth2Tokens }
}

// Lifetimes the documents state (CIAM `expire` 604800 s; AGS refresh 172800 s, fixed cap 2592000 s).
export const providerDefaults: Partial<Record<EmulatedProvider, { refreshTtlMs?: number; sessionCapMs?: number }>> = {
  ciam: { refreshTtlMs: 604_800_000 },
  ags: { refreshTtlMs: 172_800_000, sessionCapMs: 2_592_000_000 },
}

export function strategyOptionsFor(provider: EmulatedProvider, url: string): EmulatedProviders[EmulatedProvider]['options'] {
  const { apiKey, clientId, clientSecret, authServiceId, tenantId, device } = emulatorCredentials
  switch (provider) {
    case 's360':
      return { baseURL: url, apiKey }
    case 'ciam':
      return { baseURL: url, clientId, device: { ...device } }
    case 'ags':
      return { baseURL: url, authServiceId, tenantId }
    case 'oauth2':
      return { tokenEndpoint: `${url}${oauth2Wire.path}`, clientId, clientSecret, clientAuth: 'basic' }
    default:
      return { baseURL: url }
  }
}
