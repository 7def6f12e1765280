import type { TabStorage } from '../../src/coordination/tab-storage.js'

/**
 * localStorage as a multi-process browser has it: each tab reads its own copy; a write reaches the
 * shared area after a delay, and every other tab's copy after another, in the area's order. A tab
 * with writes of its own still in flight ignores the others' (as Chromium's cached areas do). Time
 * is `setTimeout`, so fake timers drive it; `delay()` picks each hop's latency.
 */
export class ReplicatedStorage {
  readonly #shared = new Map<string, string>()
  readonly #replicas: Replica[] = []
  constructor(readonly delay: () => number) {}

  /** A new tab's storage; `changed(key)` runs when another tab's write reaches it. */
  replica(changed: (key: string) => void = () => {}): Replica {
    const replica = new Replica(this, changed)
    this.#replicas.push(replica)
    return replica
  }

  /** Writes straight to the shared area and every copy (a value another program left there). */
  seed(key: string, value: string): void {
    this.#shared.set(key, value)
    for (const replica of this.#replicas) replica.local.set(key, value)
  }

  apply(from: Replica, key: string, value: string | null): void {
    if (value === null) this.#shared.delete(key)
    else this.#shared.set(key, value)
    for (const replica of this.#replicas) replica.deliver(key, value, replica === from)
  }
}

export class Replica implements TabStorage {
  readonly local = new Map<string, string>()
  #pending = 0
  #lastDelivery = 0
  dead = false
  constructor(
    readonly area: ReplicatedStorage,
    readonly changed: (key: string) => void,
  ) {}

  getItem(key: string): string | null {
    return this.local.get(key) ?? null
  }
  setItem(key: string, value: string): void {
    this.#write(key, value)
  }
  removeItem(key: string): void {
    this.#write(key, null)
  }

  #write(key: string, value: string | null): void {
    if (this.dead) return
    if (value === null) this.local.delete(key)
    else this.local.set(key, value)
    this.#pending++
    setTimeout(() => this.area.apply(this, key, value), this.area.delay())
  }

  // Deliveries to one tab keep the shared area's order.
  deliver(key: string, value: string | null, own: boolean): void {
    this.#lastDelivery = Math.max(this.#lastDelivery, Date.now() + this.area.delay())
    setTimeout(() => {
      if (own) this.#pending--
      else if (this.#pending > 0) return
      if (value === null) this.local.delete(key)
      else this.local.set(key, value)
      if (!own) this.changed(key)
    }, this.#lastDelivery - Date.now())
  }
}
