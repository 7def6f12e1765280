import { describe, expect, it } from 'vitest'
import { turnCycle, turnOrder } from '../../bench/turn-order.js'

describe('bench turn order', () => {
  it.each([2, 3, 4, 5, 7, 8, 9])('with %i clients, every round is a permutation and each client follows every other equally often per cycle', (n) => {
    const follows = new Map<string, number>()
    for (let round = 0; round < turnCycle(n); round++) {
      const order = turnOrder(n, round)
      expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i))
      for (let i = 1; i < n; i++) follows.set(`${order[i - 1]}>${order[i]}`, (follows.get(`${order[i - 1]}>${order[i]}`) ?? 0) + 1)
    }
    expect(follows.size).toBe(n * (n - 1))
    expect(new Set(follows.values())).toEqual(new Set([turnCycle(n) / n]))
  })

  it('starts each client first equally often per cycle', () => {
    const firsts = Array.from({ length: turnCycle(5) }, (_, round) => turnOrder(5, round)[0])
    expect(new Set(firsts).size).toBe(5)
  })
})
