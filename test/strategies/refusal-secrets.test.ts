/**
 * A refused refresh's error carries the provider's code, never its text: OAuth2 answering
 * `{"error":"invalid_grant: refresh token <rt> revoked"}` used to put `<rt>` in
 * `RefreshError.message` (AGS, S360, CIAM and FIB message fields likewise). Whatever a provider
 * writes in its error body, no 8 characters of a credential reach the message, `providerCode`,
 * `details`, the cause chain, `JSON.stringify`, `util.inspect` or a `refreshFailed` event; the raw
 * body stays a non-enumerable `body`.
 */
import { inspect } from 'node:util'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createSession, isTokenflightError, RefreshError, type Strategy, type Tokens } from '../../src/index.js'
import { oauth2 } from '../../src/strategies/index.js'
import { type LoopbackServer, type ProviderCase, providerCases, type Received, startLoopback } from '../_helpers/strategy-harness.js'

const servers: LoopbackServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()))
})

/** Every field any provider reads a code or message from, each holding `text`. */
const poisoned = (text: string) => ({
  error: text,
  error_description: text,
  code: text,
  errorCode: text,
  error_code: text,
  error_msg: text,
  message: text,
  status: { code: 401, name: text },
  desc: { code: text, en: text },
  esbUUID: text,
})

/** Ways a credential may hide in a code: whole, inside text, as an 8-character piece that passes the code pattern. */
const disguises = (secret: string): Array<[string, string]> => [
  ['the credential itself', secret],
  ['a documented code followed by the credential', `invalid_grant: refresh token ${secret} revoked`],
  ['the credential in a code-like word', `E_${secret}_X`],
  ['8 characters of the credential', secret.slice(2, 10)],
]

// RFC 4648 base32, unpadded.
function base32(text: string): string {
  const bits = [...Buffer.from(text)].map((byte) => byte.toString(2).padStart(8, '0')).join('')
  return (bits.match(/.{1,5}/g) ?? []).map((five) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[Number.parseInt(five.padEnd(5, '0'), 2)]).join('')
}

// Each hex digit of the bytes as a letter a–p, in dot-separated words of 16 letters: reads like `kfjdlmaobepcgdhn.…`.
const shapedAsCode = (text: string): string =>
  (Buffer.from(text).toString('hex').replace(/./g, (digit) => String.fromCharCode(97 + Number.parseInt(digit, 16))).match(/.{1,16}/g) ?? []).join('.')

function leaks(text: string, secrets: string[]): string | undefined {
  for (const secret of secrets) {
    for (let i = 0; i + 8 <= secret.length; i++) if (text.includes(secret.slice(i, i + 8))) return secret.slice(i, i + 8)
  }
  return undefined
}

function texts(value: unknown): string[] {
  const out = [inspect(value, { depth: 10 }), JSON.stringify(value) ?? '']
  for (let e = value, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    const error = e as Error & { providerCode?: unknown; details?: unknown }
    out.push(error.message, String(error.stack), String(error.providerCode), JSON.stringify(error.details ?? {}))
  }
  return out
}

async function refuse(provider: ProviderCase, status: number, body: unknown) {
  const server = await startLoopback((_request, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)))
  servers.push(server)
  const session = createSession({ strategy: provider.make(server.url), tokens: provider.tokens as Tokens, retry: false })
  const events: unknown[] = []
  session.on('refreshFailed', (event) => events.push(event))
  const error = await session.refresh().catch((e: unknown) => e)
  return { error, events }
}

