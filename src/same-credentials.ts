import type { Tokens } from './strategy.js'

/**
 * Whether two token sets carry the same credentials: the access token and the refresh credential
 * beside it (`refreshToken`, or a session's `sessionToken`). A provider may rotate the refresh
 * credential and hand back the same access token: judged by the access token alone, the other
 * copies would keep the spent one and present it next.
 */
export const sameCredentials = (a: Tokens | undefined, b: Tokens | undefined): boolean =>
  a?.accessToken === b?.accessToken && a?.refreshToken === b?.refreshToken && a?.sessionToken === b?.sessionToken
