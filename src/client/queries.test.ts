import { firstValueFrom, skip, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ObjectId } from '../model/index.ts';
import { OutpostError } from '../protocol/index.ts';
import { lastRunStats } from '../worker/query-runner.ts';
import { nextMatching, openLocal } from './testing/fixtures.ts';
import type { Database } from './database.ts';
import type { ResultsChange } from './results.ts';

async function seed(db: Database, n = 20) {
  await db.write((tx) => {
    for (let i = 0; i < n; i++) {
      tx.create('WorkOrder', {
        _id: new ObjectId(),
        title: `wo ${String(i).padStart(2, '0')}`,
        status: i % 3 === 0 ? 'done' : 'open',
        priority: i % 5,
        dueAt: new Date(Date.UTC(2026, 0, 1 + i)),
      });
    }
  });
}

describe('queries', () => {
  it('filters, sorts and uses an index for indexed equality and ranges', async () => {
    const { db } = await openLocal();
    await seed(db);
    const open = await db.objects('WorkOrder').filtered('status == $0', 'open').toArray();
    expect(open.length).toBe(13);
    expect(lastRunStats.access).toBe('index:status');
    expect(lastRunStats.examined).toBe(13);

    const ranged = await db.objects('WorkOrder').filtered('priority >= 3 AND priority < 4').sorted('title').toArray();
    expect(ranged.map((w) => w.title)).toEqual(['wo 03', 'wo 08', 'wo 13', 'wo 18']);
    expect(lastRunStats.access).toBe('index:priority');

    const dated = await db.objects('WorkOrder').filtered('dueAt > $0', new Date(Date.UTC(2026, 0, 18))).sorted('dueAt', true).toArray();
    expect(dated.map((w) => w.title)).toEqual(['wo 19', 'wo 18']);
    expect(lastRunStats.access).toBe('index:dueAt');

    const scan = await db.objects('WorkOrder').filtered("title ENDSWITH '7'").toArray();
    expect(scan.map((w) => w.title).sort()).toEqual(['wo 07', 'wo 17']);
    expect(lastRunStats.access).toBe('scan');

    const chained = await db
      .objects('WorkOrder')
      .filtered('status == $0', 'open')
      .filtered('priority == $0', 1)
      .sorted([['dueAt', true]])
      .toArray();
    expect(chained.map((w) => w.title)).toEqual(['wo 16', 'wo 11', 'wo 01']);

    const limited = await db.objects('WorkOrder').filtered('TRUEPREDICATE SORT(priority DESC, title ASC) LIMIT(2)').toArray();
    expect(limited.map((w) => w.title)).toEqual(['wo 04', 'wo 09']);

    const byPk = await db.objects('WorkOrder').filtered('_id == $0', open[0]!._id).toArray();
    expect(byPk.length).toBe(1);
    expect(lastRunStats.access).toBe('pk');
    await db.close();
  });

  it('follows links with a resolver', async () => {
    const { db } = await openLocal();
    await db.write((tx) => {
      tx.create('Customer', { _id: 'gold', name: 'Gold', tier: 3 });
      tx.create('Customer', { _id: 'tin', name: 'Tin', tier: 1 });
      tx.create('WorkOrder', { title: 'a', customer: 'gold' });
      tx.create('WorkOrder', { title: 'b', customer: 'tin' });
    });
    const r = await db.objects('WorkOrder').filtered('customer.tier > 2').toArray();
    expect(r.map((w) => w.title)).toEqual(['a']);
    await db.close();
  });

  it('reports bad queries as typed errors where they are written', async () => {
    const { db } = await openLocal();
    expect(() => db.objects('WorkOrder').filtered('status ==')).toThrow(OutpostError);
    expect(() => db.objects('WorkOrder').filtered('nope == 1')).toThrow(expect.objectContaining({ code: 'bad_query' }));
    expect(() => db.objects('Nope')).toThrow(expect.objectContaining({ code: 'unknown_type' }));
    await db.close();
  });
});

