/**
 * The lock tabs use without Web Locks (insecure contexts, Safari < 15.4, Firefox < 96): one
 * localStorage key of owner ids with a heartbeat count. Driven by fake timers over storage
 * replicated as a multi-process browser does it (each tab its own copy, writes arriving later
 * elsewhere). Each tab reads its own clock (the fake `Date`, shifted where a case says so).
 */
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createStorageLock, type StorageLock, storageLockTiming } from '../../src/coordination/tab-storage-lock.js'
import { createNoticeWaiter } from '../../src/coordination/wake-on-notice.js'
import { type Replica, ReplicatedStorage } from '../_helpers/replicated-storage.js'

const key = 'tokenflight:lock'
const { ttlMs, settleMs } = storageLockTiming
// A write reaches the shared area and then each tab within this: under half the settle time.
const maxHopMs = Math.floor(settleMs / 4)

interface Tab {
  lock: StorageLock
  storage: Replica
}

function tabs(area: ReplicatedStorage, count: number, offsets: ReadonlyArray<() => number> = []): Tab[] {
  return Array.from({ length: count }, (_, i) => {
    const notices = createNoticeWaiter()
    const storage = area.replica((changed) => changed === key && notices.wake())
    const offset = offsets[i] ?? (() => 0)
    return { lock: createStorageLock(storage, key, `owner-${i}`, notices, () => Date.now() + offset()), storage }
  })
}

