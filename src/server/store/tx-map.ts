const DELETED: unique symbol = Symbol('deleted');

/**
 * A map seen through a transaction: writes go to an overlay that `commit` folds into the base
 * map, and that is simply dropped on rollback. Readers outside the transaction keep reading the
 * base map, so they never see uncommitted writes (the same isolation the SQL stores give).
 */
export class TxMap<K, V> {
  private readonly overlay = new Map<K, V | typeof DELETED>();

  constructor(private readonly base: Map<K, V>) {}

  get(key: K): V | undefined {
    if (this.overlay.has(key)) {
      const v = this.overlay.get(key)!;
      return v === DELETED ? undefined : v;
    }
    return this.base.get(key);
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  set(key: K, value: V): void {
    this.overlay.set(key, value);
  }

  delete(key: K): void {
    this.overlay.set(key, DELETED);
  }

  *entries(): IterableIterator<[K, V]> {
    for (const [k, v] of this.base) if (!this.overlay.has(k)) yield [k, v];
    for (const [k, v] of this.overlay) if (v !== DELETED) yield [k, v];
  }

  *keys(): IterableIterator<K> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): IterableIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  /** The uncommitted writes so far, to go back to with `restore` (a savepoint). */
  mark(): Map<K, V | typeof DELETED> {
    return new Map(this.overlay);
  }

  restore(mark: Map<K, V | typeof DELETED>): void {
    this.overlay.clear();
    for (const [k, v] of mark) this.overlay.set(k, v);
  }

  commit(): void {
    for (const [k, v] of this.overlay) {
      if (v === DELETED) this.base.delete(k);
      else this.base.set(k, v);
    }
    this.overlay.clear();
  }
}
