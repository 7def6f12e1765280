/**
 * A replay holds its slot at most `holdMs`: the timer that takes it back runs only while a replay
 * waits for a slot, so once everything has settled no timer keeps a Node process alive.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { replaySlots } from '../../src/exchange/replay-slots.js'
import { deferred, flush } from '../_helpers/deferred.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('replay slots held past holdMs', () => {
  it('a replay still running after holdMs gives its slot to the one queued behind it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const slots = replaySlots({ fixed: 1 }, undefined, 1_000)
    const stuck = deferred<string>()
    const started: string[] = []
    const start = <R>(name: string, answer: () => Promise<R>) => () => {
      started.push(name)
      return answer()
    }
    void slots.run(start('stuck', () => stuck.promise), null, () => {})
    const next = slots.run(start('next', async () => 'next done'), null, () => {})
    await flush()
    expect(started).toEqual(['stuck'])
    await vi.advanceTimersByTimeAsync(999)
    expect(started).toEqual(['stuck'])
    await vi.advanceTimersByTimeAsync(1)
    expect(started).toEqual(['stuck', 'next'])
    await expect(next).resolves.toBe('next done')
    stuck.resolve('late')
  })

  it('once the queue is empty no timer is left, whether the queued replays ran or were aborted', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const slots = replaySlots({ fixed: 1 }, undefined, 10_000)
    const first = deferred<void>()
    const running = slots.run(() => first.promise, null, () => {})
    const queued = slots.run(async () => {}, null, () => {})
    const controller = new AbortController()
    const aborted = slots.run(async () => {}, controller.signal, () => {}).catch(() => 'aborted')
    expect(vi.getTimerCount()).toBe(1) // replays wait: the watch is on
    controller.abort()
    await expect(aborted).resolves.toBe('aborted')
    first.resolve()
    await running
    await queued
    expect(vi.getTimerCount()).toBe(0)
  })
})
