/** The fixed credentials every emulator accepts (and `strategyOptions` hands to the strategy). */
export const emulatorCredentials = {
  apiKey: 'emulator-api-key',
  /** OAuth2: a confidential client, which must authenticate with `clientSecret`. */
  clientId: 'emulator-client',
  clientSecret: 'emulator-secret',
  /** OAuth2: a public client, which sends only its id (RFC 6749 §2.1). */
  publicClientId: 'emulator-public-client',
  /** OAuth2: the scope a sign-in is granted; a refresh may ask for less, never more. */
  scope: 'read write',
  authServiceId: 'emulator-sso',
  tenantId: 'emulator-tenant',
  device: { fingerprint: 'emulator-device-fingerprint', osVersion: 'linux6.1', agent: 'tokenflight-emulator' },
} as const

/** Whole seconds from `now` until `at` (never negative), as providers state lifetimes. */
export const secondsUntil = (at: number, now: number): number => Math.max(0, Math.ceil((at - now) / 1000))