describe('live queries', () => {
  it('re-emit after writes, with frozen snapshots and stable identities', async () => {
    const { db } = await openLocal();
    await seed(db, 6);
    const results = db.objects('WorkOrder').filtered('status == $0', 'open').sorted('title');
    const held = results.observe().subscribe();
    const first = await firstValueFrom(results.observe());
    expect(first.map((w) => w.title)).toEqual(['wo 01', 'wo 02', 'wo 04', 'wo 05']);
    expect(Object.isFrozen(first)).toBe(true);

    const next = nextMatching(results.observe(), (items) => items.length === 5);
    await db.write((tx) => tx.create('WorkOrder', { title: 'wo 03b', status: 'open' }));
    const second = await next;
    expect(second.map((w) => w.title)).toEqual(['wo 01', 'wo 02', 'wo 03b', 'wo 04', 'wo 05']);
    // Unchanged objects keep their identity.
    expect(second[0]).toBe(first[0]);
    expect(second[4]).toBe(first[3]);

    // A write that changes nothing visible emits nothing; a real change replaces just that object.
    const third = nextMatching(results.observe(), (items) => items[1]!.priority === 4);
    await db.write((tx) => tx.update(second[1]!, { priority: 4 }));
    const t = await third;
    expect(t[0]).toBe(second[0]);
    expect(t[1]).not.toBe(second[1]);
    held.unsubscribe();
    await db.close();
  });

  it('emit Realm-style index sets from changes()', async () => {
    const { db } = await openLocal();
    await seed(db, 6); // open: wo 01, 02, 04, 05
    const results = db.objects('WorkOrder').filtered('status == "open"').sorted('title');
    const all = await firstValueFrom(results.observe());
    const seen: ResultsChange<Record<string, unknown>>[] = [];
    const sub = results.changes().subscribe((c) => seen.push(c));
    await nextMatching(results.changes(), () => true);
    expect(seen[0]).toMatchObject({ deletions: [], insertions: [], modifications: [] });

    await db.write((tx) => tx.create('WorkOrder', { title: 'wo 00', status: 'open' }));
    await db.write((tx) => tx.update(all[2]!, { priority: 9 })); // wo 04 modified
    await db.write((tx) => tx.update(all[1]!, { status: 'done' })); // wo 02 leaves
    await db.write((tx) => tx.update(all[0]!, { title: 'wo 99' })); // wo 01 moves to the end
    await nextMatching(results.changes(), (c) => c.results.at(-1)?.title === 'wo 99');
    sub.unsubscribe();
    expect(seen.slice(1).map((c) => ({ d: c.deletions, i: c.insertions, m: c.modifications }))).toEqual([
      { d: [], i: [0], m: [] },
      { d: [], i: [], m: [3] },
      { d: [2], i: [], m: [] },
      { d: [1], i: [3], m: [] },
    ]);
    expect(seen.at(-1)!.results.map((w) => w.title)).toEqual(['wo 00', 'wo 04', 'wo 05', 'wo 99']);
    await db.close();
  });

  it('share one worker query between observers and replay to late subscribers', async () => {
    const { db } = await openLocal();
    await seed(db, 3);
    const a = db.objects('WorkOrder').sorted('title');
    const b = db.objects('WorkOrder').sorted('title');
    const held = a.observe().subscribe();
    const first = await firstValueFrom(a.observe());
    const late = await firstValueFrom(b.observe());
    expect(late).toBe(first);
    held.unsubscribe();
    const obj = db.object('WorkOrder', first[0]!._id);
    const emissions = obj.observe().pipe(take(2), toArray());
    const done = firstValueFrom(emissions);
    await db.write((tx) => tx.increment(first[0]!, 'visits', 5));
    const [before, after] = await done;
    expect(before!.visits).toBe(0);
    expect(after!.visits).toBe(5);
    const gone = firstValueFrom(obj.observe().pipe(skip(1)));
    await db.write((tx) => tx.delete(first[0]!));
    expect(await gone).toBeNull();
    await db.close();
  });

  it('link-following live queries re-run when the linked object changes', async () => {
    const { db } = await openLocal();
    await db.write((tx) => {
      tx.create('Customer', { _id: 'c', name: 'C', tier: 1 });
      tx.create('WorkOrder', { title: 'a', customer: 'c' });
    });
    const r = db.objects('WorkOrder').filtered('customer.tier >= 2');
    expect(await firstValueFrom(r.observe())).toEqual([]);
    const next = nextMatching(r.observe(), (items) => items.length === 1);
    await db.write((tx) => tx.update('Customer', 'c', { tier: 2 }));
    expect((await next)[0]!.title).toBe('a');
    await db.close();
  });

  it('stay equal to a fresh query through random writes (incremental sort and membership)', async () => {
    const { db } = await openLocal();
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const ids: ObjectId[] = [];
    const queries = [
      db.objects('WorkOrder').filtered('priority >= 2').sorted('title'),
      db.objects('WorkOrder').sorted([['priority', true], 'title']),
      db.objects('WorkOrder').filtered('status == "open"'),
      db.objects('WorkOrder').filtered('TRUEPREDICATE SORT(priority ASC) LIMIT(5)'),
    ];
    const latest = queries.map(() => [] as readonly Record<string, unknown>[]);
    const subs = queries.map((q, i) => q.observe().subscribe((items) => (latest[i] = items)));
    for (let round = 0; round < 30; round++) {
      await db.write((tx) => {
        for (let k = 0; k < 5; k++) {
          const r = rnd();
          if (r < 0.4 || ids.length === 0) {
            const id = new ObjectId();
            ids.push(id);
            tx.create('WorkOrder', { _id: id, title: `t${Math.floor(rnd() * 50)}`, priority: Math.floor(rnd() * 5), status: rnd() < 0.5 ? 'open' : 'done' });
          } else if (r < 0.85) {
            tx.update('WorkOrder', ids[Math.floor(rnd() * ids.length)]!, { title: `t${Math.floor(rnd() * 50)}`, priority: Math.floor(rnd() * 5) });
          } else {
            tx.delete('WorkOrder', ids.splice(Math.floor(rnd() * ids.length), 1)[0]!);
          }
        }
      });
    }
    for (let i = 0; i < queries.length; i++) {
      const fresh = await queries[i]!.toArray();
      await nextMatching(queries[i]!.observe(), (items) => items.length === fresh.length);
      const strip = (xs: readonly Record<string, unknown>[]) => xs.map((x) => `${x.title}/${x.priority}/${x.status}`);
      if (i === 2) expect(strip(latest[i]!).sort()).toEqual(strip(fresh).sort());
      else expect(strip(latest[i]!)).toEqual(strip(fresh));
    }
    subs.forEach((s) => s.unsubscribe());
    await db.close();
  });
});
