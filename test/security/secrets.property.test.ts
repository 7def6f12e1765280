/**
 * No token in any text reachable from errors or events, whatever happens: fast-check draws a
 * token alphabet (quotes, backslashes, unicode, long tokens, and control characters that must be
 * refused where they enter), a schedule of refresh answers (success, each provider's documented
 * failures, HTML, a network error, a hang past the deadline, a malformed success) and a sequence
 * of session calls, for every provider. The provider's own wire format answers in process (no
 * socket, so 500 runs per provider take seconds). Every 8-character window of every token the
 * session ever held is looked for in every message, stack, cause chain, `util.inspect`,
 * `JSON.stringify` and `String()` of the errors, and in every event payload.
 */
import { inspect } from 'node:util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createSession, type SessionEvents, type Tokens } from '../../src/index.js'
import { internalsOf } from '../../src/session/internals.js'
import { emulatedProviders, factories, strategyOptionsFor, wires } from '../../src/testing/provider-registry.js'
import { TokenAuthority } from '../../src/testing/token-authority.js'
import type { WireResponse } from '../../src/testing/wire/provider-wire.js'

const RUNS = Number(process.env.FC_RUNS ?? 500)
const ORIGIN = 'https://auth.test'
const WINDOW = 8

type Outcome = { kind: 'ok' } | { kind: 'failure'; status: number } | { kind: 'echo'; status: number } | { kind: 'html' } | { kind: 'network' } | { kind: 'hang' } | { kind: 'malformed' }
type Action = 'get' | 'refresh' | 'refusal' | 'expire' | 'setTokens'

// A provider whose error text quotes the credential it was sent (`invalid_grant: refresh token …
// revoked`): no message may carry it on.
const echo = fc.constantFrom(400, 401, 503).map((status): Outcome => ({ kind: 'echo', status }))
const outcome: fc.Arbitrary<Outcome> = fc.oneof(
  echo,
  { weight: 4, arbitrary: fc.constant({ kind: 'ok' as const }) },
  { weight: 3, arbitrary: fc.constantFrom(400, 401, 403, 404, 422, 429, 500, 503, 504).map((status) => ({ kind: 'failure' as const, status })) },
  fc.constant({ kind: 'html' as const }),
  fc.constant({ kind: 'network' as const }),
  fc.constant({ kind: 'hang' as const }),
  fc.constant({ kind: 'malformed' as const }),
)

const printable = [...'abcXYZ019-_.~+/="\'\\`<>{}[]&%$#@!?,;: ', 'ü', 'é', '漢', '😀', '\u00a0']
const controls = ['\r', '\n', '\u0000', '\u001b', '\u007f']
const alphabet = fc.record({
  chars: fc.uniqueArray(fc.constantFrom(...printable), { minLength: 1, maxLength: 12 }),
  long: fc.integer({ min: 0, max: 4 }).map((n) => n === 0), // one run in five: 300 to 1,000 characters
  // Rarely: a control character slips into an issued token; it must be refused where it enters.
  control: fc.option(fc.constantFrom(...controls), { freq: 8 }),
})

/** A deterministic source of token material for one run. */
function tokenMaker(seed: number, chars: string[], long: boolean, control: string | null) {
  let state = seed >>> 0
  const next = (n: number): number => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0
    return state % n
  }
  const alnum = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
  let made = 0
  return (): string => {
    const length = long ? 300 + next(700) : 12 + next(30)
    // Every other character random alphanumeric: each 8-character window is this token's alone.
    let token = ''
    for (let i = 0; i < length; i++) token += i % 2 ? alnum[next(alnum.length)] : chars[next(chars.length)]
    made++
    return control && made % 3 === 0 ? `${token.slice(0, 10)}${control}${token.slice(10)}` : token
  }
}

function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value)
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map))
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, map)]))
  return value
}

/** Every text a user could print from a rejection or an event. */
function texts(value: unknown, out: string[], depth = 0): void {
  if (depth > 6 || value === undefined || value === null) return
  out.push(inspect(value, { depth: 10 }), String(value))
  try {
    out.push(JSON.stringify(value) ?? '')
  } catch {}
  if (value instanceof Error) {
    out.push(value.message, value.stack ?? '')
    texts(value.cause, out, depth + 1)
    if (value instanceof AggregateError) for (const inner of value.errors) texts(inner, out, depth + 1)
  }
}

function windows(text: string): Set<string> {
  const found = new Set<string>()
  for (let i = 0; i + WINDOW <= text.length; i++) found.add(text.slice(i, i + WINDOW))
  return found
}

function leakIn(seen: Set<string>, secrets: Iterable<string>): string | undefined {
  for (const secret of secrets) {
    for (let i = 0; i + WINDOW <= secret.length; i++) if (seen.has(secret.slice(i, i + WINDOW))) return secret
  }
  return undefined
}

