import { typeBounds, type ObjectRow } from './store.ts';

/*
 * The hot paths (a local write, a query's index read) on IndexedDB directly, without Dexie's
 * promise and zone machinery: each step is issued from the previous request's callback, so the
 * transaction stays active without relying on microtask timing, and the writes of one transaction
 * are all issued at once (IndexedDB pipelines them) instead of one awaited request after another.
 * A write of one object is then: one round of reads (the meta row and the object, together), one
 * round of writes, the commit.
 */

/** Runs `body` in one transaction; resolves with what it returned once the transaction committed. */
export function runTx<T>(
  idb: IDBDatabase,
  stores: string[],
  mode: IDBTransactionMode,
  durability: 'default' | 'strict',
  body: (tx: IDBTransaction, guard: <A extends unknown[]>(fn: (...a: A) => void) => (...a: A) => void, done: (value: T) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let failed: { error: unknown } | undefined;
    let result: { value: T } | undefined;
    const tx = idb.transaction(stores, mode, { durability });
    const abort = (error: unknown) => {
      if (failed) return;
      failed = { error };
      try {
        tx.abort();
      } catch {
        // already finished
      }
    };
    // A throw inside a callback (a typed error while translating the operations) aborts the
    // transaction: nothing of it is written.
    const guard =
      <A extends unknown[]>(fn: (...a: A) => void) =>
      (...a: A) => {
        if (failed) return;
        try {
          fn(...a);
        } catch (err) {
          abort(err);
        }
      };
    tx.oncomplete = () => (failed ? reject(failed.error) : result ? resolve(result.value) : reject(new Error('transaction finished without a result')));
    tx.onabort = () => reject(failed ? failed.error : tx.error);
    guard(() => body(tx, guard, (value) => (result = { value })))();
  });
}

/**
 * The object rows of these ids (undefined where absent), in order, then `next`. A large batch (an
 * import) first finds which ids exist from the keys alone: reading ten thousand absent ids one by
 * one costs more than counting the type and reading its keys.
 */
export function readRows(
  keyRange: typeof IDBKeyRange,
  store: IDBObjectStore,
  ids: readonly string[],
  guard: <A extends unknown[]>(fn: (...a: A) => void) => (...a: A) => void,
  next: (rows: (ObjectRow | undefined)[]) => void,
): void {
  const out = new Array<ObjectRow | undefined>(ids.length);
  const fetch = (which: number[]) => {
    let left = which.length;
    if (left === 0) return next(out);
    for (const i of which) {
      const req = store.get(ids[i]!);
      req.onsuccess = guard(() => {
        out[i] = req.result as ObjectRow | undefined;
        if (--left === 0) next(out);
      });
    }
  };
  const all = ids.map((_, i) => i);
  const types = new Set(ids.map((id) => id.slice(0, id.indexOf('\u0000'))));
  if (ids.length < 500 || types.size !== 1) return fetch(all);
  const [lo, hi] = typeBounds([...types][0]!);
  const range = keyRange.bound(lo, hi, false, true);
  const count = store.count(range);
  count.onsuccess = guard(() => {
    if (count.result === 0) return next(out);
    if (count.result > ids.length * 4) return fetch(all);
    const keys = store.getAllKeys(range);
    keys.onsuccess = guard(() => {
      const existing = new Set(keys.result as string[]);
      fetch(all.filter((i) => existing.has(ids[i]!)));
    });
  });
}
