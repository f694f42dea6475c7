import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { Decimal128, ObjectId, UUID } from '../model/index.ts';
import { OutpostError } from '../protocol/index.ts';
import { openLocal } from './testing/fixtures.ts';
import type { Database } from './database.ts';
import { instructionsFromJson } from '../worker-api/codec.ts';

async function rawTables(db: Database, indexedDB: { indexedDB: IDBFactory; IDBKeyRange: typeof IDBKeyRange }) {
  const d = new Dexie(db.name, { indexedDB: indexedDB.indexedDB, IDBKeyRange: indexedDB.IDBKeyRange });
  await d.open();
  const out = {
    history: await d.table('history').toArray(),
    objects: await d.table('objects').toArray(),
    meta: await d.table('meta').get('sync'),
  };
  d.close();
  return out;
}

async function expectCode(p: Promise<unknown>, code: string) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OutpostError);
  expect((err as OutpostError).code).toBe(code);
}

describe('db.write', () => {
  it('creates objects with defaults and returns a frozen snapshot', async () => {
    const { db } = await openLocal();
    const id = new ObjectId();
    const wo = await db.write((tx) => tx.create('WorkOrder', { _id: id, title: 'Replace valve', tags: ['b', 'a'] }));
    expect(Object.isFrozen(wo)).toBe(true);
    expect(wo.status).toBe('open');
    const stored = await db.object('WorkOrder', id).get();
    expect(stored).toMatchObject({ title: 'Replace valve', status: 'open', priority: 0, visits: 0, tags: ['a', 'b'] });
    expect(Object.isFrozen(stored)).toBe(true);
    expect(Object.isFrozen(stored!.tags)).toBe(true);
    expect((stored!._id as ObjectId).equals(id)).toBe(true);
    await db.close();
  });

  it('generates a missing objectId primary key and round-trips bson values', async () => {
    const { db } = await openLocal();
    const assignee = new UUID();
    const wo = await db.write((tx) =>
      tx.create('WorkOrder', { title: 't', cost: Decimal128.fromString('12.50'), assignee, dueAt: new Date(1_700_000_000_000), address: { city: 'Oslo' } }),
    );
    expect(wo._id).toBeInstanceOf(ObjectId);
    const got = (await db.object('WorkOrder', wo._id).get())!;
    expect(got.cost).toBeInstanceOf(Decimal128);
    expect(String(got.cost)).toBe('12.50');
    expect(got.assignee).toBeInstanceOf(UUID);
    expect((got.assignee as UUID).equals(assignee)).toBe(true);
    expect((got.dueAt as Date).getTime()).toBe(1_700_000_000_000);
    expect(got.address).toEqual({ city: 'Oslo', zip: null });
    await db.close();
  });

  it('records every operation kind', async () => {
    const { db } = await openLocal();
    const id = new ObjectId();
    await db.write((tx) => {
      const wo = tx.create('WorkOrder', { _id: id, title: 'a', notes: ['n1', 'n2', 'n3'], steps: [{ title: 's1', done: false }], attrs: { color: 'red' } });
      tx.increment(wo, 'visits', 2);
      tx.increment(wo, 'visits');
      tx.list(wo, 'notes').push('n4', 'n5').insert(0, 'n0').remove(2).move(0, 4).set(1, 'N1');
      tx.list(wo, 'steps').push({ title: 's2', done: true });
      tx.assign(wo, ['steps', 0, 'done'], true);
      tx.set(wo, 'tags').add('x', 'y', 'z').remove('y');
      tx.dictionary(wo, 'attrs').set('size', 'L').remove('color');
      tx.assign(wo, 'address', { city: 'Bergen', zip: '5003' });
      tx.assign(wo, ['address', 'city'], 'Trondheim');
      tx.create('Customer', { _id: 'acme', name: 'ACME', tier: 1 });
      tx.assign(wo, 'customer', 'acme');
    });
    const got = (await db.object('WorkOrder', id).get())!;
    expect(got.visits).toBe(3);
    // [n1 n2 n3] +n4 n5 → insert n0 at 0 → [n0 n1 n2 n3 n4 n5] → remove 2 → [n0 n1 n3 n4 n5] → move 0→4 → [n1 n3 n4 n5 n0] → set 1
    expect(got.notes).toEqual(['n1', 'N1', 'n4', 'n5', 'n0']);
    expect(got.steps).toEqual([
      { title: 's1', done: true },
      { title: 's2', done: true },
    ]);
    expect(got.tags).toEqual(['x', 'z']);
    expect(got.attrs).toEqual({ size: 'L' });
    expect(got.address).toEqual({ city: 'Trondheim', zip: '5003' });
    expect(got.customer).toBe('acme');

    await db.write((tx) => {
      tx.list(tx.ref('WorkOrder', id), 'notes').replaceAll(['only']);
      tx.clear(tx.ref('WorkOrder', id), 'tags');
      tx.dictionary(tx.ref('WorkOrder', id), 'attrs').clear();
      tx.assign(tx.ref('WorkOrder', id), 'tags', ['q']);
    });
    const again = (await db.object('WorkOrder', id).get())!;
    expect(again.notes).toEqual(['only']);
    expect(again.tags).toEqual(['q']);
    expect(again.attrs).toEqual({});

    await db.write((tx) => tx.delete(again));
    expect(await db.object('WorkOrder', id).get()).toBeNull();
    await db.close();
  });

  it('implements the update modes never, modified and all', async () => {
    const { db } = await openLocal();
    await db.write((tx) => tx.create('Customer', { _id: 'c1', name: 'One', tier: 1 }));
    await expectCode(
      db.write((tx) => tx.create('Customer', { _id: 'c1', name: 'Uno', tier: 1 })),
      'schema_violation',
    );
    await db.write((tx) => tx.create('Customer', { _id: 'c1', name: 'Uno' }, 'modified'));
    expect(await db.object('Customer', 'c1').get()).toEqual({ _id: 'c1', name: 'Uno', tier: 1 });
    await db.write((tx) => tx.create('Customer', { _id: 'c1', tier: 5 }, 'all'));
    expect(await db.object('Customer', 'c1').get()).toEqual({ _id: 'c1', name: 'Uno', tier: 5 });
    // 'modified' with nothing different writes nothing (no history entry).
    const before = db.sync.progress.lastClientVersion;
    await db.write((tx) => tx.create('Customer', { _id: 'c1', tier: 5 }, 'modified'));
    expect(db.sync.progress.lastClientVersion).toBe(before);
    await db.write((tx) => tx.create('Customer', { _id: 'c2', name: 'Two', tier: 2 }, 'modified'));
    expect(await db.object('Customer', 'c2').get()).toEqual({ _id: 'c2', name: 'Two', tier: 2 });
    await db.write((tx) => tx.update('Customer', 'c2', { name: 'Deux' }));
    expect((await db.object('Customer', 'c2').get())!.name).toBe('Deux');
    await db.close();
  });

  it('throws typed errors on the page, before anything is sent', async () => {
    const { db } = await openLocal();
    await expectCode(db.write((tx) => tx.create('Nope', {})), 'unknown_type');
    await expectCode(db.write((tx) => tx.create('WorkOrder', { title: 3 })), 'schema_violation');
    await expectCode(db.write((tx) => tx.create('WorkOrder', { title: 'x', bogus: 1 })), 'schema_violation');
    await expectCode(db.write((tx) => tx.create('WorkOrder', {})), 'schema_violation'); // title is required
    await expectCode(db.write((tx) => tx.update('Customer', 'c', { tier: 'high' })), 'schema_violation');
    await expectCode(
      db.write((tx) => tx.increment(tx.ref('WorkOrder', new ObjectId()), 'title', 1)),
      'bad_changeset',
    );
    await expectCode(db.write((tx) => tx.list(tx.ref('WorkOrder', new ObjectId()), 'tags')), 'schema_violation');
    await expectCode(db.write((tx) => tx.update({ title: 'plain' }, { title: 'x' })), 'schema_violation');
    await expectCode(db.write((tx) => tx.dictionary(tx.ref('WorkOrder', new ObjectId()), 'attrs').set('$x', 'y')), 'bad_changeset');
    await db.close();
  });

  it('leaves nothing half-written when an operation fails in the worker', async () => {
    const { db, indexedDB } = await openLocal();
    const id = new ObjectId();
    await db.write((tx) => tx.create('WorkOrder', { _id: id, title: 'keep', notes: ['a'] }));
    const before = await rawTables(db, indexedDB);
    // The first operations are fine, the last one fails in the worker (index past the list).
    await expectCode(
      db.write((tx) => {
        tx.create('Customer', { _id: 'new', name: 'N', tier: 0 });
        tx.update('WorkOrder', id, { title: 'changed' });
        tx.list(tx.ref('WorkOrder', id), 'notes').remove(5);
      }),
      'index_out_of_range',
    );
    await expectCode(db.write((tx) => tx.update('Customer', 'missing', { name: 'x' })), 'missing_object');
    await expectCode(db.write((tx) => tx.list(tx.ref('Customer', 'missing2'), ['name']).push('x')), 'schema_violation');
    const after = await rawTables(db, indexedDB);
    expect(after.objects.length).toBe(before.objects.length);
    expect(after.history.length).toBe(before.history.length);
    expect(after.meta.nextClientVersion).toBe(before.meta.nextClientVersion);
    expect((await db.object('WorkOrder', id).get())!.title).toBe('keep');
    expect(await db.object('Customer', 'new').get()).toBeNull();
    await db.close();
  });

  it('appends one history row per write, with the changeset and origin 0 before identification', async () => {
    const { db, indexedDB } = await openLocal();
    await db.write((tx) => {
      tx.create('Customer', { _id: 'a', name: 'A', tier: 1 });
      tx.create('Customer', { _id: 'b', name: 'B', tier: 2 });
    });
    await db.write((tx) => tx.update('Customer', 'a', { tier: 3 }));
    const { history, meta, objects } = await rawTables(db, indexedDB);
    expect(history.map((h) => h.v)).toEqual([1, 2]);
    expect(history[0].origin).toBe(0);
    expect(instructionsFromJson(history[0].ops).map((i: { op: string }) => i.op)).toEqual(['CreateObject', 'Set', 'Set', 'CreateObject', 'Set', 'Set']);
    expect(instructionsFromJson(history[1].ops)).toEqual([{ op: 'Set', type: 'Customer', pk: 'a', path: ['tier'], value: 3 }]);
    expect(history[1].ts).toBeGreaterThan(history[0].ts);
    expect(meta.nextClientVersion).toBe(3);
    expect(meta.hlc).toBe(history[1].ts);
    // Objects are stored with their index entries (name is indexed).
    const a = objects.find((o) => o.k === 'sa')!;
    expect(a.ix).toContainEqual(['Customer', 'name', 'sA']);
    expect(db.sync.progress).toMatchObject({ pendingUploads: 2, lastClientVersion: 2 });
    await db.close();
  });

  it('stores bson values in tagged form, readable after reopening', async () => {
    const { db, indexedDB, app } = await openLocal();
    const id = new ObjectId();
    await db.write((tx) => tx.create('WorkOrder', { _id: id, title: 't', cost: Decimal128.fromString('1.5') }));
    const raw = await rawTables(db, indexedDB);
    const row = raw.objects.find((o) => o.t === 'WorkOrder')!;
    expect(row.r._id).toEqual({ $oid: id.toHexString() });
    expect(row.r.cost).toEqual({ $dec: '1.5' });
    await db.close();
    const db2 = await app.open({ schema: db.schema, name: db.name });
    expect(String((await db2.object('WorkOrder', id).get())!.cost)).toBe('1.5');
    await db2.close();
  });

  it('handles large batches (existence found by key cursor) the same way', async () => {
    const { db } = await openLocal();
    await db.write((tx) => {
      for (let i = 0; i < 700; i++) tx.create('Customer', { _id: `c${i}`, name: `n${i}`, tier: i % 3 });
    });
    expect((await db.objects('Customer').toArray()).length).toBe(700);
    await expectCode(
      db.write((tx) => {
        for (let i = 650; i < 1400; i++) tx.create('Customer', { _id: `c${i}`, name: 'again', tier: 0 });
      }),
      'schema_violation',
    );
    expect((await db.objects('Customer').toArray()).length).toBe(700);
    await db.write((tx) => {
      for (let i = 650; i < 1400; i++) tx.create('Customer', { _id: `c${i}`, name: 'upserted', tier: 9 }, 'modified');
    });
    expect((await db.objects('Customer').filtered('name == "upserted"').toArray()).length).toBe(750);
    expect((await db.object('Customer', 'c10').get())!.name).toBe('n10');
    await db.close();
  });
});
