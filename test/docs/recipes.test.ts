/**
 * docs/recipes.md's WebSocket recipe, run as written (its first block, transpiled from the page)
 * against a real session and a fake socket: Node 20 has no WebSocket, and the recipe only needs
 * `readyState`, `send`, `close` and `addEventListener`.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import ts from 'typescript'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { createSession, RefreshError, type Session, type Tokens } from '../../src/index.js'
import { custom } from '../../src/strategies/index.js'
import { deferred, flush } from '../_helpers/deferred.js'

type AuthenticatedSocket = (session: Session, connect: () => FakeSocket) => FakeSocket
let authenticatedSocket: AuthenticatedSocket

beforeAll(async () => {
  const page = readFileSync(resolve(import.meta.dirname, '../../docs/recipes.md'), 'utf8')
  const section = page.slice(page.indexOf('## Re-authenticating a WebSocket'))
  const block = /^```ts\n([\s\S]*?)^```/m.exec(section)?.[1]
  if (!block) throw new Error('docs/recipes.md: no WebSocket recipe')
  const { outputText } = ts.transpileModule(block, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } })
  // The recipe imports types only, so its JavaScript stands alone.
  ;({ authenticatedSocket } = (await import(`data:text/javascript,${encodeURIComponent(outputText)}`)) as { authenticatedSocket: AuthenticatedSocket })
})

class FakeSocket {
  readyState = 0
  sent: Array<{ type: string; token: string }> = []
  closed: { code?: number | undefined; reason?: string | undefined } | undefined
  readonly #listeners = new Map<string, Array<() => void>>()
  addEventListener(type: string, listener: () => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener])
  }
  send(data: string): void {
    if (this.readyState !== 1) throw new Error('InvalidStateError: not open')
    this.sent.push(JSON.parse(data) as { type: string; token: string })
  }
  close(code?: number, reason?: string): void {
    if (this.readyState === 3) return
    this.readyState = 3
    this.closed = { code, reason }
    for (const listener of this.#listeners.get('close') ?? []) listener()
  }
  open(): void {
    this.readyState = 1
    for (const listener of this.#listeners.get('open') ?? []) listener()
  }
}

// A session whose refreshes hand out t1, t2…; `refuse` makes the next one terminal.
function counterSession(initial = 't0') {
  let n = 0
  const control = { refuse: false }
  const strategy = custom<Tokens>(async (current) => {
    if (control.refuse) throw new RefreshError('signed out elsewhere', { transient: false, status: 401 })
    return { ...current, accessToken: `t${++n}` }
  })
  const session = createSession({ strategy, tokens: { accessToken: initial }, retry: false })
  return { session, control }
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await flush()
}

describe('docs/recipes.md: re-authenticating a WebSocket', () => {
  it('sends nothing before the socket opens, then authenticates with the current token', async () => {
    const { session } = counterSession()
    const socket = new FakeSocket()
    expect(authenticatedSocket(session, () => socket)).toBe(socket)
    await settle()
    expect(socket.sent).toEqual([])
    socket.open()
    await settle()
    expect(socket.sent).toEqual([{ type: 'authenticate', token: 't0' }])
  })

  it('a refresh while the socket is still connecting sends nothing and closes nothing; the open sends the new token', async () => {
    const { session } = counterSession()
    const socket = new FakeSocket()
    authenticatedSocket(session, () => socket)
    await session.refresh()
    await settle()
    expect(socket).toMatchObject({ sent: [], closed: undefined })
    socket.open()
    await settle()
    expect(socket.sent).toEqual([{ type: 'authenticate', token: 't1' }])
  })

  it('sends the new token on the open socket after each refresh, whoever started it', async () => {
    const { session } = counterSession()
    const socket = new FakeSocket()
    authenticatedSocket(session, () => socket)
    socket.open()
    await session.refresh()
    await session.refresh()
    await settle()
    expect(socket.sent.map((message) => message.token)).toEqual(['t0', 't1', 't2'])
  })

  it('an expired session closes the socket with 4001, and a closed socket hears no more refreshes', async () => {
    const { session, control } = counterSession()
    const socket = new FakeSocket()
    authenticatedSocket(session, () => socket)
    socket.open()
    await settle()
    control.refuse = true
    await expect(session.refresh()).rejects.toBeInstanceOf(Error)
    await settle()
    expect(socket.closed).toEqual({ code: 4001, reason: 'signed out' })
    control.refuse = false
    await session.setTokens({ accessToken: 'after-sign-in' })
    const asked = vi.spyOn(session, 'getAccessToken')
    await session.refresh()
    await settle()
    expect(asked).not.toHaveBeenCalled() // its listeners left with the socket
    expect(socket.sent.map((message) => message.token)).toEqual(['t0'])
  })

  it('a socket that opens while a refresh runs waits for it and sends the new token, never the old one', async () => {
    const gate = deferred()
    const strategy = custom<Tokens>(async (current) => {
      await gate.promise
      return { ...current, accessToken: 'fresh' }
    })
    const session = createSession({ strategy, tokens: { accessToken: 'stale', expiresAt: Date.now() - 1 }, retry: false })
    const socket = new FakeSocket()
    authenticatedSocket(session, () => socket)
    socket.open()
    await settle()
    expect(socket.sent).toEqual([])
    gate.resolve()
    await settle()
    expect(socket.sent.map((message) => message.token)).toContain('fresh')
    expect(socket.sent.map((message) => message.token)).not.toContain('stale')
  })
})
