import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { define } from '../worker/store.ts';
import { workOrderSchema } from './testing/fixtures.ts';
import { startFakeServer, type FakeServer } from './testing/fake-server.ts';
import { openTestClient, type TestClient } from './testing/open-test-client.ts';

/*
 * Bootstraps staged as they arrive: the app's queries see the previous complete state until the
 * whole bootstrap is there, and an interrupted one (a dropped connection, a closed and reopened
 * database) continues from what was stored instead of fetching it again.
 */

const timings = { initialBackoffMs: 30, maxBackoffMs: 300 };
const BATCH = 2;
const ENTERING = 10;
let server: FakeServer;
const clients: TestClient[] = [];

async function client(extra: Partial<Parameters<typeof openTestClient>[0]> = {}) {
  const c = await openTestClient({ baseUrl: server.baseUrl, schema: workOrderSchema, sync: { timings }, ...extra });
  clients.push(c);
  return c;
}

const ids = async (c: TestClient) => (await c.db.objects('Customer').sorted('_id').toArray()).map((x) => x._id as string);

/** Bootstrap downloads staged in the client's IndexedDB (read through a connection of its own). */
async function stagedRows(c: TestClient): Promise<number> {
  const d = define(c.db.name, c.indexedDB, 'default');
  try {
    return await d.batches.count();
  } finally {
    d.close();
  }
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const gold = ['g1', 'g2'];
const others = Array.from({ length: ENTERING }, (_, i) => `o${String(i).padStart(2, '0')}`);

beforeEach(async () => {
  server = await startFakeServer({ schema: workOrderSchema, flexible: true, bootstrapBatch: BATCH });
  for (const [id, tier] of [...gold.map((g) => [g, 3] as const), ...others.map((o) => [o, 1] as const)]) {
    server.serverWrite([
      { op: 'CreateObject', type: 'Customer', pk: id },
      { op: 'Set', type: 'Customer', pk: id, path: ['name'], value: id.toUpperCase() },
      { op: 'Set', type: 'Customer', pk: id, path: ['tier'], value: tier },
    ]);
  }
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await server.close();
});

/** A client with the gold customers in view, then widening its set: the bootstrap stalls after 2 of its 5 batches. */
async function stalledBootstrap(): Promise<{ a: TestClient; emitted: number[] }> {
  const a = await client();
  await a.db.subscriptions.update((m) => m.add('Customer', 'tier == 3', [], { name: 'view' }));
  expect(await ids(a)).toEqual(gold);
  const emitted: number[] = [];
  a.db.objects('Customer').observe().subscribe((items) => emitted.push(items.length));
  server.bootstrapStall = { after: 2, then: 'hold' };
  await a.db.subscriptions.update((m) => m.add('Customer', 'tier >= $0', [1], { name: 'view' }), { wait: false });
  await until('two staged batches', async () => (await stagedRows(a)) === 2);
  return { a, emitted };
}

describe('bootstrap staging', () => {
  it('queries during a bootstrap see the previous complete state; a dropped connection resumes from the staged batches', async () => {
    const { a, emitted } = await stalledBootstrap();
    // Two batches (4 objects) are stored, none visible; the set is bootstrapping.
    expect(await ids(a)).toEqual(gold);
    expect(await a.db.objects('Customer').filtered('tier == 1').toArray()).toEqual([]);
    expect(a.db.subscriptions.state).toBe('bootstrapping');
    // Local writes keep working meanwhile, and are visible at once.
    await a.db.write((tx) => tx.create('Customer', { _id: 'local', name: 'L', tier: 1 }));
    expect(await ids(a)).toEqual([...gold, 'local']);

    const sentBefore = server.itemsSent;
    const identsBefore = server.identCursors.length;
    server.dropConnections();
    await a.db.subscriptions.waitForSynchronization(5000);
    expect(await ids(a)).toEqual([...gold, 'local', ...others]);
    // The reconnect continued after the 4 staged objects: only the 6 others came again.
    expect(server.identCursors.length).toBe(identsBefore + 1);
    expect(server.itemsSent - sentBefore).toBe(ENTERING - 2 * BATCH);
    expect(await stagedRows(a)).toBe(0);
    // The live query saw the previous state, the local write, then the whole bootstrap at once.
    await until('the last emission', () => emitted.at(-1) === 3 + ENTERING);
    expect(emitted.filter((n) => n > 3 && n < 3 + ENTERING)).toEqual([]);
    await a.db.sync.waitForUpload();
    expect(server.history.state.get('Customer', 'local')).toBeDefined();
  });

  it('a database closed mid-bootstrap and opened again resumes from what it stored', async () => {
    const { a } = await stalledBootstrap();
    await a.close();
    clients.splice(clients.indexOf(a), 1);
    server.dropConnections();
    const sentBefore = server.itemsSent;
    const b = await client({ indexedDB: a.indexedDB, storage: a.storage, appId: a.app.id });
    // Reopened: still the previous complete state until the bootstrap is finished.
    expect((await ids(b)).filter((id) => others.includes(id)).length === 0 || (await ids(b)).length === 2 + ENTERING).toBe(true);
    await b.db.subscriptions.waitForSynchronization(5000);
    expect(await ids(b)).toEqual([...gold, ...others]);
    expect(server.itemsSent - sentBefore).toBe(ENTERING - 2 * BATCH);
  });

  it('with a server whose batches keep the starting cursor, an interrupted bootstrap starts again and ends right', async () => {
    // Servers before resumable bootstraps: the reconnect fetches everything again; what was
    // staged is skipped by version when applied.
    server.bootstrapCursorAtStart = true;
    const { a, emitted } = await stalledBootstrap();
    expect(await ids(a)).toEqual(gold);
    const sentBefore = server.itemsSent;
    server.dropConnections();
    await a.db.subscriptions.waitForSynchronization(5000);
    expect(await ids(a)).toEqual([...gold, ...others]);
    expect(server.itemsSent - sentBefore).toBe(ENTERING);
    await until('the last emission', () => emitted.at(-1) === 2 + ENTERING);
    expect(emitted.filter((n) => n > 2 && n < 2 + ENTERING)).toEqual([]);
  });

  it('a bootstrap cut off by the connection resumes from what reached the client', async () => {
    const a = await client();
    await a.db.subscriptions.update((m) => m.add('Customer', 'tier == 3', [], { name: 'view' }));
    server.bootstrapStall = { after: 3, then: 'drop' };
    await a.db.subscriptions.update((m) => m.add('Customer', 'tier >= $0', [1], { name: 'view' }));
    expect(await ids(a)).toEqual([...gold, ...others]);
    // However much of the 3 batches arrived before the cut, the whole view is there once, and the
    // second connection sent only what the client had not stored.
    const [first, second] = server.identCursors.slice(-2) as [number, number];
    expect(second).toBeGreaterThanOrEqual(first);
    expect(await stagedRows(a)).toBe(0);
  });
});
