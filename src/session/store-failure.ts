import { StoreTimeoutError } from '../errors/index.js'
import type { Tokens } from '../strategy.js'

const SAFE_CODE = /^[A-Za-z0-9_.-]{1,64}$/

/**
 * A store's failure as it may be shown (events, logs, a rejected `clear()`): stores quote what they
 * were asked (Redis: `…with args beginning with: 'key' '{"accessToken":…}'`), so the message is
 * cut there and at anything serialised, every string of `known` tokens is blanked, and nothing
 * else of the original (fields, cause, stack) is kept but a short `code`.
 */
export function storeFailure(error: unknown, known: ReadonlyArray<Tokens | undefined>): Error {
  if (error instanceof StoreTimeoutError) return error
  let message = String(error instanceof Error ? error.message : error).split(/,? with args|\{/i, 1)[0]?.slice(0, 200) ?? ''
  for (const value of known.flatMap((tokens) => Object.values(tokens ?? {}))) {
    if (typeof value === 'string' && value.length >= 4) message = message.split(value).join('[token]')
  }
  const { code } = (error ?? {}) as { code?: unknown }
  return Object.assign(new Error(message), typeof code === 'string' && SAFE_CODE.test(code) ? { code } : {})
}
