/** The client-file part of the storage contract: client files, reciprocal changesets, view sets and the view log. */
import { expect, it } from 'vitest';
import { ObjectId, UUID, pkKey } from '../../../model/index.ts';
import { OutpostError } from '../../../errors.ts';
import { changeset, keyOf, richChangeset } from './fixtures.ts';
import type { ServerStore } from '../../store/types.ts';

export function runClientFileContractTests(ctx: { readonly store: ServerStore }): void {
  it('keeps reciprocal changesets per client file: put, read after, overwrite, prune', async () => {
    const f = await ctx.store.createClientFile('u');
    const g = await ctx.store.createClientFile('u');
    await ctx.store.transaction(async (tx) => {
      for (const v of [3, 5, 8]) await tx.putReciprocal(f.ident, v, richChangeset(1, v));
      await tx.putReciprocal(g.ident, 5, richChangeset(1, 99));
      await tx.putReciprocal(f.ident, 5, changeset(1, 555, []));
    });
    const all = await ctx.store.reciprocal(f.ident, 0);
    expect([...all.keys()]).toEqual([3, 5, 8]);
    expect(all.get(5)!.timestamp).toBe(555);
    expect(all.get(3)!.instructions).toHaveLength(10);
    expect([...(await ctx.store.reciprocal(f.ident, 3)).keys()]).toEqual([5, 8]);
    await ctx.store.transaction((tx) => tx.pruneReciprocal(f.ident, 5));
    expect([...(await ctx.store.reciprocal(f.ident, 0)).keys()]).toEqual([8]);
    expect([...(await ctx.store.reciprocal(g.ident, 0)).keys()]).toEqual([5]);
  });

  it('allocates client files and updates their cursors', async () => {
    const before = Date.now();
    const f = await ctx.store.createClientFile('user-1');
    const g = await ctx.store.createClientFile('user-2');
    expect(f.ident).toBeGreaterThanOrEqual(2);
    expect(g.ident).not.toBe(f.ident);
    expect(f.salt).toMatch(/^[0-9a-f]{32}$/);
    expect(f.salt).not.toBe(g.salt);
    expect(f).toMatchObject({ userId: 'user-1', lastIntegrated: 0, reciprocalBase: 0, queryVersion: 0, subscriptions: [] });
    expect(f.createdAt).toBeGreaterThanOrEqual(before);
    expect(await ctx.store.getClientFile(f.ident)).toEqual(f);
    const subs = [
      { name: 'mine', objectType: 'Task', query: 'owner == $0', args: [{ $oid: '6001c033600510df3bbfd864' }] },
      { objectType: 'Person', query: 'TRUEPREDICATE', args: [] },
    ];
    await ctx.store.transaction((tx) => tx.updateClientFile(f.ident, { lastIntegrated: 4, reciprocalBase: 3, queryVersion: 2, subscriptions: subs, lastSeenAt: 12345 }));
    expect(await ctx.store.getClientFile(f.ident)).toEqual({ ...f, lastIntegrated: 4, reciprocalBase: 3, queryVersion: 2, subscriptions: subs, lastSeenAt: 12345 });
    await ctx.store.transaction((tx) => tx.updateClientFile(f.ident, { lastIntegrated: 5 }));
    expect((await ctx.store.getClientFile(f.ident))!.reciprocalBase).toBe(3);
    expect(await ctx.store.getClientFile(g.ident)).toEqual(g);
    const err = await ctx.store.transaction((tx) => tx.updateClientFile(999_999, { lastIntegrated: 1 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutpostError);
    expect((err as OutpostError).code).toBe('bad_client_file');
  });

  it('lists client files newest first, by page and by user', async () => {
    const u = `list-${Math.random().toString(36).slice(2)}`;
    const a = await ctx.store.createClientFile(u);
    const other = await ctx.store.createClientFile(`${u}-other`);
    const b = await ctx.store.createClientFile(u);
    await ctx.store.transaction((tx) => tx.updateClientFile(a.ident, { lastIntegrated: 4, syncedVersion: 9 }));
    const mine = await ctx.store.listClientFiles({ userId: u, limit: 10 });
    expect(mine.map((f) => f.ident)).toEqual([b.ident, a.ident]);
    expect(mine[1]).toMatchObject({ userId: u, lastIntegrated: 4, syncedVersion: 9, expiredAt: null });
    const page = await ctx.store.listClientFiles({ limit: 2 });
    expect(page.map((f) => f.ident)).toEqual([b.ident, other.ident]);
    expect((await ctx.store.listClientFiles({ beforeIdent: other.ident, limit: 1 })).map((f) => f.ident)).toEqual([a.ident]);
  });

  it('keeps view sets per client file', async () => {
    const f = await ctx.store.createClientFile('u');
    const g = await ctx.store.createClientFile('u');
    const o1 = new ObjectId('6001c033600510df3bbfd864');
    const o2 = new ObjectId('6001c04b3bc6feeda9ef44f3');
    await ctx.store.transaction(async (tx) => {
      await tx.addToView(f.ident, [{ type: 'Task', pk: o2 }, { type: 'Task', pk: o1 }, { type: 'Person', pk: 'p1' }]);
      await tx.addToView(f.ident, [{ type: 'Task', pk: o1 }]); // idempotent
      await tx.addToView(g.ident, [{ type: 'Counter', pk: 5 }]);
      expect(await tx.viewOf(f.ident, 'Task')).toEqual([pkKey(o1), pkKey(o2)]);
    });
    expect(await ctx.store.viewOf(f.ident, 'Task')).toEqual([pkKey(o1), pkKey(o2)]);
    expect(await ctx.store.viewOf(f.ident, 'Counter')).toEqual([]);
    expect(await ctx.store.viewOf(g.ident, 'Counter')).toEqual([pkKey(5)]);
    const seen = await ctx.store.inView(f.ident, [{ type: 'Task', pk: o1 }, { type: 'Person', pk: 'p1' }, { type: 'Person', pk: 'p2' }, { type: 'Counter', pk: 5 }]);
    expect([...seen].sort()).toEqual([keyOf('Task', o1), keyOf('Person', 'p1')].sort());
    await ctx.store.transaction((tx) => tx.removeFromView(f.ident, [{ type: 'Task', pk: o1 }, { type: 'Person', pk: 'nope' }]));
    expect(await ctx.store.viewOf(f.ident, 'Task')).toEqual([pkKey(o2)]);
    expect((await ctx.store.inView(g.ident, [{ type: 'Counter', pk: 5 }])).size).toBe(1);
  });

  it('logs view changes until acknowledged, then settles them into the view set in order', async () => {
    const f = await ctx.store.createClientFile('u');
    const g = await ctx.store.createClientFile('u');
    const o1 = new ObjectId('6001c033600510df3bbfd864');
    const u1 = new UUID('d1b186e1-e9e0-4768-a1a7-c492519d47ee');
    await ctx.store.transaction(async (tx) => {
      await tx.addToView(f.ident, [{ type: 'Person', pk: 'gone' }]);
      await tx.logViewChanges(f.ident, 3, [
        { kind: 'add', type: 'Task', pk: o1, version: 3 },
        { kind: 'add', type: 'Device', pk: u1, version: 3 },
        { kind: 'remove', type: 'Person', pk: 'gone', version: 3 },
      ]);
      await tx.logViewChanges(f.ident, 5, [
        { kind: 'remove', type: 'Task', pk: o1, version: 5 },
        { kind: 'add', type: 'Counter', pk: 9, version: 5 },
      ]);
      await tx.logViewChanges(f.ident, 7, [{ kind: 'add', type: 'Task', pk: o1, version: 7 }]);
      await tx.logViewChanges(g.ident, 4, [{ kind: 'add', type: 'Counter', pk: 1, version: 4 }]);
    });
    const log = await ctx.store.viewLog(f.ident, 0);
    expect(log.map((c) => [c.version, c.kind, c.type])).toEqual([
      [3, 'add', 'Task'],
      [3, 'add', 'Device'],
      [3, 'remove', 'Person'],
      [5, 'remove', 'Task'],
      [5, 'add', 'Counter'],
      [7, 'add', 'Task'],
    ]);
    // Primary keys come back with their kind.
    expect(log[0]!.pk).toBeInstanceOf(ObjectId);
    expect(log[1]!.pk).toBeInstanceOf(UUID);
    expect(log[4]!.pk).toBe(9);
    expect((await ctx.store.viewLog(f.ident, 4)).map((c) => c.version)).toEqual([5, 5, 7]);
    // The client acknowledged 5: changes up to 5 go into the view set, in order (Task added then removed).
    await ctx.store.transaction((tx) => tx.settleViewLog(f.ident, 5));
    expect(await ctx.store.viewOf(f.ident, 'Task')).toEqual([]);
    expect(await ctx.store.viewOf(f.ident, 'Device')).toEqual([pkKey(u1)]);
    expect(await ctx.store.viewOf(f.ident, 'Counter')).toEqual([pkKey(9)]);
    expect(await ctx.store.viewOf(f.ident, 'Person')).toEqual([]);
    expect((await ctx.store.viewLog(f.ident, 0)).map((c) => c.version)).toEqual([7]);
    // It reconnects from 5: what was sent after 5 is dropped (it will be sent again).
    await ctx.store.transaction((tx) => tx.dropViewLog(f.ident, 5));
    expect(await ctx.store.viewLog(f.ident, 0)).toEqual([]);
    expect((await ctx.store.viewLog(g.ident, 0)).map((c) => c.version)).toEqual([4]);
    // Rolled back with its transaction like everything else.
    await ctx.store
      .transaction(async (tx) => {
        await tx.logViewChanges(f.ident, 9, [{ kind: 'add', type: 'Task', pk: o1, version: 9 }]);
        throw new Error('no');
      })
      .catch(() => {});
    expect(await ctx.store.viewLog(f.ident, 0)).toEqual([]);
  });

  it('retires client files by ident, user or last sight, once, and forgets what was kept for them', async () => {
    const a = await ctx.store.createClientFile('ana');
    const b = await ctx.store.createClientFile('ana');
    const c = await ctx.store.createClientFile('bob');
    const o1 = new ObjectId('6001c033600510df3bbfd864');
    await ctx.store.transaction(async (tx) => {
      await tx.updateClientFile(a.ident, { lastSeenAt: 1_000, syncedVersion: 7, plannedVersion: 9, roleKey: 'r1' });
      await tx.updateClientFile(b.ident, { lastSeenAt: 5_000, syncedVersion: 3 });
      await tx.updateClientFile(c.ident, { lastSeenAt: 1_000, syncedVersion: 9 });
      await tx.putReciprocal(a.ident, 4, changeset(1, 4, []));
      await tx.addToView(a.ident, [{ type: 'Task', pk: o1 }]);
      await tx.logViewChanges(a.ident, 8, [{ kind: 'add', type: 'Person', pk: 'p1', version: 8 }]);
    });
    expect(await ctx.store.syncHorizon()).toBe(3);
    const expiry = { at: 9_999, reason: 'offline too long', action: 'client_reset' as const };
    // Every condition must hold: ana's files not seen since 2000 → only a.
    expect(await ctx.store.transaction((tx) => tx.expireClientFiles({ userId: 'ana', lastSeenBefore: 2_000 }, expiry))).toBe(1);
    const ra = await ctx.store.getClientFile(a.ident);
    expect(ra).toMatchObject({ expiredAt: 9_999, expiredReason: 'offline too long', expiredAction: 'client_reset', syncedVersion: 7, plannedVersion: 9, roleKey: 'r1' });
    expect((await ctx.store.reciprocal(a.ident, 0)).size).toBe(0);
    expect(await ctx.store.viewOf(a.ident, 'Task')).toEqual([]);
    expect(await ctx.store.viewLog(a.ident, 0)).toEqual([]);
    // Already retired files are not retired again (their reason stays).
    const again = { at: 10_000, reason: 'admin', action: 'client_reset_no_recovery' as const };
    expect(await ctx.store.transaction((tx) => tx.expireClientFiles({ idents: [a.ident, c.ident] }, again))).toBe(1);
    expect((await ctx.store.getClientFile(a.ident))!.expiredReason).toBe('offline too long');
    expect(await ctx.store.getClientFile(c.ident)).toMatchObject({ expiredReason: 'admin', expiredAction: 'client_reset_no_recovery' });
    expect(await ctx.store.getClientFile(b.ident)).toMatchObject({ expiredAt: null, expiredReason: null, expiredAction: null, roleKey: null });
    expect(await ctx.store.transaction((tx) => tx.expireClientFiles({ idents: [] }, again))).toBe(0);
    // Only live files hold the horizon.
    expect(await ctx.store.syncHorizon()).toBe(3);
    await ctx.store.transaction((tx) => tx.expireClientFiles({}, again));
    expect(await ctx.store.syncHorizon()).toBeUndefined();
  });

  it('compacts history below a version, keeping the latest entry, and prunes reciprocal entries', async () => {
    expect(await ctx.store.firstVersion()).toBe(0);
    const f = await ctx.store.createClientFile('u');
    await ctx.store.transaction(async (tx) => {
      for (let i = 1; i <= 6; i++) await tx.appendHistory({ origin: 1, originVersion: i, privateTo: null, changeset: changeset(1, i, []) });
      await tx.putReciprocal(f.ident, 3, changeset(1, 3, []));
      await tx.putReciprocal(f.ident, 5, changeset(1, 5, []));
    });
    expect(await ctx.store.firstVersion()).toBe(1);
    expect(await ctx.store.transaction((tx) => tx.compactHistory(4))).toBe(3);
    expect((await ctx.store.history(0, 10)).map((r) => r.version)).toEqual([4, 5, 6]);
    expect(await ctx.store.firstVersion()).toBe(4);
    expect([...(await ctx.store.reciprocal(f.ident, 0)).keys()]).toEqual([5]);
    // Never past the latest entry: versions keep counting from it.
    await ctx.store.transaction((tx) => tx.compactHistory(100));
    expect((await ctx.store.history(0, 10)).map((r) => r.version)).toEqual([6]);
    expect(await ctx.store.latestVersion()).toBe(6);
    const v = await ctx.store.transaction((tx) => tx.appendHistory({ origin: 1, originVersion: 7, privateTo: null, changeset: changeset(1, 7, []) }));
    expect(v).toBe(7);
  });
}
