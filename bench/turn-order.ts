/**
 * The order clients take their turns in within each round: a Williams design, so over a cycle of
 * rounds (`turnCycle`) every client runs right after every other equally often. A plain rotation
 * put each client always right after the same one, and what a batch leaves behind (sockets,
 * garbage, the JIT's feedback) moved its successor's figures by more than the gaps measured.
 */
export const turnCycle = (clients: number): number => (clients % 2 === 0 ? clients : 2 * clients)

/** The client indices in the order they take their turns in round `round`. */
export function turnOrder(clients: number, round: number): number[] {
  // 0, 1, n−1, 2, n−2, …: the steps between neighbours are all different, mod n.
  const first = Array.from({ length: clients }, (_, i) => (i === 0 ? 0 : i % 2 === 1 ? (i + 1) / 2 : clients - i / 2))
  const shifted = first.map((client) => (client + round) % clients)
  // With an odd count the mirrored rows complete the balance.
  return clients % 2 === 1 && round % turnCycle(clients) >= clients ? shifted.reverse() : shifted
}
