/** A node of {@link LruList}: its value and when it was last used. */
export interface LruNode<V> {
  value: V
  usedAt: number
  newer: LruNode<V> | undefined
  older: LruNode<V> | undefined
}

/**
 * A doubly linked list in use order, oldest first: moving a node to the newest end and taking
 * the oldest are O(1). A Map deleted and re-set on every use would do the same, but its iterator
 * skips the holes deletions leave, so finding the oldest grows with the churn.
 */
export class LruList<V> {
  oldest: LruNode<V> | undefined
  private newest: LruNode<V> | undefined

  /** Adds `value` as the most recently used, at `usedAt`. */
  push(value: V, usedAt: number): LruNode<V> {
    const node: LruNode<V> = { value, usedAt, newer: undefined, older: this.newest }
    if (this.newest) this.newest.newer = node
    else this.oldest = node
    this.newest = node
    return node
  }

  /** Unlinks `node`. */
  remove(node: LruNode<V>): void {
    if (node.older) node.older.newer = node.newer
    else this.oldest = node.newer
    if (node.newer) node.newer.older = node.older
    else this.newest = node.older
    node.newer = undefined
    node.older = undefined
  }

  /** Marks `node` used at `usedAt`: it becomes the newest. */
  touch(node: LruNode<V>, usedAt: number): void {
    node.usedAt = usedAt
    if (this.newest === node) return
    this.remove(node)
    node.older = this.newest
    if (this.newest) this.newest.newer = node
    else this.oldest = node
    this.newest = node
  }
}