describe.each(providerCases)('$name refusal text', (provider) => {
  const cases = provider.secrets.flatMap((secret) => disguises(secret).map(([label, text]) => ({ label, text, secret })))

  it.each(cases.flatMap((c) => [400, 401, 503].map((status) => ({ ...c, status }))))(
    'HTTP $status, $label ($secret): no credential in any text',
    async ({ text, status }) => {
      const { error, events } = await refuse(provider, status, poisoned(text))
      expect(error).toBeInstanceOf(Error)
      for (const piece of [...texts(error), ...events.flatMap(texts)]) expect(leaks(piece, provider.secrets)).toBeUndefined()
    },
  )

  // An endpoint echoing a credential encoded: nothing of the echo may be shown either.
  const encodings = (secret: string): Array<[string, string]> => {
    const base64 = (text: string) => Buffer.from(text).toString('base64').replace(/=+$/, '')
    return [
      ['reversed', [...secret].reverse().join('')],
      ['in base64', base64(secret)],
      ['in base64url after a prefix (another alignment)', Buffer.from(`x${secret}`).toString('base64url')],
      ['in hex', Buffer.from(secret).toString('hex').slice(0, 64)],
      ['split by dots every 7 characters', secret.match(/.{1,7}/g)?.join('.') ?? secret],
      ['its bytes reversed, in hex', Buffer.from(secret).reverse().toString('hex').slice(0, 64)],
      ['its bytes reversed, in base64', base64(Buffer.from(secret).reverse().toString('latin1'))],
      // Encodings no check looks for, the last shaped to read as a code (words of letters a–p).
      ['in rot13', secret.replace(/[a-z]/gi, (c) => String.fromCharCode(((c.toLowerCase().charCodeAt(0) - 84) % 26) + (c < 'a' ? 65 : 97)))],
      ['in base32', base32(secret)],
      ['in hex written with the letters a–p, in words of 16', shapedAsCode(secret)],
    ]
  }
  const shown = (text: string, echo: string): boolean => {
    const plain = (value: string) => value.replace(/[^A-Za-z0-9]/g, '').toLowerCase()
    const [haystack, needle] = [plain(text), plain(echo)]
    for (let i = 0; i + 8 <= needle.length; i++) if (haystack.includes(needle.slice(i, i + 8))) return true
    return false
  }
  it.each(provider.secrets.flatMap((secret) => encodings(secret).map(([label, echo]) => ({ label, echo, secret }))))(
    'HTTP 401, the credential $label ($secret): nothing of the echo in any text',
    async ({ echo }) => {
      const { error, events } = await refuse(provider, 401, poisoned(echo.slice(0, 64)))
      expect(error).toBeInstanceOf(Error)
      for (const piece of [...texts(error), ...events.flatMap(texts)]) expect(shown(piece, echo.slice(0, 64))).toBe(false)
    },
  )

  // A page whose own old code took TextEncoder away: the echo is still recognised, and the refusal still an error of ours.
  it.each(provider.secrets.flatMap((secret) => encodings(secret).map(([label, echo]) => ({ label, echo, secret }))))(
    'without TextEncoder, HTTP 401, the credential $label ($secret): nothing of the echo in any text',
    async ({ echo }) => {
      vi.stubGlobal('TextEncoder', undefined)
      try {
        const { error, events } = await refuse(provider, 401, poisoned(echo.slice(0, 64)))
        expect(isTokenflightError(error)).toBe(true)
        for (const piece of [...texts(error), ...events.flatMap(texts)]) expect(shown(piece, echo.slice(0, 64))).toBe(false)
      } finally {
        vi.unstubAllGlobals()
      }
    },
  )

  it('the raw body stays reachable as a non-enumerable property', async () => {
    const body = poisoned(provider.secrets[0] as string)
    const { error } = await refuse(provider, 503, body)
    expect(error).toBeInstanceOf(RefreshError)
    expect((error as RefreshError).body).toEqual(body)
    expect(Object.keys(error as object)).not.toContain('body')
  })
})

// What the refresh request carried that holds a credential, as it travelled: a header's value after
// its scheme (Basic's base64 included), a form or JSON field's value.
function wireCredentials(request: Received, secrets: string[]): string[] {
  const holds = (text: string): boolean => secrets.some((secret) => text.includes(secret))
  const decoded = (text: string): string => {
    try {
      return decodeURIComponent(atob(text).replace(/\+/g, ' '))
    } catch {
      return ''
    }
  }
  const headerValues = Object.values(request.headers).flatMap((v) => (v === undefined ? [] : [v].flat())).map((v) => v.replace(/^\w+ /, ''))
  let bodyValues: string[] = []
  try {
    bodyValues = Object.values(JSON.parse(request.body) as Record<string, unknown>).filter((v): v is string => typeof v === 'string')
  } catch {
    bodyValues = [...new URLSearchParams(request.body).values()]
  }
  return [...headerValues, ...bodyValues].filter((value) => holds(value) || holds(decoded(value)))
}

const quotingCases = [
  ...providerCases,
  { ...(providerCases.find((p) => p.name === 'oauth2') as ProviderCase), name: 'oauth2 (Basic)' as const, make: (url: string) => oauth2({ tokenEndpoint: `${url}/oauth/token`, clientId: 'web', clientSecret: 'cs-K7v2Qp9Wz3Rt8Y' }) as Strategy<Tokens> },
]

describe.each(quotingCases)('$name: a server quoting the credentials as they came', (provider) => {
  it.each(['as it came', 'without base64 padding'])('%s: no 8 characters of any of them in any text', async (how) => {
    let quote = 0 // which of the request's credentials this answer quotes
    const server = await startLoopback((request, res) => {
      const quoted = wireCredentials(request, provider.secrets)[quote] ?? 'none'
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify(poisoned(how === 'as it came' ? quoted : quoted.replace(/=+$/, ''))))
    })
    servers.push(server)
    const sent = async () => {
      const session = createSession({ strategy: provider.make(server.url), tokens: provider.tokens as Tokens, retry: false })
      const events: unknown[] = []
      session.on('refreshFailed', (event) => events.push(event))
      const error = await session.refresh().catch((e: unknown) => e)
      return { error, events, sent: wireCredentials(server.requests.at(-1) as Received, provider.secrets) }
    }
    const first = await sent()
    expect(first.sent.length).toBeGreaterThan(0)
    for (; quote < first.sent.length; quote++) {
      const { error, events } = await sent()
      for (const piece of [...texts(error), ...events.flatMap(texts)]) expect(leaks(piece, first.sent)).toBeUndefined()
    }
  })
})

