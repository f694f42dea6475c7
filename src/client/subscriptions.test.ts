import { firstValueFrom, filter } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncedResults } from './results.ts';
import { nextMatching, workOrderSchema } from './testing/fixtures.ts';
import { startFakeServer, type FakeServer } from './testing/fake-server.ts';
import { openTestClient, type TestClient } from './testing/open-test-client.ts';

const timings = { initialBackoffMs: 30, maxBackoffMs: 500 };
let server: FakeServer;
const clients: TestClient[] = [];

async function client(extra: Partial<Parameters<typeof openTestClient>[0]> = {}) {
  const c = await openTestClient({ baseUrl: server.baseUrl, schema: workOrderSchema, sync: { timings }, ...extra });
  clients.push(c);
  return c;
}

function seed() {
  for (const [id, tier] of [
    ['a', 1],
    ['b', 2],
    ['c', 3],
    ['d', 3],
    ['e', 1],
  ] as const) {
    server.serverWrite([
      { op: 'CreateObject', type: 'Customer', pk: id },
      { op: 'Set', type: 'Customer', pk: id, path: ['name'], value: id.toUpperCase() },
      { op: 'Set', type: 'Customer', pk: id, path: ['tier'], value: tier },
    ]);
  }
}

const ids = async (c: TestClient) => (await c.db.objects('Customer').sorted('_id').toArray()).map((x) => x._id);

beforeEach(async () => {
  server = await startFakeServer({ schema: workOrderSchema, flexible: true, bootstrapBatch: 2 });
  seed();
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await server.close();
});

