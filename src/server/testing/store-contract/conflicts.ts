/** The conflict-journal part of the storage contract: record, bound, list, dismiss. */
import { expect, it } from 'vitest';
import { ObjectId } from '../../../model/index.ts';
import type { NewConflict, ServerStore } from '../../store/types.ts';

function entry(n: number, at: number, loser: string | null, extra: Partial<NewConflict> = {}): NewConflict {
  return {
    at,
    kind: 'overwritten',
    type: 'Task',
    pk: new ObjectId('6001c033600510df3bbfd864'),
    path: ['title'],
    loser: { origin: 7, userId: loser, version: 10 + n, clientVersion: n },
    winner: { origin: 8, userId: 'ben', version: 5 + n, clientVersion: null },
    lost: { value: `mine ${n}` },
    won: { size: 5000 },
    ...extra,
  };
}

export function runConflictContractTests(ctx: { readonly store: ServerStore; readonly sut: { reopen?: () => Promise<ServerStore> } }): void {
  const bound = (now: number) => ({ maxEntries: 100, maxAgeMs: 60_000, now });

  it('records conflict journal entries with increasing ids and reads them back whole', async () => {
    const now = Date.now();
    const gone = { title: 'x', n: 3 };
    await ctx.store.transaction((tx) =>
      tx.recordConflicts([entry(1, now, 'ann'), entry(2, now, 'ann', { kind: 'erased', path: [], won: undefined, erasedObject: gone }), entry(3, now, null, { kind: 'reverted', reason: 'permission_denied: no' })], bound(now)),
    );
    const all = await ctx.store.listConflicts({ limit: 10 });
    expect(all.map((c) => c.loser.clientVersion)).toEqual([1, 2, 3]);
    expect(all[0]!.id).toBeLessThan(all[1]!.id);
    expect(all[1]!.id).toBeLessThan(all[2]!.id);
    const first = all[0]!;
    expect(first).toMatchObject({ at: now, kind: 'overwritten', type: 'Task', path: ['title'], lost: { value: 'mine 1' }, won: { size: 5000 }, dismissedAt: null });
    expect(first.pk).toBeInstanceOf(ObjectId);
    expect(String(first.pk)).toBe('6001c033600510df3bbfd864');
    expect(first.loser).toEqual({ origin: 7, userId: 'ann', version: 11, clientVersion: 1 });
    expect(all[1]!.won).toBeUndefined();
    expect(all[1]!.erasedObject).toEqual(gone);
    expect(all[2]!.reason).toBe('permission_denied: no');
    // Filters and order.
    expect((await ctx.store.listConflicts({ limit: 10, loserUserId: 'ann' })).map((c) => c.loser.clientVersion)).toEqual([1, 2]);
    expect((await ctx.store.listConflicts({ limit: 2, newestFirst: true })).map((c) => c.loser.clientVersion)).toEqual([3, 2]);
    expect((await ctx.store.listConflicts({ limit: 10, afterId: first.id })).map((c) => c.loser.clientVersion)).toEqual([2, 3]);
    expect((await ctx.store.listConflicts({ limit: 10, beforeId: all[2]!.id, newestFirst: true })).map((c) => c.loser.clientVersion)).toEqual([2, 1]);
    expect(await ctx.store.listConflicts({ limit: 10, type: 'Person' })).toEqual([]);
  });

  it('keeps the journal within its count and age bounds', async () => {
    const now = Date.now();
    await ctx.store.transaction((tx) => tx.recordConflicts([entry(1, now - 120_000, 'ann'), entry(2, now - 30_000, 'ann')], bound(now)));
    // The two-minute-old entry is past the one-minute bound.
    expect((await ctx.store.listConflicts({ limit: 10 })).map((c) => c.loser.clientVersion)).toEqual([2]);
    await ctx.store.transaction((tx) => tx.recordConflicts([3, 4, 5, 6].map((n) => entry(n, now, 'ann')), { maxEntries: 3, maxAgeMs: 60_000, now }));
    expect((await ctx.store.listConflicts({ limit: 10 })).map((c) => c.loser.clientVersion)).toEqual([4, 5, 6]);
  });

  it('records nothing when the transaction fails', async () => {
    const now = Date.now();
    await expect(
      ctx.store.transaction(async (tx) => {
        await tx.recordConflicts([entry(1, now, 'ann')], bound(now));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await ctx.store.listConflicts({ limit: 10 })).toEqual([]);
  });

  it('dismisses only the loser\'s own entries, and hides dismissed ones unless asked', async () => {
    const now = Date.now();
    await ctx.store.transaction((tx) => tx.recordConflicts([entry(1, now, 'ann'), entry(2, now, 'ben'), entry(3, now, 'ann')], bound(now)));
    const [a1, b2, a3] = await ctx.store.listConflicts({ limit: 10 });
    expect(await ctx.store.dismissConflicts('ann', [a1!.id, b2!.id, 999_999], now + 5)).toBe(1);
    expect(await ctx.store.dismissConflicts('ann', [a1!.id], now + 6)).toBe(0);
    expect((await ctx.store.listConflicts({ limit: 10 })).map((c) => c.id)).toEqual([b2!.id, a3!.id]);
    const all = await ctx.store.listConflicts({ limit: 10, includeDismissed: true });
    expect(all.map((c) => [c.id, c.dismissedAt])).toEqual([
      [a1!.id, now + 5],
      [b2!.id, null],
      [a3!.id, null],
    ]);
    if (ctx.sut.reopen) {
      const again = await ctx.sut.reopen();
      expect((await again.listConflicts({ limit: 10, includeDismissed: true })).map((c) => c.dismissedAt)).toEqual([now + 5, null, null]);
    }
  });
}