describe('documented codes', () => {
  const oauth = providerCases.find((p) => p.name === 'oauth2') as ProviderCase

  it('OAuth2 `invalid_grant: <text>` reads as invalid_grant: terminal, named, text dropped', async () => {
    const { error } = await refuse(oauth, 400, { error: `invalid_grant: refresh token ${oauth.secrets[0]} revoked` })
    const cause = (error as Error).cause as RefreshError
    expect(cause).toMatchObject({ providerCode: 'invalid_grant', transient: false, status: 400 })
    expect(cause.message).toBe('OAuth2 refresh failed with HTTP 400 (invalid_grant)')
  })

  it('a registered extension code is shown and read: slow_down (RFC 8628) is retried', async () => {
    const { error } = await refuse(oauth, 400, { error: 'slow_down' })
    expect(error).toMatchObject({ providerCode: 'slow_down', transient: true, message: 'OAuth2 refresh failed with HTTP 400 (slow_down)' })
  })

  it('an undocumented code, however harmless it looks, is not shown: the body keeps it', async () => {
    const { error } = await refuse(oauth, 429, { error: 'quota_exceeded' })
    expect(error).toMatchObject({ providerCode: undefined, transient: true, message: 'OAuth2 refresh failed with HTTP 429' })
    expect((error as RefreshError).body).toEqual({ error: 'quota_exceeded' })
  })

  // A UUID can carry 16 bytes of anything: the support id is kept for a deliberate read, never rendered.
  it('S360: an esbUUID is kept in details, which no rendering of the error shows', async () => {
    const s360 = providerCases.find((p) => p.name === 's360') as ProviderCase
    const id = Buffer.from(s360.secrets[0] as string).reverse().toString('hex').slice(0, 32).replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-')
    const { error, events } = await refuse(s360, 401, { esbUUID: id, desc: { code: 'ESB-IDP-E0003' } })
    const cause = ((error as Error).cause ?? error) as RefreshError
    expect(cause.details).toEqual({ esbUUID: id })
    for (const piece of [inspect(error, { depth: 10, showHidden: true }), JSON.stringify(error), ...events.map((event) => inspect(event, { depth: 10, showHidden: true }))]) {
      expect(piece).not.toContain(id)
    }
  })
})

describe('network failures', () => {
  it.each(providerCases)('$name: a fetch error quoting the credential is not kept as the cause', async (provider) => {
    const quoting: typeof fetch = async (_url, init) => {
      throw new TypeError(`invalid request: ${JSON.stringify(init?.headers)} ${String(init?.body)}`)
    }
    const session = createSession({ strategy: provider.make('https://auth.example.com'), tokens: provider.tokens, retry: false, fetch: quoting })
    const error = await session.refresh().catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'RefreshError', transient: true })
    for (const piece of texts(error)) expect(leaks(piece, provider.secrets)).toBeUndefined()
  })

  // Quoted encoded (Basic, form-encoded), or held in a field of the error: no text search finds every spelling.
  it.each(providerCases)('$name: a fetch error that encodes the credentials or keeps the request in a field leaves no trace of them', async (provider) => {
    const encoding: typeof fetch = async (_url, init) => {
      const headers = JSON.stringify(init?.headers)
      const error = new TypeError(`request failed: ${btoa(headers)} ${encodeURIComponent(String(init?.body))}`)
      throw Object.assign(error, { request: { headers: init?.headers, body: init?.body } })
    }
    const session = createSession({ strategy: provider.make('https://auth.example.com'), tokens: provider.tokens, retry: false, fetch: encoding })
    const error = await session.refresh().catch((e: unknown) => e)
    for (const piece of [...texts(error), inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true })]) {
      expect(leaks(piece, provider.secrets)).toBeUndefined()
    }
  })

  it('a network failure keeps its class names and Node-style codes, from the whole cause chain, as the cause', async () => {
    const provider = providerCases[0] as ProviderCase
    const connect = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })
    const refused = new TypeError('fetch failed', { cause: connect })
    const session = createSession({ strategy: provider.make('https://auth.example.com'), tokens: provider.tokens, retry: false, fetch: () => Promise.reject(refused) })
    const error = (await session.refresh().catch((e: unknown) => e)) as RefreshError
    expect(error).toMatchObject({ name: 'RefreshError', transient: true })
    expect(error.cause).toMatchObject({ message: 'fetch failed (TypeError, ECONNREFUSED)', code: 'ECONNREFUSED' })
  })
})
