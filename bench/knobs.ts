/**
 * What a run of `npm run bench` is told by its environment: `BENCH_ONLY` (comma-separated
 * scenario names) runs only those; `BENCH_SCALE` (default 1) multiplies the request counts, for
 * smoke runs on a busy machine (`BENCH_SCALE=0.1`). Either one makes a run print its tables and
 * write no files.
 */
export const only = process.env.BENCH_ONLY
const scale = Number(process.env.BENCH_SCALE ?? 1)
if (!(scale > 0)) throw new TypeError(`Expected BENCH_SCALE to be a positive number, got \`${process.env.BENCH_SCALE}\``)

/** The scenarios `BENCH_ONLY` can name. */
export const scenarios = ['burst', 'revoked', 'steady', 'machinery', 'rolling', 'failure', 'memory', 'bare-memory', 'pool'] as const
export type Scenario = (typeof scenarios)[number]
for (const name of only?.split(',') ?? []) {
  if (!scenarios.includes(name as Scenario)) throw new TypeError(`Expected BENCH_ONLY to name scenarios of ${scenarios.join(', ')}, got \`${name}\``)
}

/** Only a full run at full scale writes docs/benchmarks.md and bench/results. */
export const fullRun = !only && scale === 1

export const wanted = (scenario: Scenario): boolean => !only || only.split(',').includes(scenario)

/** A request count under `BENCH_SCALE`. */
export const scaled = (n: number): number => Math.max(1, Math.round(n * scale))

export const gc = (globalThis as { gc?: () => void }).gc

const began = Date.now()
export const elapsedSeconds = (): number => Math.round((Date.now() - began) / 1000)
export const progress = (what: string): void => console.error(`[bench ${elapsedSeconds()} s] ${what}`)
