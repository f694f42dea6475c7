/**
 * The storage contract: every implementation (memory, SQLite, PostgreSQL) runs these tests.
 * `makeStore` opens a fresh, empty store for each test; `peer` (when the implementation can run
 * several nodes on one database) opens a second store on the same data; `reopen` closes the
 * store and opens the same data again.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Decimal128, ObjectId, UUID, parseSchema, pkKey, validateObject, type ObjectRecord, type Value } from '../../../model/index.ts';
import { runAuthContractTests } from './auth.ts';
import { runClientFileContractTests } from './files.ts';
import { runConflictContractTests } from './conflicts.ts';
import { changeset, contractSchema, deferred, expectSameValue, keyOf, richChangeset, richTask, sleep, waitFor } from './fixtures.ts';
import { runQueryContractTests } from './query.ts';
import type { ServerStore, StoreWriter } from '../../store/types.ts';

export { changeset, contractSchema, expectSameValue, keyOf, richChangeset, richTask, waitFor } from './fixtures.ts';

export interface StoreUnderTest {
  readonly store: ServerStore;
  /** A second node on the same database (PostgreSQL). */
  readonly peer?: () => Promise<ServerStore>;
  /** Closes `store` and opens the same data again (persistent stores). */
  readonly reopen?: () => Promise<ServerStore>;
  /** Closes everything opened and removes the data. */
  cleanup(): Promise<void>;
}

export type MakeStore = () => Promise<StoreUnderTest>;

