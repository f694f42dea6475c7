import { AsyncResource } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory.ts';
import { SqliteStore } from '../store/sqlite.ts';
import type { ServerStore } from '../store/types.ts';
import { GroupCommit } from './group-commit.ts';

/*
 * Group commit: writes submitted together share one transaction, a failing one is undone alone
 * (its savepoint) and told so, and every caller hears back only after the commit.
 */

const append = (n: number) => ({ origin: 1, originVersion: n, privateTo: null, changeset: { origin: 1, timestamp: n, instructions: [] } });

for (const kind of ['memory', 'sqlite'] as const) {
  describe(`group commit (${kind})`, () => {
    const open = (): { store: ServerStore; done: () => Promise<void> } => {
      if (kind === 'memory') {
        const store = new MemoryStore();
        return { store, done: () => store.close() };
      }
      const dir = mkdtempSync(join(tmpdir(), 'outpost-group-'));
      const store = SqliteStore.open({ dir });
      return { store, done: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) };
    };

    it('runs writes submitted together in one transaction; a failing one fails alone', async () => {
      const { store, done } = open();
      try {
        const sizes: number[] = [];
        const groups = new GroupCommit(store, new AsyncResource('test'), 256, (n) => sizes.push(n));
        const seenAtResolve: number[] = [];
        const boom = new Error('bad upload');
        const ok = (n: number) =>
          groups.submit(async (tx) => {
            const v = await tx.appendHistory(append(n));
            return v;
          });
        const first = ok(1).then(async (v) => (seenAtResolve.push(await store.latestVersion()), v));
        const failing = groups.submit(async (tx) => {
          await tx.appendHistory(append(2));
          throw boom;
        });
        const third = ok(3).then(async (v) => (seenAtResolve.push(await store.latestVersion()), v));
        expect(await first).toBe(1);
        await expect(failing).rejects.toBe(boom);
        // The failed write's version went to the next write: the history has no hole.
        expect(await third).toBe(2);
        expect(sizes).toEqual([3]);
        // Acknowledged only once committed: readers outside the transaction saw both versions.
        expect(seenAtResolve).toEqual([2, 2]);
        expect((await store.history(0, 10)).map((r) => r.originVersion)).toEqual([1, 3]);
      } finally {
        await done();
      }
    });

    it('takes writes submitted while a transaction is in flight into the next one', async () => {
      const { store, done } = open();
      try {
        const sizes: number[] = [];
        const groups = new GroupCommit(store, new AsyncResource('test'), 256, (n) => sizes.push(n));
        let later: Promise<number>[] = [];
        const first = groups.submit(async (tx) => {
          // Arriving during this transaction: they wait for the next one, together.
          later = [2, 3, 4].map((n) => groups.submit((t) => t.appendHistory(append(n))));
          return tx.appendHistory(append(1));
        });
        expect(await first).toBe(1);
        expect(await Promise.all(later)).toEqual([2, 3, 4]);
        expect(sizes).toEqual([1, 3]);
      } finally {
        await done();
      }
    });

    it('fails every write of a group whose transaction fails as a whole', async () => {
      const { store, done } = open();
      try {
        const groups = new GroupCommit(store, new AsyncResource('test'));
        await store.close();
        const a = groups.submit((tx) => tx.appendHistory(append(1)));
        const b = groups.submit((tx) => tx.appendHistory(append(2)));
        await expect(a).rejects.toThrow(/closed/);
        await expect(b).rejects.toThrow(/closed/);
      } finally {
        await done();
      }
    });
  });
}
