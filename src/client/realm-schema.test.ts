import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ObjectId } from '../model/index.ts';
import { App } from './app.ts';
import { MemoryKeyValueStore } from './kv.ts';
import { freshIndexedDb, uniqueAppId } from './testing/fixtures.ts';

/*
 * app.open with a Realm JS schema as an app writes it: `mapTo` (JS names in the app, stored
 * names in the database, on the wire and on the server), function defaults, and the refusal of
 * asymmetric types. A local database in process, so the stored form can be read back too.
 */

class Customer {
  static schema = {
    name: 'Customer',
    primaryKey: 'id',
    properties: {
      id: { type: 'objectId', mapTo: '_id', default: () => new ObjectId() },
      fullName: { type: 'string', mapTo: 'full_name', indexed: true },
      address: 'Address?',
      visits: { type: 'list', objectType: 'Visit' },
      best: 'Customer?',
      tags: 'string<>',
    },
  };
}
const Address = { name: 'Address', embedded: true, properties: { streetLine: { type: 'string', mapTo: 'street_line' }, city: 'string' } };
const Visit = { name: 'Visit', embedded: true, properties: { visitedOn: { type: 'date', mapTo: 'visited_on' }, note: 'string?' } };
const Reading = { name: 'Reading', asymmetric: true, primaryKey: '_id', properties: { _id: 'objectId', value: 'double' } };

async function open() {
  const app = new App({ baseUrl: 'http://127.0.0.1:1', appId: uniqueAppId('realm'), inProcess: { indexedDB: freshIndexedDb() }, storage: new MemoryKeyValueStore() });
  return app.open({ schema: [Customer, Address, Visit] });
}

describe('app.open with a Realm JS schema', () => {
  it('mapTo: the app reads, writes and queries JS names; the database holds stored names', async () => {
    const db = await open();
    const day = new Date('2024-05-01T00:00:00Z');
    const ana = await db.write((tx) =>
      tx.create('Customer', { fullName: 'Ana', address: { streetLine: '1 Main St', city: 'Lyon' }, visits: [{ visitedOn: day, note: 'first' }], tags: ['vip'] }),
    );
    // The function default gave the primary key; the snapshot has JS names.
    expect(ana.id).toBeInstanceOf(ObjectId);
    expect(ana).toMatchObject({ fullName: 'Ana', address: { streetLine: '1 Main St', city: 'Lyon' }, visits: [{ visitedOn: day, note: 'first' }] });
    await db.write((tx) => tx.create('Customer', { fullName: 'Ben', best: ana.id }));

    // What is stored (and synced) uses the stored names.
    const [stored] = await db.runQuery({ type: 'Customer', filters: [{ query: 'full_name == $0', args: ['Ana'] }], sorts: [] });
    expect(Object.keys(stored!).sort()).toEqual(['_id', 'address', 'best', 'full_name', 'tags', 'visits']);
    expect(Object.keys(stored!.address as object).sort()).toEqual(['city', 'street_line']);

    // Queries by JS name (through links, embedded objects and SUBQUERY) or by stored name, as in Realm.
    const names = async (q: string, ...args: unknown[]) => ((await db.objects('Customer').filtered(q, ...args).sorted('fullName').toArray()) as { fullName: string }[]).map((c) => c.fullName);
    expect(await names('fullName BEGINSWITH $0', 'A')).toEqual(['Ana']);
    expect(await names('full_name == $0', 'Ben')).toEqual(['Ben']);
    expect(await names('best.fullName == $0', 'Ana')).toEqual(['Ben']);
    expect(await names('address.streetLine CONTAINS $0', 'Main')).toEqual(['Ana']);
    expect(await names('SUBQUERY(visits, $v, $v.visitedOn == $0).@count == 1', day)).toEqual(['Ana']);
    expect(await names('visits.visitedOn == $0 SORT(fullName DESC)', day)).toEqual(['Ana']);
    const sorted = (await db.objects('Customer').sorted('fullName', true).toArray()) as { fullName: string }[];
    expect(sorted.map((c) => c.fullName)).toEqual(['Ben', 'Ana']);

    // Updates, paths into embedded objects and lists of them, by JS names.
    await db.write((tx) => {
      tx.update(ana, { fullName: 'Ana B.' });
      tx.assign(ana, ['address', 'streetLine'], '2 Side St');
      tx.list(ana, 'visits').push({ visitedOn: day, note: 'second' });
      tx.assign(ana, ['visits', 0, 'note'], 'first!');
    });
    const again = (await db.object('Customer', ana.id).get()) as Record<string, any>;
    expect(again).toMatchObject({ fullName: 'Ana B.', address: { streetLine: '2 Side St' }, visits: [{ note: 'first!' }, { note: 'second' }] });
    const live = await firstValueFrom(db.objects('Customer').filtered('fullName == $0', 'Ana B.').observe());
    expect(live.map((c) => (c as { fullName: string }).fullName)).toEqual(['Ana B.']);
    await db.write((tx) => tx.delete(again));
    expect(await names('TRUEPREDICATE')).toEqual(['Ben']);
    await db.close();
  });

  it('refuses asymmetric types clearly (the server has no write-only types yet)', async () => {
    const app = new App({ baseUrl: 'http://127.0.0.1:1', appId: uniqueAppId('asym'), inProcess: { indexedDB: freshIndexedDb() }, storage: new MemoryKeyValueStore() });
    await expect(app.open({ schema: [Customer, Address, Visit, Reading] })).rejects.toMatchObject({ code: 'schema_invalid', details: { types: ['Reading'] } });
  });
});
