import { describe, expect, it } from 'vitest';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { pkKey } from '../model/index.ts';
import { encodeMessage, type Download } from '../protocol/index.ts';
import { workOrderSchema } from '../client/testing/fixtures.ts';
import { LocalDatabase } from './local-db.ts';
import { toStorable } from '../worker-api/codec.ts';
import { matchQuery } from './query-runner.ts';
import { compileSpec } from '../worker-api/query-spec.ts';

async function open() {
  const { db } = await LocalDatabase.open('t', workOrderSchema, { indexedDB: new IDBFactory(), IDBKeyRange });
  return db;
}

const dl = (items: Download['items'], cursor: { serverVersion: number; clientVersion: number }, extra: Partial<Download> = {}): Download => ({
  t: 'DOWNLOAD',
  queryVersion: 0,
  cursor,
  versionSalt: `salt-${cursor.serverVersion}`,
  latestServerVersion: cursor.serverVersion,
  items,
  batch: 'last',
  serverTime: Date.now(),
  ...extra,
});

const cs = (origin: number, ts: number, instructions: unknown[]) => ({ origin, timestamp: ts, instructions: instructions as never });

describe('LocalDatabase.integrate', () => {
  it('skips duplicate items, rebases local changesets and acknowledges them', async () => {
    const db = await open();
    await db.write([{ op: 'create', type: 'Customer', values: { _id: 'c', name: 'local', tier: 1 }, explicit: ['_id', 'name', 'tier'], mode: 'never' }]);
    await db.identify(7, 'salt');
    const foreign = dl(
      [
        { kind: 'changeset', serverVersion: 1, clientVersion: 0, changeset: cs(9, 1, [{ op: 'CreateObject', type: 'Customer', pk: 'd' }, { op: 'Set', type: 'Customer', pk: 'd', path: ['tier'], value: 5 }]) },
        { kind: 'changeset', serverVersion: 2, clientVersion: 0, changeset: cs(9, 2, [{ op: 'AddInteger', type: 'Customer', pk: 'd', path: ['tier'], value: 1 }]) },
      ],
      { serverVersion: 2, clientVersion: 0 },
    );
    await db.integrate([foreign], 2);
    // The same download again (a resend): nothing is applied twice.
    const r = await db.integrate([foreign], 2);
    expect(r.changes).toEqual([]);
    const [d] = await db.read([['Customer', pkKey('d')]]);
    expect(d!.record!.tier).toBe(6);
    const up = await db.pendingUploads(0, 10);
    expect(up.base).toBe(2);
    expect(up.entries.map((e) => [e.clientVersion, e.changeset.origin])).toEqual([[1, 7]]);
    // The server acknowledges client version 1.
    await db.integrate([dl([], { serverVersion: 3, clientVersion: 1 })], 3);
    expect((await db.pendingUploads(0, 10)).entries).toEqual([]);
    expect((await db.meta()).serverVersion).toBe(3);
    db.close();
  });

  it('merges an object entering the view with local changes, and erases a leaving one without history', async () => {
    const db = await open();
    await db.identify(7, 'salt');
    // Offline, this client created x and incremented its tier.
    await db.write([{ op: 'instr', instr: toStorable({ op: 'CreateObject', type: 'Customer', pk: 'x' } as never) }]);
    await db.write([{ op: 'instr', instr: { op: 'AddInteger', type: 'Customer', pk: 'x', path: ['tier'], value: 2 } }]);
    // The server's private "enter" row: x with its state written as defaults; y too.
    const enter = cs(1, 1, [
      { op: 'CreateObject', type: 'Customer', pk: 'x' },
      { op: 'Set', type: 'Customer', pk: 'x', path: ['name'], value: 'server', default: true },
      { op: 'Set', type: 'Customer', pk: 'x', path: ['tier'], value: 10, default: true },
      { op: 'CreateObject', type: 'Customer', pk: 'y' },
      { op: 'Set', type: 'Customer', pk: 'y', path: ['name'], value: 'y', default: true },
    ]);
    await db.integrate([dl([{ kind: 'changeset', serverVersion: 1, clientVersion: 0, changeset: enter }], { serverVersion: 1, clientVersion: 0 })], 1);
    const [x] = await db.read([['Customer', pkKey('x')]]);
    expect(x!.record).toMatchObject({ name: 'server', tier: 12 });
    const historyBefore = (await db.pendingUploads(0, 10)).entries.length;
    const leave = cs(1, 2, [{ op: 'EraseObject', type: 'Customer', pk: 'y' }]);
    await db.integrate([dl([{ kind: 'changeset', serverVersion: 2, clientVersion: 0, changeset: leave }], { serverVersion: 2, clientVersion: 0 })], 2);
    expect((await db.read([['Customer', pkKey('y')]]))[0]!.record).toBeUndefined();
    expect((await db.pendingUploads(0, 10)).entries.length).toBe(historyBefore);
    db.close();
  });

  it('stages bootstrap downloads out of sight and applies them with the last one; the staged cursor is where it resumes', async () => {
    const db = await open();
    const mk = (id: string, v: number) => ({
      kind: 'changeset' as const,
      serverVersion: v,
      clientVersion: 0,
      changeset: cs(1, v, [{ op: 'CreateObject', type: 'Customer', pk: id }, { op: 'Set', type: 'Customer', pk: id, path: ['name'], value: id, default: true }]),
    });
    const frame = (m: Download) => encodeMessage(m);
    const m1 = dl([mk('a', 1)], { serverVersion: 1, clientVersion: 0 }, { batch: 'more', queryVersion: 1 });
    // A server that resends an item (version 1 again) and keeps the bootstrap's start as the cursor of a 'more'.
    const m2 = dl([mk('a', 1), mk('b', 2)], { serverVersion: 0, clientVersion: 0 }, { batch: 'more', queryVersion: 1 });
    let staged = await db.stageDownload(m1, frame(m1), undefined);
    expect(staged).toEqual({ serverVersion: 1, clientVersion: 0, versionSalt: 'salt-1' });
    staged = await db.stageDownload(m2, frame(m2), staged);
    expect(staged).toEqual({ serverVersion: 1, clientVersion: 0, versionSalt: 'salt-1' });
    expect(await db.stagedCursor()).toEqual(staged);
    // Not applied: the objects are as before the bootstrap.
    expect((await db.read([['Customer', 'sa']]))[0]!.record).toBeUndefined();
    expect((await db.meta()).serverVersion).toBe(0);
    const r = await db.integrate([dl([mk('c', 3)], { serverVersion: 3, clientVersion: 0 }, { queryVersion: 1 })], 3, { staged: true });
    expect(r.queryVersions).toEqual([1]);
    // Applied hidden as they arrived: the switch names the types whose queries run again.
    expect(r.changedTypes).toEqual(['Customer']);
    expect(await db.stagedCursor()).toBeUndefined();
    expect((await db.read([['Customer', 'sa'], ['Customer', 'sb'], ['Customer', 'sc']])).map((c) => c.record?.name)).toEqual(['a', 'b', 'c']);
    expect((await db.meta()).serverVersion).toBe(3);
    db.close();
  });

  it('applies a staged bootstrap far larger than one download holding one download at a time', async () => {
    const db = await open();
    const perDownload = 50;
    const downloads = 40;
    let staged;
    for (let m = 0; m < downloads; m++) {
      const items = [];
      for (let i = 0; i < perDownload; i++) {
        const id = `m${m}-${i}`;
        const v = m * perDownload + i + 1;
        items.push({ kind: 'changeset' as const, serverVersion: v, clientVersion: 0, changeset: cs(1, v, [{ op: 'CreateObject', type: 'Customer', pk: id }, { op: 'Set', type: 'Customer', pk: id, path: ['tier'], value: m, default: true }]) });
      }
      const last = (m + 1) * perDownload;
      const more = dl(items, { serverVersion: last, clientVersion: 0 }, { batch: 'more', queryVersion: 1 });
      staged = await db.stageDownload(more, encodeMessage(more), staged);
    }
    expect(staged!.serverVersion).toBe(perDownload * downloads);
    const r = await db.integrate([dl([], { serverVersion: perDownload * downloads, clientVersion: 0 }, { queryVersion: 1 })], perDownload * downloads, { staged: true });
    // Each download was applied hidden in its own transaction: the switch holds none of them.
    expect(r.heldObjects).toBe(0);
    expect(await db.dexie.objects.count()).toBe(perDownload * downloads);
    expect((await db.meta()).serverVersion).toBe(perDownload * downloads);
    db.close();
  });

  it('hides a bootstrap applied as it arrives from queries, reads and writes until it is complete', async () => {
    const db = await open();
    const spec = { type: 'Customer', filters: [], sorts: [] };
    const item = (id: string, v: number, name: string) => ({
      kind: 'changeset' as const,
      serverVersion: v,
      clientVersion: 0,
      changeset: cs(1, v, [{ op: 'CreateObject', type: 'Customer', pk: id }, { op: 'Set', type: 'Customer', pk: id, path: ['name'], value: name, default: true }]),
    });
    const m1 = dl([item('a', 1, 'server a'), item('b', 2, 'server b')], { serverVersion: 2, clientVersion: 0 }, { batch: 'more', queryVersion: 1 });
    const staged = await db.stageDownload(m1, encodeMessage(m1), undefined);
    // The rows are stored, but no read the app makes sees them.
    expect(await db.dexie.objects.count()).toBe(2);
    expect((await matchQuery(db.dexie, db.layout, compileSpec(db.schema, spec))).keys).toEqual([]);
    expect((await db.readObject('Customer', 'a')).record).toBeUndefined();
    expect((await db.read([['Customer', 'sb']]))[0]!.record).toBeUndefined();
    const r = await db.integrate([dl([item('c', 3, 'server c')], { serverVersion: 3, clientVersion: 0 }, { queryVersion: 1 })], 3, { staged: true });
    expect(r.changedTypes).toEqual(['Customer']);
    expect(staged.serverVersion).toBe(2);
    expect((await matchQuery(db.dexie, db.layout, compileSpec(db.schema, spec))).keys.sort()).toEqual(['sa', 'sb', 'sc']);
    expect((await db.readObject('Customer', 'a')).record?.name).toBe('server a');
    db.close();
  });

  it('falls back to applying every staged download when a local write meets a bootstrap applied hidden', async () => {
    const db = await open();
    const item = (id: string, v: number) => ({
      kind: 'changeset' as const,
      serverVersion: v,
      clientVersion: 0,
      changeset: cs(1, v, [{ op: 'CreateObject', type: 'Customer', pk: id }, { op: 'Set', type: 'Customer', pk: id, path: ['name'], value: `server ${id}`, default: true }]),
    });
    const m1 = dl([item('a', 1), item('b', 2)], { serverVersion: 2, clientVersion: 0 }, { batch: 'more', queryVersion: 1 });
    let staged = await db.stageDownload(m1, encodeMessage(m1), undefined);
    // The app does not see 'a' yet and creates it, with a field of its own.
    await db.write([
      { op: 'instr', instr: toStorable({ op: 'CreateObject', type: 'Customer', pk: 'a' } as never) },
      { op: 'instr', instr: { op: 'AddInteger', type: 'Customer', pk: 'a', path: ['tier'], value: 5 } },
    ]);
    expect((await db.readObject('Customer', 'a')).record).toMatchObject({ name: '', tier: 5 });
    expect((await db.readObject('Customer', 'b')).record).toBeUndefined();
    const m2 = dl([item('d', 3)], { serverVersion: 3, clientVersion: 0 }, { batch: 'more', queryVersion: 1 });
    staged = await db.stageDownload(m2, encodeMessage(m2), staged);
    expect((await db.readObject('Customer', 'd')).record).toBeUndefined();
    const r = await db.integrate([dl([], { serverVersion: 3, clientVersion: 0 }, { queryVersion: 1 })], 3, { staged: true });
    expect(r.heldObjects).toBeGreaterThan(0);
    // The old way: the bootstrap merged with the local write (its default does not override it), nothing hidden left.
    expect((await db.readObject('Customer', 'a')).record).toMatchObject({ name: 'server a', tier: 5 });
    expect((await db.readObject('Customer', 'b')).record?.name).toBe('server b');
    expect((await db.readObject('Customer', 'd')).record?.name).toBe('server d');
    expect(await db.dexie.objects.count()).toBe(3);
    expect((await matchQuery(db.dexie, db.layout, compileSpec(db.schema, { type: 'Customer', filters: [], sorts: [] }))).keys.sort()).toEqual(['sa', 'sb', 'sd']);
    expect((await db.pendingUploads(0, 10)).entries.length).toBe(1);
    db.close();
  });

  it('lists the objects a large integration changed by type only', async () => {
    const db = await open();
    const n = 5200;
    const instructions = [];
    for (let i = 0; i < n; i++) instructions.push({ op: 'CreateObject', type: 'Customer', pk: `k${i}` }, { op: 'Set', type: 'Customer', pk: `k${i}`, path: ['name'], value: `n${i}`, default: true });
    const r = await db.integrate([dl([{ kind: 'changeset', serverVersion: 1, clientVersion: 0, changeset: cs(1, 1, instructions) }], { serverVersion: 1, clientVersion: 0 })], 1);
    expect(r.changes).toEqual([]);
    expect(r.changedTypes).toEqual(['Customer']);
    expect(r.large).toBe(true);
    expect((await db.read([['Customer', 'sk5199']]))[0]!.record?.name).toBe('n5199');
    db.close();
  });

  it('drops held rows it cannot resume from (the segments of a client reset)', async () => {
    const db = await open();
    await db.holdBatch(1, 'a STATE segment');
    expect(await db.stagedCursor()).toBeUndefined();
    expect(await db.heldBatches()).toEqual([]);
    db.close();
  });

  it('refuses a download that acknowledges changesets this database never wrote, applying nothing', async () => {
    const db = await open();
    const bad = dl([{ kind: 'changeset', serverVersion: 1, clientVersion: 0, changeset: cs(9, 1, [{ op: 'CreateObject', type: 'Customer', pk: 'z' }]) }], { serverVersion: 1, clientVersion: 3 });
    await expect(db.integrate([bad], 1)).rejects.toMatchObject({ code: 'bad_cursor' });
    expect((await db.read([['Customer', 'sz']]))[0]!.record).toBeUndefined();
    expect((await db.meta()).serverVersion).toBe(0);
    db.close();
  });
});

