/**
 * The replay queue under any schedule, fixed or adaptive: replays arrive (each with how many were in
 * flight with it), finish (resolve or reject) and their callers
 * abort in any order. Checked after every step: never more than `limit` running; replays start in
 * the order they arrived (an aborted one left out); every replay not aborted while queued runs
 * exactly once; an aborted one never runs and rejects with its reason.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { replaySlots } from '../../src/exchange/replay-slots.js'

type Step = { kind: 'arrive'; together: number } | { kind: 'finish'; pick: number; fails: boolean } | { kind: 'abort'; pick: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('arrive' as const), together: fc.nat({ max: 8 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('finish' as const), pick: fc.nat(), fails: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('abort' as const), pick: fc.nat() }), weight: 1 },
)

const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('replay slots', () => {
  it.each([false, true])('never more than the limit at once (adaptive: %s), first come first served, each replay once, an aborted one never', async (adaptive) => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(step, { maxLength: 60 }), async (limit, steps) => {
        const slots = replaySlots(adaptive ? { atLeast: limit } : { fixed: limit })
        // Adaptive: a replay may start beside as many as were in flight with it, never fewer than `limit`.
        const allowed = (together: number) => (adaptive ? Math.max(limit, together) : limit)
        let widest = 0
        const togetherOf: number[] = []
        const started: number[] = []
        const running = new Map<number, { resolve: () => void; reject: (error: Error) => void }>()
        const aborts = new Map<number, AbortController>()
        const outcomes = new Map<number, string>()
        let arrived = 0
        for (const s of steps) {
          if (s.kind === 'arrive') {
            const id = arrived++
            togetherOf.push(s.together)
            const controller = new AbortController()
            aborts.set(id, controller)
            const send = () =>
              new Promise<string>((resolve, reject) => {
                expect(running.size + 1).toBeLessThanOrEqual(allowed(s.together))
                widest = Math.max(widest, running.size + 1)
                started.push(id)
                running.set(id, { resolve: () => resolve(`done ${id}`), reject })
              })
            slots.run(send, controller.signal, () => {}, s.together).then(
              (value) => outcomes.set(id, value),
              (error: Error) => outcomes.set(id, error.message),
            )
          } else if (s.kind === 'finish' && running.size > 0) {
            const [id, replay] = [...running][s.pick % running.size] as [number, { resolve: () => void; reject: (error: Error) => void }]
            running.delete(id)
            if (s.fails) replay.reject(new Error(`failed ${id}`))
            else replay.resolve()
          } else if (s.kind === 'abort' && arrived > 0) {
            const id = s.pick % arrived
            if (!started.includes(id)) aborts.get(id)?.abort(new Error(`aborted ${id}`))
          }
          await settle()
          expect(running.size).toBeLessThanOrEqual(allowed(8))
          // No slot left idle: the first still queued waits only because its allowance is used up.
          const head = [...Array(arrived).keys()].find((id) => !started.includes(id) && !aborts.get(id)?.signal.aborted)
          if (head !== undefined) expect(running.size).toBeGreaterThanOrEqual(allowed(togetherOf[head] as number))
        }
        // Let every replay still running finish: the queue drains completely.
        while (running.size > 0) {
          for (const [id, replay] of running) {
            running.delete(id)
            replay.resolve()
          }
          await settle()
        }
        const aborted = [...aborts].filter(([id, c]) => c.signal.aborted && !started.includes(id)).map(([id]) => id)
        expect(started).toEqual([...Array(arrived).keys()].filter((id) => !aborted.includes(id)))
        expect(new Set(started).size).toBe(started.length)
        for (const id of aborted) expect(outcomes.get(id)).toBe(`aborted ${id}`)
        expect(outcomes.size).toBe(arrived)
        if (!adaptive) expect(widest).toBeLessThanOrEqual(limit)
      }),
      { numRuns: 1000 },
    )
  })
})
