import { InvalidRefreshResponseError, RefreshError } from '../../src/index.js'
import { keepTokens } from '../../src/kept-tokens.js'
import { countingStrategy } from './counting-strategy.js'

/**
 * A provider with reuse detection whose first answer rotates r0 → r1 beside the same access token:
 * refused over a malformed access token (the credential kept), or accepted as it is. Later answers
 * are `token-<call>` with `r<call>`. `presented`: every refresh token it was given.
 */
export function rotationBesideAccess(first: 'malformed' | 'same access token') {
  const state = { live: 'r0', reuse: 0, presented: [] as unknown[] }
  const strategy = countingStrategy(async (call, current) => {
    state.presented.push(current.refreshToken)
    if (current.refreshToken !== state.live) {
      state.reuse++
      throw new RefreshError('refresh token reused', { transient: false, status: 401 })
    }
    state.live = `r${call}`
    if (call === 1 && first === 'malformed') throw keepTokens(new InvalidRefreshResponseError('data.accessToken', 'a non-empty string', 'an empty string'), { ...current, refreshToken: 'r1' })
    if (call === 1) return { ...current, refreshToken: 'r1' }
    return { accessToken: `token-${call}`, refreshToken: state.live }
  })
  return { strategy, state }
}