async function run(provider: (typeof emulatedProviders)[number], seed: number, tokenAlphabet: { chars: string[]; long: boolean; control: string | null }, outcomes: Outcome[], actions: Action[]) {
  const wire = wires[provider]
  let time = 1_700_000_000_000
  const authority = new TokenAuthority({ accessTtlMs: 60_000, refreshTtlMs: undefined, rotate: wire.rotates, reuseDetection: true }, () => time)
  const make = tokenMaker(seed, tokenAlphabet.chars, tokenAlphabet.long, tokenAlphabet.control)
  const fakeOf = new Map<string, string>()
  const realOf = new Map<string, string>()
  const disguise = (text: string): string => {
    if (!authority.issued().includes(text)) return text
    let fake = fakeOf.get(text)
    if (!fake) {
      fake = make()
      fakeOf.set(text, fake)
      realOf.set(fake, text)
    }
    return fake
  }
  const reveal = (text: string): string => {
    let out = text
    for (const [fake, real] of realOf) out = out.split(fake).join(real)
    return out
  }
  const signIn = (): Tokens => mapStrings(wire.sessionTokens(authority.signIn()), disguise) as Tokens

  const schedule = [...outcomes]
  const fakeFetch = async (input: unknown, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input instanceof Request ? input.url : input))
    const headers: Record<string, string> = {}
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = reveal(value)
    })
    const raw = typeof init.body === 'string' ? init.body : init.body instanceof URLSearchParams ? init.body.toString() : ''
    let body = reveal(raw)
    try {
      body = JSON.stringify(mapStrings(JSON.parse(raw), reveal))
    } catch {
      if (init.body instanceof URLSearchParams || headers['content-type']?.includes('form')) {
        body = new URLSearchParams([...new URLSearchParams(raw)].map(([k, v]) => [k, reveal(v)])).toString()
      }
    }
    const sent = [...Object.values(init.headers instanceof Headers ? Object.fromEntries(init.headers) : (init.headers ?? {})), raw].join(' ')
    const presented = [...realOf.keys()].find((fake) => sent.includes(fake) || sent.includes(encodeURIComponent(fake))) ?? ''
    const next = schedule.shift() ?? { kind: 'ok' }
    if (next.kind === 'network') throw new TypeError('fetch failed', { cause: new Error('ECONNRESET') })
    if (next.kind === 'hang') return new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)))
    const answer: WireResponse =
      next.kind === 'failure' ? wire.failure(next.status, undefined)
      : next.kind === 'echo' ? { ...wire.failure(next.status, undefined), body: mapStrings(wire.failure(next.status, undefined).body ?? `refresh token ${presented} revoked`, (text) => `${text}: refresh token ${presented} revoked`) }
      : next.kind === 'html' ? { status: 200, body: '<html>sign in</html>', headers: { 'content-type': 'text/html' } }
      : next.kind === 'malformed' ? { status: 200, body: { unexpected: true } }
      : wire.refresh({ method: init.method ?? 'GET', path: url.pathname, headers, body }, authority)
    const payload = mapStrings(answer.body, disguise)
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload ?? null)
    const type = typeof payload === 'string' ? 'text/plain' : 'application/json'
    return new Response(text, { status: answer.status, headers: { 'content-type': type, ...answer.headers } })
  }

  const out: string[] = []
  const strategy = factories[provider](strategyOptionsFor(provider, ORIGIN) as never)
  let session: ReturnType<typeof createSession> | undefined
  try {
    session = createSession({ strategy, tokens: signIn(), fetch: fakeFetch as typeof fetch, refreshTimeoutMs: 5, retry: { retries: 1, minDelayMs: 0, maxDelayMs: 1 }, now: () => time })
  } catch (error) {
    texts(error, out) // a control character in the sign-in tokens: refused at entry
  }
  if (session) {
    const port = internalsOf(session)
    for (const type of ['refreshing', 'refreshed', 'refreshFailed', 'expired', 'storeFailed'] as Array<keyof SessionEvents>) {
      session.on(type, (event) => texts(event, out))
    }
    const act = async (action: Action): Promise<unknown> => {
      if (action === 'get') return session?.getAccessToken()
      if (action === 'refresh') return session?.refresh()
      if (action === 'refusal') return port?.afterRefusal((await port.tokensForSend().catch(() => undefined))?.accessToken)
      if (action === 'setTokens') return session?.setTokens(signIn())
      time += 61_000
      return undefined
    }
    for (const action of actions) {
      const results = await Promise.allSettled([act(action), act(action === 'expire' ? 'get' : action)])
      for (const result of results) if (result.status === 'rejected') texts(result.reason, out)
    }
    await session.destroy()
  }
  const leaked = leakIn(windows(out.join('\n')), fakeOf.values())
  const found = leaked ? [...windows(leaked)].find((w) => out.some((text) => text.includes(w))) : undefined
  const text = found ? (out.find((t) => t.includes(found)) ?? '') : ''
  return { leaked, where: found ? text.slice(Math.max(0, text.indexOf(found) - 200), text.indexOf(found) + 40) : '' }
}

describe.each(emulatedProviders)('%s: no issued token in any error or event text', (provider) => {
  it(`${RUNS} random schedules × token alphabets`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        alphabet,
        fc.array(outcome, { maxLength: 6 }),
        fc.array(fc.constantFrom<Action>('get', 'refresh', 'refusal', 'expire', 'setTokens'), { minLength: 1, maxLength: 5 }),
        async (seed, tokenAlphabet, outcomes, actions) => {
          const { leaked, where } = await run(provider, seed, tokenAlphabet, outcomes, actions)
          expect(leaked, `a token (or 8 characters of one) appeared in an error or event: ${where}`).toBeUndefined()
        },
      ),
      { numRuns: RUNS },
    )
  }, 120_000)
})
