import { afterEach, describe, expect, it, vi } from 'vitest'
import { nextTask } from '../../../src/interceptors/xhr/next-task.js'

// Every microtask queued so far and after, however long the chain: what a browser runs after a listener.
async function drainMicrotasks(): Promise<void> {
  for (let i = 0; i < 1000; i++) await null
}

describe('nextTask', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    vi.useRealTimers()
  })

  it('runs after the microtasks queued around it, by a message, not a timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] })
    const order: string[] = []
    nextTask(() => order.push('task'))
    const drained = drainMicrotasks().then(() => order.push('microtasks'))
    await drained
    expect(order).toEqual(['microtasks'])
    vi.useRealTimers()
    await expect.poll(() => order).toEqual(['microtasks', 'task'])
  })

  it('without MessageChannel: a timer, still after the microtasks', async () => {
    vi.stubGlobal('MessageChannel', undefined)
    const order: string[] = []
    nextTask(() => order.push('task'))
    await drainMicrotasks().then(() => order.push('microtasks'))
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(order).toEqual(['microtasks', 'task'])
  })
})
