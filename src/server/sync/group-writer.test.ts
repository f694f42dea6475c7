import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory.ts';
import { GroupWriter } from './group-writer.ts';
import { HistoryCache } from './history-cache.ts';
import { keyOf } from './keys.ts';

/*
 * The group writer answers history and client-file reads from memory under the append lock; what
 * it answers must be what the store would: the rows appended in the transaction (and no longer
 * those of an undone savepoint), and objects as written, never a read made stale by a write.
 */

const row = (n: number) => ({ origin: 2, originVersion: n, privateTo: null, changeset: { origin: 2, timestamp: n, instructions: [] } });

/** A memory store that counts history reads outside its transactions. */
function countingStore(): MemoryStore & { historyReads: number } {
  const store = new MemoryStore() as MemoryStore & { historyReads: number };
  store.historyReads = 0;
  const history = store.history.bind(store);
  store.history = (after, upTo, limit) => {
    store.historyReads++;
    return history(after, upTo, limit);
  };
  return store;
}

describe('group writer', () => {
  it('serves committed rows from the cache and its own appends, minus undone savepoints', async () => {
    const store = countingStore();
    const cache = new HistoryCache(store);
    await store.transaction(async (tx) => {
      for (let n = 1; n <= 3; n++) await tx.appendHistory(row(n));
    });
    await cache.range(0, 3, 10); // the fan-out read them once
    const reads = store.historyReads;
    await store.transaction(async (storeTx) => {
      const tx = new GroupWriter(storeTx, cache);
      await tx.savepoint(() => tx.appendHistory(row(4)));
      await expect(
        tx.savepoint(async () => {
          await tx.appendHistory(row(5));
          expect((await tx.history(3, 5)).map((r) => r.originVersion)).toEqual([4, 5]);
          throw new Error('undone');
        }),
      ).rejects.toThrow('undone');
      await tx.savepoint(() => tx.appendHistory(row(6)));
      expect((await tx.history(1, 10)).map((r) => [r.version, r.originVersion])).toEqual([
        [2, 2],
        [3, 3],
        [4, 4],
        [5, 6],
      ]);
      expect((await tx.cachedHistory(0, 10, 2)).map((r) => r.version)).toEqual([1, 2]);
      expect(tx.appendedRows().map((r) => r.originVersion)).toEqual([4, 6]);
    });
    // No store read under the lock: the committed rows came from the cache.
    expect(store.historyReads).toBe(reads);
  });

  it('never serves a read ahead that a later write made stale', async () => {
    const store = new MemoryStore();
    const file = await store.createClientFile('u1');
    const wo = (status: string) => ({ _id: 'a', status });
    await store.transaction((tx) => tx.putObjects([{ type: 'WorkOrder', pk: 'a', record: wo('old') }]));
    await store.transaction(async (storeTx) => {
      const tx = new GroupWriter(storeTx, new HistoryCache(store));
      await tx.savepoint(async () => {
        tx.prefetch(file.ident, 0, [{ type: 'WorkOrder', pk: 'a' }]);
        expect((await tx.getClientFile(file.ident))!.ident).toBe(file.ident);
        await tx.putObjects([{ type: 'WorkOrder', pk: 'a', record: wo('new') }]);
        expect((await tx.getObjects([{ type: 'WorkOrder', pk: 'a' }])).get(keyOf('WorkOrder', 'a'))!.status).toBe('new');
        await tx.updateClientFile(file.ident, { lastIntegrated: 7 });
        expect((await tx.getClientFile(file.ident))!.lastIntegrated).toBe(7);
      });
      // Two readers of one read ahead each get their own copy.
      tx.prefetch(file.ident, 0, [{ type: 'WorkOrder', pk: 'a' }]);
      const first = (await tx.getObjects([{ type: 'WorkOrder', pk: 'a' }])).get(keyOf('WorkOrder', 'a'))!;
      first.status = 'changed by its reader';
      expect((await tx.getObjects([{ type: 'WorkOrder', pk: 'a' }])).get(keyOf('WorkOrder', 'a'))!.status).toBe('new');
    });
  });
});
