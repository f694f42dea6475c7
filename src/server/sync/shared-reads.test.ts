import { describe, expect, it } from 'vitest';
import type { Changeset } from '../../changeset/index.ts';
import type { ObjectRecord } from '../../model/index.ts';
import type { HistoryRow, SyncStore } from '../store/types.ts';
import { assertContiguous, HistoryCache } from './history-cache.ts';
import { keyOf } from './keys.ts';
import { ObjectPeek } from './object-peek.ts';

/*
 * The reads sessions share when one append wakes them all: the history cache fills a missing
 * range once for every caller, and ObjectPeek reads a touched object once per known version.
 */

const changeset = (v: number): Changeset => ({ origin: 2, timestamp: v * 4096, instructions: [{ op: 'Set', type: 'T', pk: 'a', path: ['n'], value: v }] });

/** A store with rows `first..last` and one object, counting reads; reads resolve on the next tick. */
function countingStore(first: number, last: number) {
  const calls = { history: 0, objects: 0 };
  let n = 1;
  const store = {
    async history(after: number, upTo: number, limit: number): Promise<HistoryRow[]> {
      calls.history++;
      await new Promise((r) => setTimeout(r, 1));
      const out: HistoryRow[] = [];
      for (let v = Math.max(after + 1, first); v <= Math.min(upTo, last) && out.length < limit; v++) {
        out.push({ version: v, origin: 2, originVersion: v, privateTo: null, changeset: changeset(v) } as HistoryRow);
      }
      return out;
    },
    async getObjects(keys: readonly { type: string; pk: unknown }[]): Promise<Map<string, ObjectRecord>> {
      calls.objects++;
      await new Promise((r) => setTimeout(r, 1));
      const out = new Map<string, ObjectRecord>();
      for (const k of keys) if (k.pk === 'a') out.set(keyOf(k.type, 'a'), { _id: 'a', n: n });
      return out;
    },
  };
  return { store: store as unknown as SyncStore, calls, bump: () => n++ };
}

describe('HistoryCache', () => {
  it('reads a missing range once for every concurrent caller, then serves it from memory', async () => {
    const { store, calls } = countingStore(1, 10);
    const cache = new HistoryCache(store);
    const all = await Promise.all(Array.from({ length: 50 }, () => cache.range(0, 10, 100)));
    expect(calls.history).toBe(1);
    for (const rows of all) expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await cache.range(4, 7, 100)).map((r) => r.version)).toEqual([5, 6, 7]);
    expect(calls.history).toBe(1);
  });

  it('a caller wanting less than a shared read gets only what it asked for; one wanting more reads the rest', async () => {
    const { store } = countingStore(1, 10);
    const cache = new HistoryCache(store);
    const [small, big] = await Promise.all([cache.range(0, 3, 100), cache.range(0, 10, 100)]);
    expect(small.map((r) => r.version)).toEqual([1, 2, 3]);
    expect(big.map((r) => r.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('passes a compacted start on for a new client, and a gap after a cursor fails as bad_cursor', async () => {
    const { store } = countingStore(5, 8);
    const cache = new HistoryCache(store);
    const rows = await cache.range(0, 8, 100);
    expect(rows.map((r) => r.version)).toEqual([5, 6, 7, 8]);
    expect(() => assertContiguous(rows, 0)).not.toThrow();
    expect(() => assertContiguous(rows, 2)).toThrow(/compacted away/);
  });
});

describe('ObjectPeek', () => {
  it('reads an object once per known version for all the sessions that look at it', async () => {
    const { store, calls, bump } = countingStore(1, 1);
    let latest = 7;
    const peek = new ObjectPeek(store, () => latest);
    const keys = [{ type: 'T', pk: 'a' }, { type: 'T', pk: 'gone' }];
    const first = await Promise.all(Array.from({ length: 100 }, () => peek.getObjects(keys)));
    expect(calls.objects).toBe(1);
    for (const found of first) {
      expect(found.get(keyOf('T', 'a'))).toEqual({ _id: 'a', n: 1 });
      expect(found.has(keyOf('T', 'gone'))).toBe(false);
    }
    // The object changes; while the engine knows of no new version the shared read stands…
    bump();
    expect((await peek.getObjects(keys)).get(keyOf('T', 'a'))).toEqual({ _id: 'a', n: 1 });
    // …and a new version starts a new wave.
    latest = 8;
    expect((await peek.getObjects(keys)).get(keyOf('T', 'a'))).toEqual({ _id: 'a', n: 2 });
    expect(calls.objects).toBe(2);
  });

  it('does not keep a failed read', async () => {
    let fail = true;
    const store = {
      async getObjects(keys: readonly { type: string; pk: unknown }[]) {
        if (fail) throw new Error('disk on fire');
        return new Map(keys.map((k) => [keyOf(k.type, k.pk as string), { _id: k.pk } as ObjectRecord]));
      },
    } as unknown as SyncStore;
    const peek = new ObjectPeek(store, () => 1);
    await expect(peek.getObjects([{ type: 'T', pk: 'a' }])).rejects.toThrow(/disk on fire/);
    fail = false;
    expect((await peek.getObjects([{ type: 'T', pk: 'a' }])).size).toBe(1);
  });
});
