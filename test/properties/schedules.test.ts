/**
 * Model-based race tests: fast-check generates schedules of requests (axios and fetch), aborts,
 * server-side expiries, flapping 401s, refresh outcomes (success, transient, terminal, malformed,
 * hang past the timeout), setTokens and clear, and its scheduler picks the order in which every
 * answer arrives. After each run the guarantees of design.md are checked on the event log.
 *
 * Re-run a failure with the seed and path it prints: FC_SEED=… FC_PATH=… npx vitest run test/properties
 */
import axios from 'axios'
import fc from 'fast-check'
import { describe, it } from 'vitest'
import { createSession } from '../../src/index.js'
import { attachAxios } from '../../src/interceptors/axios.js'
import { wrapFetch } from '../../src/interceptors/fetch.js'
import { brokenInvariants, story } from './invariants.js'
import { type RefreshOutcome, World } from './world.js'

type Client = 'axios' | 'fetch'
type Command =
  | { kind: 'request'; client: Client; abort: boolean }
  | { kind: 'expire' }
  | { kind: 'flap' }
  | { kind: 'setTokens' }
  | { kind: 'clear' }

const ORIGIN = 'https://api.test'
const RUNS = Number(process.env.FC_RUNS ?? 1000)
const settings: fc.Parameters<unknown> = {
  numRuns: RUNS,
  ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}),
  ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
}

const command = (clients: Client[]): fc.Arbitrary<Command> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('request' as const), client: fc.constantFrom(...clients), abort: fc.boolean() }) },
    { weight: 2, arbitrary: fc.constant({ kind: 'expire' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'flap' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'setTokens' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
  )
const outcome: fc.Arbitrary<RefreshOutcome> = fc.constantFrom('ok', 'ok', 'transient', 'terminal', 'malformed', 'hang')

async function runSchedule(scheduler: fc.Scheduler, commands: Command[], outcomes: RefreshOutcome[]): Promise<void> {
  const world = new World(scheduler, [...outcomes])
  const session = createSession({ strategy: world.strategy, tokens: { accessToken: 'T0' }, refreshTimeoutMs: 10, retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2 } })
  // The world knows which token is current; session events carry none (by design).
  let current: string | undefined = 'T0'
  let lastRefresh: { from: string; to: string } | undefined
  const refresh = world.strategy.refresh
  world.strategy.refresh = async (tokens, context) => {
    const next = await refresh(tokens, context)
    lastRefresh = { from: tokens.accessToken, to: next.accessToken }
    return next
  }
  session.on('refreshed', () => {
    if (!lastRefresh) return
    world.record({ kind: 'refreshed', ...lastRefresh })
    current = lastRefresh.to
  })
  session.on('expired', () => world.record({ kind: 'expired', dead: current }))

  const api = axios.create({ baseURL: ORIGIN, adapter: world.adapter })
  const detach = attachAxios(api, session)
  const authedFetch = wrapFetch(world.fetch, session, { origins: [ORIGIN] })
  const pending = new Set<number>()
  let ids = 0
  let users = 0

  const actions: Record<Command['kind'], (c: Command) => void> = {
    request: (c) => {
      const { client, abort } = c as Extract<Command, { kind: 'request' }>
      const id = ++ids
      const controller = new AbortController()
      world.record({ kind: 'call', id })
      pending.add(id)
      const headers = { 'x-request-id': String(id) }
      const sent =
        client === 'axios' ? api.get(`/r/${id}`, { headers, signal: controller.signal }) : authedFetch(`${ORIGIN}/r/${id}`, { headers, signal: controller.signal })
      sent.then(
        () => pending.delete(id),
        () => pending.delete(id),
      )
      if (abort) void scheduler.schedule(Promise.resolve(), `abort #${id}`).then(() => controller.abort())
    },
    expire: () => world.expireAll(),
    flap: () => world.flap(),
    setTokens: () => {
      const token = `U${++users}`
      world.valid.add(token)
      world.record({ kind: 'set-tokens', token })
      current = token
      void session.setTokens({ accessToken: token })
    },
    clear: () => {
      world.record({ kind: 'clear' })
      current = undefined
      void session.clear()
    },
  }
  for (const c of commands) void scheduler.schedule(Promise.resolve(), c.kind).then(() => actions[c.kind](c))

  // Answers are released by the scheduler; timeouts and backoff run on real (short) timers.
  const deadline = Date.now() + 2_000
  do {
    await scheduler.waitIdle()
    if (pending.size) await new Promise((resolve) => setTimeout(resolve, 2))
  } while ((pending.size || scheduler.count()) && Date.now() < deadline)

  detach()
  session.destroy()
  const broken = brokenInvariants(world.log, [...pending])
  if (broken.length) throw new Error(`${broken.join('\n')}\n--- what happened ---\n${story(world.log)}`)
}

describe.each<[string, Client[]]>([
  ['axios', ['axios']],
  ['fetch', ['fetch']],
  ['axios and fetch sharing one session', ['axios', 'fetch']],
])('random schedules through %s', (_name, clients) => {
  it(`keep every guarantee over ${RUNS} schedules`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(command(clients), { minLength: 1, maxLength: 14 }), fc.array(outcome, { maxLength: 4 }), runSchedule),
      settings,
    )
  }, 300_000)
})
