/** The fixed credentials every emulator accepts (and `strategyOptions` hands to the strategy). */
export const emulatorCredentials = {
  apiKey: 'emulator-api-key',
  clientId: 'emulator-client',
  clientSecret: 'emulator-secret',
  authServiceId: 'emulator-sso',
  tenantId: 'emulator-tenant',
  device: { fingerprint: 'emulator-device-fingerprint', osVersion: 'linux6.1', agent: 'tokenflight-emulator' },
} as const

/** Whole seconds from `now` until `at` (never negative), as providers state lifetimes. */
export const secondsUntil = (at: number, now: number): number => Math.max(0, Math.ceil((at - now) / 1000))
