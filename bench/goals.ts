/**
 * The performance goals, each judged from the figures of the same run: the "Goals" table at the
 * top of docs/benchmarks.md. A goal whose scenario did not run says so.
 */
import type { Results, Row } from './results.js'

export interface GoalRow {
  goal: string
  reached: string
  verdict: 'met' | 'missed' | 'not run'
}

type Judged = { reached: string; met: boolean } | undefined

const row = (rows: Row[], client: string): Row | undefined => rows.find((r) => r.client === client)
const num = (r: Row | undefined, key: string): number => Number(r?.[key] ?? Number.NaN)
const times = (x: number): string => `${x.toFixed(2)}×`
const count = (n: number): string => n.toLocaleString('en-US')

function judge(goal: string, judged: Judged): GoalRow {
  if (!judged) return { goal, reached: '—', verdict: 'not run' }
  return { goal, reached: judged.reached, verdict: judged.met ? 'met' : 'missed' }
}

function steadyGoal(rows: Row[], client: string, bare: string, mode: string, bound: number): GoalRow {
  const r = row(rows, client)
  const ratio = num(r, 'vsBare')
  return judge(`Steady, ${mode}: ${client}, client CPU per request ≤ ${bound}× ${bare}`, r ? { reached: times(ratio), met: ratio <= bound } : undefined)
}

// Wall time and p99 no worse than the hand-written interceptor's, with the burst served right.
function revokedGoal(rows: Row[], n: number, client: string, peerName = 'hand-written failedQueue'): GoalRow {
  const r = row(rows, client)
  const peer = row(rows, peerName)
  const goal = `Revoked burst of ${count(n)}: ${client}, wall time and p99 ≤ the ${peerName}'s, 1 refresh, 0 failed`
  if (!r || !peer) return judge(goal, undefined)
  const wall = num(r, 'wallMs') / num(peer, 'wallMs')
  const p99 = num(r, 'p99Ms') / num(peer, 'p99Ms')
  const right = num(r, 'refreshCalls') === 1 && num(r, 'failures') === 0
  const reached = `wall ${times(wall)}, p99 ${times(p99)}; ${num(r, 'refreshCalls')} refresh, ${num(r, 'failures')} failed`
  return judge(goal, { reached, met: wall <= 1 && p99 <= 1 && right })
}

// Judged as asked; the bare clients' own ratio in the same run says how much of it is fetch's.
function fetchVsAxiosGoal(rows: Row[], n: number, steady: Row[]): GoalRow {
  const viaFetch = row(rows, 'tokenflight (fetch)')
  const viaAxios = row(rows, 'tokenflight (axios)')
  const ratio = num(viaFetch, 'wallMs') / num(viaAxios, 'wallMs')
  const bare = num(row(steady, 'bare fetch'), 'cpuUsPerRequest') / num(row(steady, 'bare axios'), 'cpuUsPerRequest')
  const context = Number.isNaN(bare) ? '' : ` (bare fetch costs ${times(bare)} bare axios's CPU per request in this run)`
  const goal = `Revoked burst of ${count(n)}: tokenflight (fetch) wall time ≤ 1.1× tokenflight (axios)`
  return judge(goal, viaFetch && viaAxios ? { reached: `${times(ratio)}${context}`, met: ratio <= 1.1 } : undefined)
}

// Served at least as many requests as the better axios-auth-refresh setup, and no 401 served.
function rollingGoal(rows: Row[], client: string): GoalRow {
  const r = row(rows, client)
  const peers = rows.filter((p) => String(p.client).startsWith('axios-auth-refresh 5'))
  const best = Math.max(...peers.map((p) => num(p, 'requests')))
  const ratio = num(r, 'requests') / best
  const goal = `Rolling: ${client}, requests served ≥ axios-auth-refresh 5's (its better setup), 0 served 401s`
  const judged = r && peers.length > 0 ? { reached: `${times(ratio)}, ${num(r, 'served401')} served 401s`, met: ratio >= 1 && num(r, 'served401') === 0 } : undefined
  return judge(goal, judged)
}

function memoryGoal(rows: Row[], client: string, bare: string): GoalRow {
  const r = row(rows, client)
  const over = num(r, 'overBareBytes')
  const goal = `Memory: ${client}, heap per request waiting on a refresh ≤ ${bare}'s per pending request + 512 B`
  return judge(goal, r && !Number.isNaN(over) ? { reached: `${over >= 0 ? '+' : ''}${count(over)} B`, met: over <= 512 } : undefined)
}

/** Every goal, judged; `sizes` are the two burst sizes of the run. */
export function goals(results: Results, sizes: { small: number; large: number }): GoalRow[] {
  const { steadySequential: seq, steadyConcurrent: conc } = results
  return [
    steadyGoal(seq, 'tokenflight (axios)', 'bare axios', 'sequential', 1.03),
    steadyGoal(conc, 'tokenflight (axios)', 'bare axios', '16 in flight', 1.03),
    steadyGoal(seq, 'tokenflight (fetch)', 'bare fetch', 'sequential', 1.02),
    steadyGoal(conc, 'tokenflight (fetch)', 'bare fetch', '16 in flight', 1.02),
    revokedGoal(results.revoked1k, sizes.small, 'tokenflight (axios)'),
    revokedGoal(results.revoked1k, sizes.small, 'tokenflight (fetch)'),
    revokedGoal(results.revoked1k, sizes.small, 'tokenflight (fetch)', 'hand-written failedQueue (fetch)'),
    revokedGoal(results.revoked10k, sizes.large, 'tokenflight (axios)'),
    revokedGoal(results.revoked10k, sizes.large, 'tokenflight (fetch)'),
    revokedGoal(results.revoked10k, sizes.large, 'tokenflight (fetch)', 'hand-written failedQueue (fetch)'),
    fetchVsAxiosGoal(results.revoked10k, sizes.large, seq),
    rollingGoal(results.rolling, 'tokenflight (axios)'),
    rollingGoal(results.rolling, 'tokenflight (fetch)'),
    memoryGoal(results.memory, 'tokenflight (axios)', 'bare axios'),
    memoryGoal(results.memory, 'tokenflight (fetch)', 'bare fetch'),
  ]
}