export function runStoreContractTests(name: string, makeStore: MakeStore): void {
  describe(`store contract: ${name}`, () => {
    let sut: StoreUnderTest;
    let store: ServerStore;
    beforeEach(async () => {
      sut = await makeStore();
      store = sut.store;
    });
    afterEach(async () => {
      await sut.cleanup();
    });
    const ctx = {
      get store() {
        return store;
      },
      get sut() {
        return sut;
      },
    };

    it('starts empty', async () => {
      expect(await store.latestVersion()).toBe(0);
      expect(await store.history(0, 100)).toEqual([]);
      expect(await store.getSchema()).toBeUndefined();
      expect(await store.getClientFile(2)).toBeUndefined();
      expect(await store.getSetting('nope')).toBeUndefined();
      await store.ping();
    });

    it('appends in version order and reads history ranges', async () => {
      const written = [richChangeset(5, 1), richChangeset(6, 2), richChangeset(5, 3), richChangeset(7, 4), richChangeset(5, 5)];
      const versions = await store.transaction(async (tx) => {
        const out: number[] = [];
        for (const [i, c] of written.entries()) {
          out.push(await tx.appendHistory({ origin: c.origin, originVersion: i + 1, privateTo: i === 3 ? 5 : null, changeset: c }));
        }
        expect(await tx.latestVersion()).toBe(5);
        return out;
      });
      expect(versions).toEqual([1, 2, 3, 4, 5]);
      expect(await store.latestVersion()).toBe(5);
      const all = await store.history(0, 5);
      expect(all.map((r) => r.version)).toEqual([1, 2, 3, 4, 5]);
      expect(all[3]!.privateTo).toBe(5);
      expect(all[0]!.privateTo).toBeNull();
      expect(all.map((r) => r.originVersion)).toEqual([1, 2, 3, 4, 5]);
      for (const [i, row] of all.entries()) {
        expect(row.origin).toBe(written[i]!.origin);
        expect(row.changeset.timestamp).toBe(written[i]!.timestamp);
        expect(row.changeset.instructions.length).toBe(written[i]!.instructions.length);
        for (const [j, ins] of row.changeset.instructions.entries()) {
          const want = written[i]!.instructions[j]!;
          expect(ins.op).toBe(want.op);
          if ('value' in want) expectSameValue((ins as { value: Value }).value, want.value as Value);
          if ('pk' in want) expectSameValue((ins as { pk: Value }).pk, want.pk as Value);
        }
      }
      expect((await store.history(1, 3)).map((r) => r.version)).toEqual([2, 3]);
      expect((await store.history(0, 5, 2)).map((r) => r.version)).toEqual([1, 2]);
      expect((await store.history(4, 100)).map((r) => r.version)).toEqual([5]);
      expect(await store.history(5, 10)).toEqual([]);
      expect(await store.history(3, 3)).toEqual([]);
      const next = await store.transaction((tx) => tx.appendHistory({ origin: 1, originVersion: 6, privateTo: null, changeset: changeset(1, 9, []) }));
      expect(next).toBe(6);
      expect((await store.history(5, 6))[0]!.changeset.instructions).toEqual([]);
    });

    it('reads the entries private to one client file', async () => {
      await store.transaction(async (tx) => {
        for (let i = 1; i <= 8; i++) {
          await tx.appendHistory({ origin: 1, originVersion: i, privateTo: i % 3 === 0 ? 7 : i % 3 === 1 ? 8 : null, changeset: changeset(1, i, []) });
        }
        expect((await tx.privateHistory(7, 0, 8)).map((r) => r.version)).toEqual([3, 6]);
      });
      expect((await store.privateHistory(7, 0, 8)).map((r) => r.version)).toEqual([3, 6]);
      expect((await store.privateHistory(8, 1, 7)).map((r) => r.version)).toEqual([4, 7]);
      expect((await store.privateHistory(7, 3, 5)).map((r) => r.version)).toEqual([]);
      expect(await store.privateHistory(9, 0, 8)).toEqual([]);
      const [row] = await store.privateHistory(7, 5, 6);
      expect(row).toMatchObject({ version: 6, privateTo: 7, originVersion: 6 });
      expect(row!.changeset.timestamp).toBe(changeset(1, 6, []).timestamp);
    });

    it('rolls back everything when the callback throws', async () => {
      const file = await store.createClientFile('u1');
      await store.transaction(async (tx) => {
        await tx.appendHistory({ origin: 1, originVersion: 1, privateTo: null, changeset: richChangeset(1, 1) });
        await tx.putObjects([{ type: 'Counter', pk: 1, record: validateObject(contractSchema, 'Counter', { _id: 1, n: 1 }) }]);
      });
      const boom = new Error('boom');
      const task = richTask();
      await expect(
        store.transaction(async (tx) => {
          await tx.appendHistory({ origin: 1, originVersion: 2, privateTo: null, changeset: richChangeset(1, 2) });
          await tx.putObjects([{ type: 'Task', pk: task._id as ObjectId, record: task }]);
          await tx.putObjects([{ type: 'Counter', pk: 1, record: validateObject(contractSchema, 'Counter', { _id: 1, n: 2 }) }]);
          await tx.deleteObjects([{ type: 'Counter', pk: 1 }]);
          await tx.putReciprocal(file.ident, 2, richChangeset(1, 2));
          await tx.updateClientFile(file.ident, { lastIntegrated: 9, queryVersion: 3 });
          await tx.addToView(file.ident, [{ type: 'Task', pk: task._id as ObjectId }]);
          await tx.setSchema(contractSchema.toJSON());
          expect(await tx.latestVersion()).toBe(2);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await store.latestVersion()).toBe(1);
      expect(await store.history(0, 10)).toHaveLength(1);
      const objs = await store.getObjects([{ type: 'Task', pk: task._id as ObjectId }, { type: 'Counter', pk: 1 }]);
      expect(objs.has(keyOf('Task', task._id as ObjectId))).toBe(false);
      expect(objs.get(keyOf('Counter', 1))!.n).toBe(1);
      expect((await store.reciprocal(file.ident, 0)).size).toBe(0);
      expect((await store.getClientFile(file.ident))!.lastIntegrated).toBe(0);
      expect(await store.viewOf(file.ident, 'Task')).toEqual([]);
      expect(await store.getSchema()).toBeUndefined();
      // The store is still usable, and the next version is the one the rollback gave back.
      expect(await store.transaction((tx) => tx.appendHistory({ origin: 1, originVersion: 2, privateTo: null, changeset: richChangeset(1, 3) }))).toBe(2);
    });

    it('undoes a savepoint whose callback throws, and the transaction goes on (group commit)', async () => {
      const file = await store.createClientFile('u1');
      const boom = new Error('boom');
      const task = richTask();
      let rung = 0;
      const off = store.onAppend(() => rung++);
      const versions = await store.transaction(async (tx) => {
        const a = await tx.savepoint(() => tx.appendHistory({ origin: 1, originVersion: 1, privateTo: null, changeset: richChangeset(1, 1) }));
        await expect(
          tx.savepoint(async () => {
            await tx.appendHistory({ origin: 1, originVersion: 2, privateTo: null, changeset: richChangeset(1, 2) });
            await tx.putObjects([{ type: 'Task', pk: task._id as ObjectId, record: task }]);
            await tx.updateClientFile(file.ident, { lastIntegrated: 9 });
            expect(await tx.latestVersion()).toBe(2);
            throw boom;
          }),
        ).rejects.toBe(boom);
        // The version the failed savepoint took is given back.
        expect(await tx.latestVersion()).toBe(1);
        const b = await tx.savepoint(async () => {
          await tx.putObjects([{ type: 'Counter', pk: 1, record: validateObject(contractSchema, 'Counter', { _id: 1, n: 3 }) }]);
          return tx.appendHistory({ origin: 1, originVersion: 3, privateTo: null, changeset: richChangeset(1, 3) });
        });
        return [a, b];
      });
      expect(versions).toEqual([1, 2]);
      expect((await store.history(0, 10)).map((r) => r.originVersion)).toEqual([1, 3]);
      const objs = await store.getObjects([{ type: 'Task', pk: task._id as ObjectId }, { type: 'Counter', pk: 1 }]);
      expect(objs.has(keyOf('Task', task._id as ObjectId))).toBe(false);
      expect(objs.get(keyOf('Counter', 1))!.n).toBe(3);
      expect((await store.getClientFile(file.ident))!.lastIntegrated).toBe(0);
      await waitFor(() => rung > 0);
      off();
      expect(await store.latestVersion()).toBe(2);
    });

    it('a write the store refuses undoes its savepoint alone, or the whole transaction outside one', async () => {
      // On PostgreSQL writes are sent without waiting for their answers (pipelined): the refusal
      // of the last one must still undo what came before it, and no more.
      const file = await store.createClientFile('u1');
      const task = richTask();
      const counter = (n: number) => validateObject(contractSchema, 'Counter', { _id: 1, n });
      await store.transaction(async (tx) => {
        await expect(
          tx.savepoint(async () => {
            await tx.putObjects([{ type: 'Task', pk: task._id as ObjectId, record: task }]);
            await tx.appendHistory({ origin: 1, originVersion: 1, privateTo: null, changeset: richChangeset(1, 1) });
            await tx.updateClientFile(file.ident + 1000, { lastIntegrated: 1 });
          }),
        ).rejects.toMatchObject({ code: 'bad_client_file' });
        await tx.savepoint(async () => {
          await tx.putObjects([{ type: 'Counter', pk: 1, record: counter(1) }]);
          await tx.updateClientFile(file.ident, { lastIntegrated: 1 });
        });
      });
      const objs = await store.getObjects([{ type: 'Task', pk: task._id as ObjectId }, { type: 'Counter', pk: 1 }]);
      expect(objs.has(keyOf('Task', task._id as ObjectId))).toBe(false);
      expect(objs.get(keyOf('Counter', 1))!.n).toBe(1);
      expect(await store.latestVersion()).toBe(0);
      expect((await store.getClientFile(file.ident))!.lastIntegrated).toBe(1);

      await expect(
        store.transaction(async (tx) => {
          await tx.putObjects([{ type: 'Counter', pk: 1, record: counter(2) }]);
          await tx.appendHistory({ origin: 1, originVersion: 2, privateTo: null, changeset: richChangeset(1, 2) });
          await tx.updateClientFile(file.ident + 1000, { lastIntegrated: 2 });
        }),
      ).rejects.toMatchObject({ code: 'bad_client_file' });
      expect((await store.getObjects([{ type: 'Counter', pk: 1 }])).get(keyOf('Counter', 1))!.n).toBe(1);
      expect(await store.latestVersion()).toBe(0);
    });

    it('isolates an open transaction from readers outside it', async () => {
      const inside = deferred();
      const release = deferred();
      const running = store.transaction(async (tx) => {
        await tx.appendHistory({ origin: 1, originVersion: 1, privateTo: null, changeset: richChangeset(1, 1) });
        await tx.putObjects([{ type: 'Counter', pk: 7, record: validateObject(contractSchema, 'Counter', { _id: 7, n: 7 }) }]);
        expect(await tx.latestVersion()).toBe(1);
        expect((await tx.getObjects([{ type: 'Counter', pk: 7 }])).size).toBe(1);
        inside.resolve();
        await release.promise;
      });
      await inside.promise;
      expect(await store.latestVersion()).toBe(0);
      expect(await store.history(0, 10)).toEqual([]);
      expect((await store.getObjects([{ type: 'Counter', pk: 7 }])).size).toBe(0);
      release.resolve();
      await running;
      expect(await store.latestVersion()).toBe(1);
      expect((await store.getObjects([{ type: 'Counter', pk: 7 }])).size).toBe(1);
    });

    it('serializes concurrent transactions: racing appends never share a version', async () => {
      const N = 25;
      const results = await Promise.all(
        Array.from({ length: N }, (_, i) =>
          store.transaction(async (tx) => {
            const before = await tx.latestVersion();
            const found = await tx.getObjects([{ type: 'Counter', pk: 1 }]);
            const n = (found.get(keyOf('Counter', 1))?.n as number | undefined) ?? 0;
            await sleep(i % 3); // give another transaction every chance to interleave
            const v = await tx.appendHistory({ origin: 2, originVersion: i + 1, privateTo: null, changeset: richChangeset(2, i) });
            expect(v).toBe(before + 1);
            await tx.putObjects([{ type: 'Counter', pk: 1, record: validateObject(contractSchema, 'Counter', { _id: 1, n: n + 1 }) }]);
            return v;
          }),
        ),
      );
      expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
      expect((await store.getObjects([{ type: 'Counter', pk: 1 }])).get(keyOf('Counter', 1))!.n).toBe(N);
    });

    it('refuses a nested transaction and a transaction object used after its end', async () => {
      let leaked: StoreWriter | undefined;
      await expect(store.transaction(async () => store.transaction(async () => 1))).rejects.toThrow(/nested/);
      await store.transaction(async (tx) => {
        leaked = tx;
      });
      await expect(leaked!.latestVersion()).rejects.toThrow(/ended/);
    });

    it('runs racing appends from two nodes on one database without sharing a version', async () => {
      if (!sut.peer) return; // single-node implementations
      const other = await sut.peer();
      const N = 20;
      const append = (s: ServerStore, origin: number, i: number) =>
        s.transaction(async (tx) => {
          const v = await tx.appendHistory({ origin, originVersion: i + 1, privateTo: null, changeset: richChangeset(origin, i) });
          const found = await tx.getObjects([{ type: 'Counter', pk: 1 }]);
          const n = (found.get(keyOf('Counter', 1))?.n as number | undefined) ?? 0;
          await tx.putObjects([{ type: 'Counter', pk: 1, record: validateObject(contractSchema, 'Counter', { _id: 1, n: n + 1 }) }]);
          return v;
        });
      const results = await Promise.all(Array.from({ length: N }, (_, i) => [append(store, 2, i), append(other, 3, i)]).flat());
      expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 2 * N }, (_, i) => i + 1));
      expect((await other.history(0, 1000)).map((r) => r.version)).toEqual(Array.from({ length: 2 * N }, (_, i) => i + 1));
      expect((await store.getObjects([{ type: 'Counter', pk: 1 }])).get(keyOf('Counter', 1))!.n).toBe(2 * N);
    });

    it('stores objects: put, get, overwrite, delete, every value type exactly', async () => {
      const a = richTask();
      const b = richTask(new ObjectId('6001c04b3bc6feeda9ef44f3'));
      const dev = validateObject(contractSchema, 'Device', { _id: new UUID('08c35c66-69bd-4b28-8177-f9135553711f'), name: 'ü' });
      const person = validateObject(contractSchema, 'Person', { _id: 'p "1" ü😀', name: 'P' });
      const counter = validateObject(contractSchema, 'Counter', { _id: -3, n: 2 ** 53 - 1 });
      await store.transaction(async (tx) => {
        await tx.putObjects([
          { type: 'Task', pk: a._id as ObjectId, record: a },
          { type: 'Task', pk: b._id as ObjectId, record: b },
          { type: 'Device', pk: dev._id as UUID, record: dev },
          { type: 'Person', pk: person._id as string, record: person },
          { type: 'Counter', pk: -3, record: counter },
        ]);
      });
      const keys = [
        { type: 'Task', pk: a._id as ObjectId },
        { type: 'Task', pk: b._id as ObjectId },
        { type: 'Device', pk: dev._id as UUID },
        { type: 'Person', pk: person._id as string },
        { type: 'Counter', pk: -3 },
        { type: 'Task', pk: new ObjectId() },
      ];
      const got = await store.getObjects(keys);
      expect(got.size).toBe(5);
      const ga = got.get(keyOf('Task', a._id as ObjectId))!;
      expectSameValue(ga, a);
      // Kinds survive, not only values.
      expect(ga._id).toBeInstanceOf(ObjectId);
      expect(ga.ref).toBeInstanceOf(UUID);
      expect(ga.price).toBeInstanceOf(Decimal128);
      expect((ga.price as Decimal128).toString()).toBe('123456789012345678901234.5');
      expect(ga.due).toBeInstanceOf(Date);
      expect((ga.due as Date).getTime()).toBe(-86_400_000);
      expect(ga.blob).toBeInstanceOf(Uint8Array);
      expect([...(ga.blob as Uint8Array)]).toEqual([0, 1, 2, 254, 255]);
      expect(ga.score).toBe(0.1 + 0.2);
      expect(ga.tags).toEqual(['b', 'a', 'b']);
      expect((ga.attrs as ObjectRecord).dec).toBeInstanceOf(Decimal128);
      expect((ga.attrs as ObjectRecord).when).toBeInstanceOf(Date);
      expect(Object.getPrototypeOf(ga.attrs)).toBeNull();
      expect(Object.getPrototypeOf((ga.steps as ObjectRecord[])[0])).toBeNull();
      expect(((ga.steps as ObjectRecord[])[1]!.notes as string[])[1]).toBe('n2');
      expect(ga.any).toBeInstanceOf(ObjectId);
      expect(Object.getPrototypeOf(ga)).toBeNull();
      expectSameValue(got.get(keyOf('Device', dev._id as UUID)), dev);
      expectSameValue(got.get(keyOf('Person', person._id as string)), person);
      expect(got.get(keyOf('Counter', -3))!.n).toBe(2 ** 53 - 1);
      // Non-finite doubles round-trip too.
      const special = validateObject(contractSchema, 'Task', { ...a, _id: new ObjectId(), score: -Infinity, any: NaN });
      await store.transaction((tx) => tx.putObjects([{ type: 'Task', pk: special._id as ObjectId, record: special }]));
      const gs = (await store.getObjects([{ type: 'Task', pk: special._id as ObjectId }])).get(keyOf('Task', special._id as ObjectId))!;
      expect(gs.score).toBe(-Infinity);
      expect(Number.isNaN(gs.any)).toBe(true);
      // Overwrite, then delete.
      const a2 = validateObject(contractSchema, 'Task', { ...a, title: 'changed', tags: [] });
      await store.transaction((tx) => tx.putObjects([{ type: 'Task', pk: a._id as ObjectId, record: a2 }]));
      expect((await store.getObjects([keys[0]!])).get(keyOf('Task', a._id as ObjectId))!.title).toBe('changed');
      await store.transaction((tx) => tx.deleteObjects([keys[0]!, keys[3]!, keys[5]!]));
      const after = await store.getObjects(keys);
      expect([...after.keys()].sort()).toEqual([keyOf('Task', b._id as ObjectId), keyOf('Device', dev._id as UUID), keyOf('Counter', -3)].sort());
      // Mutating what was returned does not touch the store.
      after.get(keyOf('Counter', -3))!.n = 0;
      expect((await store.getObjects([keys[4]!])).get(keyOf('Counter', -3))!.n).toBe(2 ** 53 - 1);
    });

    it('keeps the schema and settings', async () => {
      const schema = contractSchema.toJSON();
      await store.transaction((tx) => tx.setSchema(schema));
      expect(await store.getSchema()).toEqual(schema);
      expect(parseSchema((await store.getSchema())!).toJSON()).toEqual(schema);
      await store.transaction((tx) => tx.setSchema(schema.slice(0, 2)));
      expect(await store.getSchema()).toEqual(schema.slice(0, 2));
      await store.setSetting('rules', { defaultRoles: [{ name: 'all', applyWhen: true, read: true, write: 'owner == %%user.id' }] });
      expect(await store.getSetting('rules')).toEqual({ defaultRoles: [{ name: 'all', applyWhen: true, read: true, write: 'owner == %%user.id' }] });
      await store.setSetting('rules', null);
      expect(await store.getSetting('rules')).toBeNull();
    });

    it('rings the doorbell after a committed append only', async () => {
      const heard: number[] = [];
      const off = store.onAppend((v) => heard.push(v));
      await store.transaction((tx) => tx.putObjects([{ type: 'Counter', pk: 1, record: validateObject(contractSchema, 'Counter', { _id: 1, n: 1 }) }]));
      await store.transaction(async (tx) => {
        await tx.appendHistory({ origin: 1, originVersion: 1, privateTo: null, changeset: richChangeset(1, 1) });
        await tx.appendHistory({ origin: 1, originVersion: 2, privateTo: null, changeset: richChangeset(1, 2) });
      });
      await waitFor(() => heard.includes(2));
      await store
        .transaction(async (tx) => {
          await tx.appendHistory({ origin: 1, originVersion: 3, privateTo: null, changeset: richChangeset(1, 3) });
          throw new Error('no');
        })
        .catch(() => {});
      await sleep(50);
      expect(heard.every((v) => v <= 2)).toBe(true);
      off();
      await store.transaction((tx) => tx.appendHistory({ origin: 1, originVersion: 3, privateTo: null, changeset: richChangeset(1, 3) }));
      await sleep(50);
      expect(heard.every((v) => v <= 2)).toBe(true);
    });

    it("rings another node's doorbell", async () => {
      if (!sut.peer) return;
      const other = await sut.peer();
      const heard: number[] = [];
      other.onAppend((v) => heard.push(v));
      await store.transaction((tx) => tx.appendHistory({ origin: 1, originVersion: 1, privateTo: null, changeset: richChangeset(1, 1) }));
      await waitFor(() => heard.includes(1));
      const v = await store.transaction(async (tx) => {
        await tx.appendHistory({ origin: 1, originVersion: 2, privateTo: null, changeset: richChangeset(1, 2) });
        return tx.appendHistory({ origin: 1, originVersion: 3, privateTo: null, changeset: richChangeset(1, 3) });
      });
      await waitFor(() => heard.includes(v));
      expect((await other.history(0, v)).map((r) => r.version)).toEqual([1, 2, 3]);
    });

    it('keeps everything across a reopen', async () => {
      if (!sut.reopen) return;
      const f = await store.createClientFile('u');
      const t = richTask();
      await store.transaction(async (tx) => {
        await tx.appendHistory({ origin: f.ident, originVersion: 1, privateTo: null, changeset: richChangeset(f.ident, 1) });
        await tx.putObjects([{ type: 'Task', pk: t._id as ObjectId, record: t }]);
        await tx.setSchema(contractSchema.toJSON());
        await tx.addToView(f.ident, [{ type: 'Task', pk: t._id as ObjectId }]);
      });
      await store.auth.createUser({ id: 'u', email: 'a@b.c', passwordHash: null, provider: 'email', customData: {}, createdAt: 1 });
      store = await sut.reopen();
      expect(await store.latestVersion()).toBe(1);
      expectSameValue((await store.getObjects([{ type: 'Task', pk: t._id as ObjectId }])).get(keyOf('Task', t._id as ObjectId)), t);
      expect(await store.getSchema()).toEqual(contractSchema.toJSON());
      expect(await store.viewOf(f.ident, 'Task')).toEqual([pkKey(t._id as ObjectId)]);
      expect((await store.auth.getUserByEmail('a@b.c'))?.id).toBe('u');
      const g = await store.createClientFile('u');
      expect(g.ident).toBeGreaterThan(f.ident);
    });

    runClientFileContractTests(ctx);
    runConflictContractTests(ctx);
    runQueryContractTests(ctx);
    runAuthContractTests(ctx);
  });
}