describe('acknowledged history and version salts', () => {
  const create = (id: string) => [{ op: 'create' as const, type: 'Customer', values: { _id: id, name: id, tier: 1 }, explicit: ['_id', 'name', 'tier'], mode: 'never' as const }];
  const versions = async (db: LocalDatabase) => (await db.storage.db.history.toArray()).map((r) => r.v);

  it('keeps acknowledged changesets up to the row limit, and stores the salt of the cursor', async () => {
    const db = await open();
    db.historyRetention = { maxRows: 2, maxAgeMs: 3600_000 };
    await db.identify(7, 'salt');
    for (const id of ['a', 'b', 'c', 'd']) await db.write(create(id));
    await db.integrate([dl([], { serverVersion: 4, clientVersion: 3 })], 4);
    expect(await versions(db)).toEqual([2, 3, 4]); // the 2 latest acknowledged, and the pending one
    expect((await db.pendingUploads(0, 10)).entries.map((e) => e.clientVersion)).toEqual([4]);
    const meta = await db.meta();
    expect(meta).toMatchObject({ serverVersion: 4, ackedClientVersion: 3, versionSalt: 'salt-4' });
    // A stale resend does not move the cursor or its salt back.
    await db.integrate([dl([], { serverVersion: 2, clientVersion: 1 })], 4);
    expect((await db.meta()).versionSalt).toBe('salt-4');
    db.close();
  });

  it('drops acknowledged changesets older than the age limit', async () => {
    const db = await open();
    await db.identify(7, 'salt');
    await db.write(create('a'));
    await db.write(create('b'));
    db.historyRetention = { maxRows: 100, maxAgeMs: -60_000 }; // everything is "too old"
    await db.integrate([dl([], { serverVersion: 1, clientVersion: 1 })], 1);
    expect(await versions(db)).toEqual([2]);
    db.close();
  });
});

describe('storage errors', () => {
  it('map IndexedDB failures to typed codes', async () => {
    const { storageError } = await import('./store.ts');
    expect(storageError({ name: 'QuotaExceededError', message: 'full' }).code).toBe('quota_exceeded');
    expect(storageError({ name: 'AbortError', inner: { name: 'QuotaExceededError', message: 'full' } }).code).toBe('quota_exceeded');
    expect(storageError({ name: 'DatabaseClosedError', message: 'closed' }).code).toBe('database_closed');
    expect(storageError(new Error('boom')).code).toBe('internal');
  });
});
