import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { ObjectSchemaInput } from '../model/index.ts';
import { nextMatching, openLocal } from './testing/fixtures.ts';

// A Realm-shaped schema: Person.tasks is computed from Task.assignee (Realm's linkingObjects).
const schema: ObjectSchemaInput[] = [
  {
    name: 'Person',
    primaryKey: '_id',
    properties: { _id: 'string', name: 'string', tasks: { type: 'linkingObjects', objectType: 'Task', property: 'assignee' } },
  },
  { name: 'Task', primaryKey: '_id', properties: { _id: 'string', title: 'string', done: 'bool', assignee: 'Person?', watchers: 'Person[]' } },
];

describe('backlinks in local queries', () => {
  it('queries linkingObjects properties and @links, computed from the links in the local database', async () => {
    const { db } = await openLocal({ schema });
    await db.write((tx) => {
      for (const p of ['ann', 'bob', 'cy']) tx.create('Person', { _id: p, name: p.toUpperCase() });
      tx.create('Task', { _id: 't1', title: 'paint', done: false, assignee: 'ann', watchers: ['bob', 'cy'] });
      tx.create('Task', { _id: 't2', title: 'sand', done: true, assignee: 'ann', watchers: ['bob'] });
      tx.create('Task', { _id: 't3', title: 'fix', done: false, assignee: 'bob', watchers: [] });
    });
    const names = async (q: string, ...args: unknown[]) =>
      (await db.objects('Person').filtered(q, ...args).toArray()).map((p) => p.name as string).sort();
    expect(await names('tasks.@count >= 2')).toEqual(['ANN']);
    expect(await names('ANY tasks.done == false')).toEqual(['ANN', 'BOB']);
    expect(await names('tasks.@count == 0')).toEqual(['CY']);
    expect(await names("@links.Task.watchers.title == 'sand'")).toEqual(['BOB']);
    expect(await names('@links.@count >= 2')).toEqual(['ANN', 'BOB']);
    expect(await names('@links.@count == 1')).toEqual(['CY']);
    expect(await names('SUBQUERY(tasks, $t, $t.done == false AND $t.title BEGINSWITH $0).@count > 0', 'pa')).toEqual(['ANN']);
    await db.close();
  });

  it('re-runs a live backlink query when the linking objects change', async () => {
    const { db } = await openLocal({ schema });
    await db.write((tx) => {
      tx.create('Person', { _id: 'ann', name: 'ANN' });
      tx.create('Person', { _id: 'bob', name: 'BOB' });
      tx.create('Task', { _id: 't1', title: 'paint', done: false, assignee: 'ann' });
    });
    const busy = db.objects('Person').filtered('tasks.@count > 0').sorted('name');
    const held = busy.observe().subscribe();
    expect((await firstValueFrom(busy.observe())).map((p) => p.name)).toEqual(['ANN']);
    const next = nextMatching(busy.observe(), (items) => items.length === 2);
    // Only a Task changes: the Person query still follows.
    await db.write((tx) => tx.create('Task', { _id: 't2', title: 'fix', done: false, assignee: 'bob' }));
    expect((await next).map((p) => p.name)).toEqual(['ANN', 'BOB']);
    held.unsubscribe();
    await db.close();
  });

  it('shows linkingObjects properties on results as the linking objects\' keys, kept current', async () => {
    const { db } = await openLocal({ schema });
    await db.write((tx) => {
      tx.create('Person', { _id: 'ann', name: 'ANN' });
      tx.create('Task', { _id: 't1', title: 'paint', done: false, assignee: 'ann' });
      tx.create('Task', { _id: 't2', title: 'sand', done: false, assignee: 'ann' });
    });
    const [ann] = await db.objects('Person').toArray();
    expect([...(ann!.tasks as string[])].sort()).toEqual(['t1', 't2']);
    const people = db.objects('Person');
    const held = people.observe().subscribe();
    await firstValueFrom(people.observe());
    const next = nextMatching(people.observe(), (items) => (items[0]?.tasks as string[] | undefined)?.length === 1);
    // Only a Task changes; the Person's computed property follows.
    await db.write((tx) => tx.update('Task', 't2', { assignee: null }));
    expect((await next)[0]!.tasks).toEqual(['t1']);
    held.unsubscribe();
    await db.close();
  });

  it('refuses to write a linkingObjects property with a typed error', async () => {
    const { db } = await openLocal({ schema });
    await expect(db.write((tx) => tx.create('Person', { _id: 'x', name: 'X', tasks: [] }))).rejects.toMatchObject({ code: 'schema_violation' });
    await db.close();
  });
});