describe('flexible sync subscriptions', () => {
  it('update resolves when the set is bootstrapped and marked; objects enter and leave the view', async () => {
    const a = await client();
    await a.db.sync.waitForDownload();
    expect(await ids(a)).toEqual([]);
    const states: string[] = [];
    a.db.subscriptions.state$.subscribe((s) => states.push(s));
    await a.db.subscriptions.update((m) => m.add('Customer', 'tier >= $0', [3], { name: 'gold' }));
    expect(await ids(a)).toEqual(['c', 'd']);
    expect(a.db.subscriptions.state).toBe('complete');
    expect(a.db.subscriptions.findByName('gold')).toMatchObject({ objectType: 'Customer', queryString: 'tier >= $0', args: [3] });
    expect(states).toContain('pending');
    expect(states.at(-1)).toBe('complete');

    // Widening the set bootstraps the difference in batches of 2 (held until the last one).
    await a.db.subscriptions.update((m) => m.add('Customer', 'tier >= $0', [1], { name: 'gold' }));
    expect(await ids(a)).toEqual(['a', 'b', 'c', 'd', 'e']);
    const sets = await firstValueFrom(a.db.subscriptions.sets$);
    expect(sets.map((s) => s.state)).toEqual(['superseded', 'complete']);

    // Another client's change moves an object out of the view: it leaves, it is not deleted.
    await a.db.subscriptions.update((m) => m.add('Customer', 'tier >= $0', [2], { name: 'gold' }));
    expect(await ids(a)).toEqual(['b', 'c', 'd']);
    server.serverWrite([{ op: 'Set', type: 'Customer', pk: 'b', path: ['tier'], value: 1 }]);
    await a.db.sync.waitForDownload();
    expect(await ids(a)).toEqual(['c', 'd']);
    expect(server.history.state.get('Customer', 'b')).toBeDefined();
    // …and a change that moves one in makes it enter.
    server.serverWrite([{ op: 'Set', type: 'Customer', pk: 'e', path: ['tier'], value: 5 }]);
    await a.db.sync.waitForDownload();
    expect(await ids(a)).toEqual(['c', 'd', 'e']);

    await a.db.subscriptions.update((m) => m.removeByName('gold'));
    expect(await ids(a)).toEqual([]);
    expect(a.db.subscriptions.list).toEqual([]);
  });

  it('rejects on QUERY_ERROR and keeps the previous set active', async () => {
    const a = await client();
    await a.db.subscriptions.update((m) => m.add('Customer', 'tier == 1'));
    server.rejectQueries = /tier > 100/;
    const err = await a.db.subscriptions.update((m) => m.add('Customer', 'tier > 100')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'bad_query' });
    expect(a.db.subscriptions.state).toBe('error');
    expect(a.db.subscriptions.list.map((s) => s.queryString)).toEqual(['tier == 1']);
    expect(await ids(a)).toEqual(['a', 'e']);
  });

  it('applies subscription changes made offline when the session connects', async () => {
    const a = await client();
    await a.db.sync.waitForDownload();
    await a.db.sync.pause();
    await a.db.subscriptions.update((m) => m.add('Customer', 'tier == 2'), { wait: false });
    expect(a.db.subscriptions.state).toBe('pending');
    await a.db.sync.resume();
    await a.db.subscriptions.waitForSynchronization(5000);
    expect(await ids(a)).toEqual(['b']);
  });

  it('initialSubscriptions run on first open only, unless rerunOnOpen', async () => {
    const a = await client({ sync: { timings, initialSubscriptions: (m) => m.add('Customer', 'tier == 3', [], { name: 'init' }), waitForDownload: { timeoutMs: 5000 } } });
    expect(await ids(a)).toEqual(['c', 'd']);
    await a.db.subscriptions.update((m) => m.removeAll());
    await a.close();
    const b = await client({ indexedDB: a.indexedDB, storage: a.storage, appId: a.app.id, sync: { timings, initialSubscriptions: (m) => m.add('Customer', 'tier == 3', [], { name: 'init' }) } });
    expect(b.db.subscriptions.list).toEqual([]);
    await b.close();
    const c = await client({
      indexedDB: a.indexedDB,
      storage: a.storage,
      appId: a.app.id,
      sync: { timings, initialSubscriptions: { update: (m) => m.add('Customer', 'tier == 1', [], { name: 'init' }), rerunOnOpen: true }, waitForDownload: { timeoutMs: 5000 } },
    });
    expect(await ids(c)).toEqual(['a', 'e']);
  });

  it('sync$ holds one reference-counted subscription per query', async () => {
    const a = await client();
    const gold = a.db.objects('Customer').filtered('tier == $0', 3);
    const s1 = gold.sync$().subscribe();
    const done = await firstValueFrom(gold.sync$().pipe(filter((s: SyncedResults<Record<string, unknown>>) => s.status === 'complete' && s.results.length === 2)));
    expect(done.results.map((x) => x._id).sort()).toEqual(['c', 'd']);
    expect(a.db.subscriptions.list.length).toBe(1);
    const s2 = gold.sync$().subscribe();
    s1.unsubscribe();
    await new Promise((r) => setTimeout(r, 50));
    expect(a.db.subscriptions.list.length).toBe(1);
    s2.unsubscribe();
    await nextMatching(a.db.subscriptions.sets$, () => a.db.subscriptions.list.length === 0);
    await a.db.subscriptions.waitForSynchronization(5000);
    expect(await ids(a)).toEqual([]);

    const kept = a.db.objects('Customer').filtered('tier == 1').sync$({ name: 'kept', keep: true });
    await firstValueFrom(kept.pipe(filter((s) => s.status === 'complete')));
    expect(a.db.subscriptions.findByName('kept')).toBeDefined();
    expect(await ids(a)).toEqual(['a', 'e']);
    const bad = a.db.objects('Customer').filtered('tier == 77');
    server.rejectQueries = /77/;
    const failed = await firstValueFrom(bad.sync$().pipe(filter((s) => s.status === 'error')));
    expect(failed.error).toMatchObject({ code: 'bad_query' });
  });

  it('results.subscribe() waits for the data', async () => {
    const a = await client();
    const r = await a.db.objects('Customer').filtered('name == $0', 'B').subscribe();
    expect((await r.toArray()).map((x) => x._id)).toEqual(['b']);
    await r.unsubscribe();
  });
});
