import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory.ts';
import { DataApi, MAX_INSERT_MANY } from './data-api.ts';
import { SyncEngine } from './engine.ts';

/*
 * The data API's insertMany (bulk loads, `outpost import-data`): the objects that can go in are
 * one changeset; every other one is reported in its place, checked as insert checks it, with the
 * caller's roles.
 */

const schema = [{ name: 'Item', primaryKey: '_id', properties: { _id: 'string', owner: 'string', n: 'int' } }];
const rules = { defaultRoles: [{ name: 'owner', applyWhen: true, read: 'owner == %%user.id', write: 'owner == %%user.id' }] };
const ana = { kind: 'user' as const, user: { id: 'ana', custom_data: {} } };

async function setup() {
  const store = new MemoryStore();
  const engine = await SyncEngine.open({ store, schema, rules, queryable: { global: ['owner'], byType: {} } });
  return { engine, api: new DataApi(engine) };
}

describe('insertMany', () => {
  it('writes what it can in one changeset and reports the rest in place', async () => {
    const { engine, api } = await setup();
    await api.handle({ kind: 'admin' }, { action: 'insert', type: 'Item', body: { object: { _id: 'old', owner: 'ana', n: 0 } } });
    await api.handle({ kind: 'admin' }, { action: 'insert', type: 'Item', body: { object: { _id: 'bens', owner: 'ben', n: 0 } } });
    const before = engine.latestVersion;
    const r = await api.handle(ana, {
      action: 'insertMany',
      type: 'Item',
      body: {
        objects: [
          { _id: 'a', owner: 'ana', n: 1 },
          { _id: 'b', owner: 'ana', n: 'two' }, // not an int
          { _id: 'old', owner: 'ana', n: 3 }, // already there
          { _id: 'c', owner: 'ben', n: 4 }, // the write rule refuses it
          { _id: 'bens', owner: 'ana', n: 5 }, // a key held by an object ana cannot read
          { _id: 'a', owner: 'ana', n: 6 }, // twice in one batch
          { _id: 'd', owner: 'ana', n: 7 },
        ],
      },
    });
    expect(r.status).toBe(200);
    const results = (r.body as { results: unknown[] }).results;
    expect(results.map((x) => (typeof x === 'string' ? x : (x as { error: { code: string } }).error.code))).toEqual([
      'inserted',
      'schema_violation',
      'exists',
      'permission_denied',
      'permission_denied',
      'exists',
      'inserted',
    ]);
    // One changeset for both inserted objects.
    expect(engine.latestVersion).toBe(before + 1);
    const got = await api.handle({ kind: 'admin' }, { action: 'query', type: 'Item', body: { query: 'TRUEPREDICATE SORT(_id ASC)' } });
    expect((got.body as { objects: { _id: string; n: number }[] }).objects.map((o) => [o._id, o.n])).toEqual([
      ['a', 1],
      ['bens', 0],
      ['d', 7],
      ['old', 0],
    ]);
  });

  it('refuses a body that is not a list, or too long a list, whole', async () => {
    const { api } = await setup();
    await expect(api.handle({ kind: 'admin' }, { action: 'insertMany', type: 'Item', body: { objects: {} } })).rejects.toMatchObject({ code: 'bad_message' });
    const many = Array.from({ length: MAX_INSERT_MANY + 1 }, (_, i) => ({ _id: `x${i}`, owner: 'a', n: i }));
    await expect(api.handle({ kind: 'admin' }, { action: 'insertMany', type: 'Item', body: { objects: many } })).rejects.toMatchObject({ code: 'bad_message' });
  });
});
