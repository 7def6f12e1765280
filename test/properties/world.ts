import { AxiosError, type AxiosAdapter, type AxiosResponse, CanceledError, type InternalAxiosRequestConfig } from 'axios'
import type fc from 'fast-check'
import { RefreshError, type Strategy, type Tokens } from '../../src/index.js'

/** What a refresh attempt does, in the order the schedule lists them (then `ok`). */
export type RefreshOutcome = 'ok' | 'transient' | 'terminal' | 'malformed' | 'hang'

/** One line of what happened, in order. `token` undefined means sent without credentials. */
export type Event =
  | { kind: 'call'; id: number; seq: number }
  | { kind: 'send'; id: number; token: string | undefined; seq: number }
  | { kind: 'answer'; id: number; token: string | undefined; status: number; seq: number }
  | { kind: 'refresh-start'; current: string; seq: number }
  | { kind: 'refreshed'; from: string; to: string; seq: number }
  | { kind: 'expired'; dead: string | undefined; seq: number }
  | { kind: 'set-tokens'; token: string; seq: number }
  | { kind: 'clear'; seq: number }
  | { kind: 'violation'; what: string; seq: number }

/**
 * The system under test's surroundings: a resource server and a refresh endpoint whose every
 * answer is released by fast-check's scheduler, so each run explores one interleaving.
 */
export class World {
  readonly log: Event[] = []
  readonly valid = new Set<string>(['T0'])
  #seq = 0
  #issued = 0
  #refreshesInFlight = 0
  #spurious = 0

  constructor(
    readonly scheduler: fc.Scheduler,
    readonly outcomes: RefreshOutcome[],
  ) {}

  record(event: { kind: Event['kind'] } & Record<string, unknown>): void {
    this.log.push({ ...event, seq: this.#seq++ } as Event)
  }

  /** The next request to the resource server gets a 401 whatever its token (a flapping server). */
  flap(): void {
    this.#spurious++
  }

  /** The server stops accepting every token it has issued so far. */
  expireAll(): void {
    this.valid.clear()
  }

  #answer(id: number, token: string | undefined): number {
    const flapped = this.#spurious > 0
    if (flapped) this.#spurious--
    const status = !flapped && token !== undefined && this.valid.has(token) ? 200 : 401
    this.record({ kind: 'answer', id, token, status })
    return status
  }

  #sent(id: number, authorization: string | null | undefined): string | undefined {
    const token = authorization?.replace(/^Bearer /, '') || undefined
    this.record({ kind: 'send', id, token })
    return token
  }

  /** The refresh strategy: counts concurrent attempts, follows the scripted outcomes. */
  readonly strategy: Strategy<Tokens> = {
    name: 'scripted',
    refresh: (current, { signal }) => {
      if (this.#refreshesInFlight > 0) this.record({ kind: 'violation', what: 'two refreshes in flight' })
      this.#refreshesInFlight++
      let settled = false
      const done = (): void => {
        if (!settled) this.#refreshesInFlight--
        settled = true
      }
      signal.addEventListener('abort', done, { once: true })
      this.record({ kind: 'refresh-start', current: current.accessToken })
      const outcome = this.outcomes.shift() ?? 'ok'
      if (outcome === 'hang') return new Promise<Tokens>(() => {})
      return this.scheduler.schedule(Promise.resolve(outcome), `refresh → ${outcome}`).then((result) => {
        done()
        if (result === 'transient') throw new RefreshError('busy', { transient: true, status: 503 })
        if (result === 'terminal') throw new RefreshError('gone', { transient: false, status: 401 })
        if (result === 'malformed') return {} as Tokens
        const next = `T${++this.#issued}`
        this.valid.add(next)
        return { accessToken: next }
      })
    },
  }

  /** A fetch whose answers the scheduler releases. */
  readonly fetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init)
    const id = Number(request.headers.get('x-request-id'))
    const token = this.#sent(id, request.headers.get('authorization'))
    return this.scheduler.schedule(Promise.resolve(), `fetch #${id} answer`).then(() => {
      if (request.signal.aborted) throw request.signal.reason
      return new Response(null, { status: this.#answer(id, token) })
    })
  }

  /** An axios adapter whose answers the scheduler releases (rejecting non-2xx as axios adapters do). */
  readonly adapter: AxiosAdapter = (config: InternalAxiosRequestConfig) => {
    const id = Number(config.headers.get('x-request-id'))
    const token = this.#sent(id, config.headers.get('Authorization') as string | undefined)
    return this.scheduler.schedule(Promise.resolve(), `axios #${id} answer`).then(() => {
      if (config.signal?.aborted) throw new CanceledError(undefined, undefined, config)
      const status = this.#answer(id, token)
      const response: AxiosResponse = { data: null, status, statusText: '', headers: {}, config }
      if (status >= 400) throw new AxiosError(`HTTP ${status}`, AxiosError.ERR_BAD_REQUEST, config, undefined, response)
      return response
    })
  }
}