const never = (): boolean => false

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('createStorageLock', () => {
  it('two owners never hold it at once, whatever the timing (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ startMs: fc.nat(300), holdMs: fc.integer({ min: 1, max: 400 }), times: fc.integer({ min: 1, max: 3 }) }), { minLength: 2, maxLength: 5 }),
        fc.infiniteStream(fc.nat(maxHopMs)),
        async (plans, hops) => {
          const area = new ReplicatedStorage(() => hops.next().value as number)
          const copies = tabs(area, plans.length)
          let holding = 0
          let most = 0
          let done = 0
          plans.forEach((plan, i) => {
            setTimeout(async () => {
              for (let round = 0; round < plan.times; round++) {
                const held = await copies[i]?.lock.acquire(60_000, never)
                holding++
                most = Math.max(most, holding)
                await new Promise((resolve) => setTimeout(resolve, plan.holdMs))
                holding--
                held?.release()
              }
              done++
            }, plan.startMs)
          })
          for (let waited = 0; done < plans.length && waited < 120_000; waited += 50) await vi.advanceTimersByTimeAsync(50)
          expect(done).toBe(plans.length)
          expect(most).toBe(1)
        },
      ),
      { numRuns: 60 },
    )
  })

  it('a holder that died (no release, no heartbeat) is taken over within ttl + settle (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 * ttlMs }), fc.infiniteStream(fc.nat(maxHopMs)), async (diesAfterMs, hops) => {
        const area = new ReplicatedStorage(() => hops.next().value as number)
        const [holder, next] = tabs(area, 2) as [Tab, Tab]
        const acquiring = holder.lock.acquire(60_000, never)
        await vi.advanceTimersByTimeAsync(settleMs + 4 * maxHopMs)
        expect(await acquiring).toBeDefined()
        await vi.advanceTimersByTimeAsync(diesAfterMs)
        holder.storage.dead = true // the tab crashed: its heartbeats write nothing any more
        const diedAt = Date.now()
        let acquiredAt: number | undefined
        let tookOver: boolean | undefined
        void next.lock.acquire(60_000, never).then((held) => {
          acquiredAt = Date.now()
          tookOver = held?.tookOver
        })
        await vi.advanceTimersByTimeAsync(ttlMs + settleMs + 4 * maxHopMs + 10)
        expect(acquiredAt).toBeDefined()
        expect(tookOver).toBe(true) // so the coordinator waits for no news from the dead holder
        expect((acquiredAt as number) - diedAt).toBeLessThanOrEqual(ttlMs + settleMs + 4 * maxHopMs)
      }),
      { numRuns: 40 },
    )
  })

  it('a live holder keeps it past ttl (heartbeat), and a wedged one loses it holdMs + ttl after acquiring, and can tell', async () => {
    const area = new ReplicatedStorage(() => 1)
    const [holder, other] = tabs(area, 2) as [Tab, Tab]
    const holdMs = 5 * ttlMs
    await vi.advanceTimersByTimeAsync(0)
    const acquiring = holder.lock.acquire(holdMs, never)
    await vi.advanceTimersByTimeAsync(settleMs + 5)
    const held = await acquiring
    expect(held?.held()).toBe(true)
    const heldAt = Date.now()
    let acquiredAt: number | undefined
    void other.lock.acquire(60_000, never).then(() => {
      acquiredAt = Date.now()
    })
    await vi.advanceTimersByTimeAsync(holdMs - 10)
    expect(acquiredAt).toBeUndefined()
    await vi.advanceTimersByTimeAsync(ttlMs + storageLockTiming.heartbeatMs + settleMs + 20)
    expect(acquiredAt).toBeDefined()
    expect((acquiredAt as number) - heldAt).toBeLessThanOrEqual(holdMs + ttlMs + storageLockTiming.heartbeatMs + settleMs + 20)
    expect(held?.held()).toBe(false) // what the wedged holder's retries ask
  })

  it('a holder frozen past its record knows it may have lost the lock, even once its heartbeat has put the record back', async () => {
    let frozenFor = 0
    const [holder, other] = tabs(new ReplicatedStorage(() => 1), 2, [() => frozenFor]) as [Tab, Tab]
    await vi.advanceTimersByTimeAsync(0)
    const acquiring = holder.lock.acquire(60_000, never)
    await vi.advanceTimersByTimeAsync(settleMs + 5)
    const held = await acquiring
    expect(held?.held()).toBe(true)
    frozenFor = ttlMs + 50 // frozen: its clock ran on, no timer of its ran, its record went stale
    expect(held?.held()).toBe(false)
    // Meanwhile another tab took the stale lock and released it; then the holder's heartbeat runs again.
    holder.storage.dead = true
    const taken = await Promise.all([other.lock.acquire(60_000, never), vi.advanceTimersByTimeAsync(ttlMs + settleMs + 10)])
    taken[0]?.release()
    holder.storage.dead = false
    await vi.advanceTimersByTimeAsync(storageLockTiming.heartbeatMs + 5)
    expect(holder.storage.getItem(key)).toContain('owner-0') // put back, as after another script's clear()
    expect(held?.held()).toBe(false)
  })

  it('a released lock goes to a waiter at once (woken by the storage change, not by polling)', async () => {
    const area = new ReplicatedStorage(() => 1)
    const [holder, other] = tabs(area, 2) as [Tab, Tab]
    const acquiring = holder.lock.acquire(60_000, never)
    await vi.advanceTimersByTimeAsync(settleMs + 5)
    const held = await acquiring
    let acquiredAt: number | undefined
    void other.lock.acquire(60_000, never).then(() => {
      acquiredAt = Date.now()
    })
    await vi.advanceTimersByTimeAsync(100)
    const releasedAt = Date.now()
    expect(held?.tookOver).toBe(false)
    held?.release()
    await vi.advanceTimersByTimeAsync(settleMs + 10)
    expect(acquiredAt).toBeDefined()
    expect((acquiredAt as number) - releasedAt).toBeLessThanOrEqual(settleMs + 10)
  })

  // Page code that sets `Date` to a server's time, or the system's time stepped by NTP: nothing
  // another tab reads depends on this tab's clock.
  it.each([
    ['the holder\'s clock 5 s behind the waiter\'s', [() => -5_000]],
    ['the holder\'s clock 5 s ahead of the waiter\'s', [() => 5_000]],
  ])('a live holder keeps it against a waiter whose clock differs (%s)', async (_, offsets) => {
    await liveHolderKeepsIt(tabs(new ReplicatedStorage(() => 1), 2, offsets) as [Tab, Tab], () => {})
  })

  it('a live holder keeps it when the system\'s time steps 5 s forward while it holds', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] })
    const area = new ReplicatedStorage(() => 1)
    const onTheirOwnClocks = [0, 1].map((i) => {
      const notices = createNoticeWaiter()
      const storage = area.replica((changed) => changed === key && notices.wake())
      return { lock: createStorageLock(storage, key, `owner-${i}`, notices), storage }
    })
    await liveHolderKeepsIt(onTheirOwnClocks as [Tab, Tab], () => vi.setSystemTime(Date.now() + 5_000))
  })

  it('says whether it came after another owner\'s turn (that owner\'s news may still be on its way), not after a free lock or a takeover', async () => {
    const area = new ReplicatedStorage(() => 1)
    const [first, second, third] = tabs(area, 3) as [Tab, Tab, Tab]
    const free = await Promise.all([first.lock.acquire(60_000, never), vi.advanceTimersByTimeAsync(settleMs + 5)])
    expect(free[0]?.afterAnother).toBe(false)
    const waiting = second.lock.acquire(60_000, never)
    await vi.advanceTimersByTimeAsync(500)
    free[0]?.release()
    await vi.advanceTimersByTimeAsync(settleMs + 10)
    const after = await waiting
    expect(after).toMatchObject({ afterAnother: true, tookOver: false })
    second.storage.dead = true // it crashed holding the lock
    const taken = await Promise.all([third.lock.acquire(60_000, never), vi.advanceTimersByTimeAsync(ttlMs + settleMs + 10)])
    expect(taken[0]).toMatchObject({ afterAnother: false, tookOver: true })
  })

  it('garbage at the key is ignored: acquiring never throws and waits at most ttl + settle (property)', async () => {
    const record = fc.record({ owner: fc.oneof(fc.string(), fc.anything()), beat: fc.oneof(fc.double(), fc.integer(), fc.anything()), until: fc.anything() })
    const garbage = fc.oneof(fc.string(), fc.json(), record.map((value) => JSON.stringify(value)), fc.integer({ min: -1e9, max: 1e12 }).map((until) => JSON.stringify({ owner: 'x', until })))
    await fc.assert(
      fc.asyncProperty(garbage, async (value) => {
        const area = new ReplicatedStorage(() => 1)
        const [tab] = tabs(area, 1) as [Tab]
        area.seed(key, value)
        let outcome: unknown
        tab.lock.acquire(60_000, never).then(
          (held) => {
            outcome = typeof held?.release
          },
          (error: unknown) => {
            outcome = error
          },
        )
        await vi.advanceTimersByTimeAsync(ttlMs + settleMs + 10)
        expect(outcome).toBe('function')
      }),
      { numRuns: 200 },
    )
  })

  it('gives up waiting once the caller no longer needs the lock', async () => {
    const area = new ReplicatedStorage(() => 1)
    const [holder, other] = tabs(area, 2) as [Tab, Tab]
    const acquiring = holder.lock.acquire(60_000, never)
    await vi.advanceTimersByTimeAsync(settleMs + 5)
    await acquiring
    let needed = true
    let outcome: unknown = 'waiting'
    void other.lock.acquire(60_000, () => !needed).then((held) => {
      outcome = held
    })
    await vi.advanceTimersByTimeAsync(500)
    expect(outcome).toBe('waiting')
    needed = false
    other.lock.releaseIfHeld()
    await vi.advanceTimersByTimeAsync(ttlMs)
    expect(outcome).toBeUndefined()
  })

  // Storage that takes every write without error and keeps none, or whose reads fail.
  it.each([
    ['writes dropped', { getItem: () => null, setItem() {}, removeItem() {} }],
    [
      'reads failing',
      {
        getItem: () => {
          throw new DOMException('blocked', 'SecurityError')
        },
        setItem() {},
        removeItem() {},
      },
    ],
  ])('storage that does not keep the record (%s): no lock, said so, within a few settle times, not a claim for ever', async (_, storage) => {
    const lock = createStorageLock(storage, key, 'owner-0', createNoticeWaiter())
    let outcome: unknown = 'claiming'
    void lock.acquire(60_000, never).then((held) => {
      outcome = held?.unlocked
    })
    await vi.advanceTimersByTimeAsync(2 * settleMs + 4 * settleMs + 10)
    expect(outcome).toBe(true)
  })

  it('a claim cleared once by another script is claimed again, not given up', async () => {
    const area = new ReplicatedStorage(() => 1)
    const [tab] = tabs(area, 1) as [Tab]
    let outcome: unknown = 'claiming'
    void tab.lock.acquire(60_000, never).then((held) => {
      outcome = held && { unlocked: held.unlocked, held: held.held() }
    })
    await vi.advanceTimersByTimeAsync(settleMs / 2)
    tab.storage.local.delete(key) // another script cleared it
    await vi.advanceTimersByTimeAsync(2 * settleMs + 10)
    expect(outcome).toEqual({ unlocked: undefined, held: true })
  })
})

// `holder` takes the lock; `meanwhile()` runs; `other` asks for it and must wait until it is released.
async function liveHolderKeepsIt([holder, other]: [Tab, Tab], meanwhile: () => void): Promise<void> {
  const acquiring = holder.lock.acquire(60_000, never)
  await vi.advanceTimersByTimeAsync(settleMs + 5)
  const held = await acquiring
  meanwhile()
  let acquired = false
  void other.lock.acquire(60_000, never).then(() => {
    acquired = true
  })
  await vi.advanceTimersByTimeAsync(3 * ttlMs)
  expect({ acquired, held: held?.held() }).toEqual({ acquired: false, held: true })
  held?.release()
  await vi.advanceTimersByTimeAsync(settleMs + 10)
  expect(acquired).toBe(true)
}
