import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObjectId } from '../model/index.ts';
import { startSyncTestServer, type SyncTestServer } from '../server/testing/sync-server.ts';
import { nextMatching, workOrderSchema } from './testing/fixtures.ts';
import { startFakeServer, type FakeServer } from './testing/fake-server.ts';
import { openTestClient, type TestClient } from './testing/open-test-client.ts';

/*
 * The client against the lead's real sync engine (src/server/sync, in-process through its test
 * harness), with the fake HTTP auth in front issuing tokens the harness accepts. The full server
 * process tests live with the server.
 */

const timings = { initialBackoffMs: 30, maxBackoffMs: 500 };
let engine: SyncTestServer;
let front: FakeServer;
const clients: TestClient[] = [];

async function client() {
  const c = await openTestClient({ baseUrl: front.baseUrl, schema: workOrderSchema, sync: { timings } });
  clients.push(c);
  return c;
}

beforeEach(async () => {
  engine = await startSyncTestServer({
    schema: workOrderSchema,
    queryable: { byType: { Customer: ['tier', 'name'], WorkOrder: ['status', 'priority'] } },
  });
  front = await startFakeServer({
    schema: workOrderSchema,
    auth: { tokenFormat: 'colons' },
    upgrade: (req, socket, head) => engine.endpoint.handleUpgrade(req, socket, head),
  });
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await front.close();
  await engine.close();
});

describe('against the real sync engine', () => {
  it('two clients converge through uploads and downloads', async () => {
    const a = await client();
    const b = await client();
    await a.db.subscriptions.update((m) => m.add('WorkOrder', 'priority >= 0').add('Customer', 'tier >= 0'));
    await b.db.subscriptions.update((m) => m.add('WorkOrder', 'priority >= 0').add('Customer', 'tier >= 0'));
    const id = new ObjectId();
    await a.db.write((tx) => tx.create('WorkOrder', { _id: id, title: 'from a', priority: 1 }));
    await a.db.sync.waitForUpload({ timeoutMs: 10_000 });
    await b.db.sync.waitForDownload({ timeoutMs: 10_000 });
    expect((await b.db.object('WorkOrder', id).get())?.title).toBe('from a');
    const seen = nextMatching(a.db.object('WorkOrder', id).observe(), (o) => o?.visits === 5);
    await b.db.write((tx) => tx.increment(tx.ref('WorkOrder', id), 'visits', 5));
    await seen;
  });

  it('bootstraps a subscription set and moves objects in and out of the view', async () => {
    const a = await client();
    await a.db.write((tx) => {
      tx.create('Customer', { _id: 'g', name: 'G', tier: 3 });
      tx.create('Customer', { _id: 't', name: 'T', tier: 1 });
    });
    await a.db.subscriptions.update((m) => m.add('Customer', 'tier >= 0'));
    await a.db.sync.waitForUpload({ timeoutMs: 10_000 });
    const b = await client();
    await b.db.subscriptions.update((m) => m.add('Customer', 'tier >= $0', [2], { name: 'gold' }));
    expect((await b.db.objects('Customer').toArray()).map((c) => c._id)).toEqual(['g']);
    await a.db.write((tx) => tx.update('Customer', 't', { tier: 5 }));
    await a.db.sync.waitForUpload({ timeoutMs: 10_000 });
    await b.db.sync.waitForDownload({ timeoutMs: 10_000 });
    expect((await b.db.objects('Customer').sorted('_id').toArray()).map((c) => c._id)).toEqual(['g', 't']);
    const err = await b.db.subscriptions.update((m) => m.add('Customer', 'nosuchfield == 1')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'bad_query' });
  });

  it('resets a client by hand (STATE_REQUEST, CLIENT_VERSION_REQUEST) and recovers its unsynced writes', async () => {
    const seen: number[] = [];
    const a = await openTestClient({
      baseUrl: front.baseUrl,
      schema: workOrderSchema,
      sync: {
        timings,
        clientReset: {
          onBefore: async (before) => void seen.push((await before.objects('Customer')).length),
          onAfter: async (_before, after) => void seen.push((await after.objects('Customer').toArray()).length),
        },
      },
    });
    clients.push(a);
    await a.db.subscriptions.update((m) => m.add('Customer', 'tier >= 0'));
    await a.db.write((tx) => tx.create('Customer', { _id: 'synced', name: 'S', tier: 1 }));
    await a.db.sync.waitForUpload({ timeoutMs: 10_000 });
    await a.db.sync.pause();
    await a.db.write((tx) => tx.create('Customer', { _id: 'offline', name: 'O', tier: 1 }));
    await a.db.sync.resume();
    const before = a.db.sync.fileIdent;
    await a.db.sync.resetClient({ mode: 'recover' });
    expect(a.db.sync.fileIdent).not.toBe(before);
    expect(seen).toEqual([2, 2]);
    await a.db.sync.waitForUpload({ timeoutMs: 10_000 });
    const b = await client();
    await b.db.subscriptions.update((m) => m.add('Customer', 'tier >= 0'));
    expect((await b.db.objects('Customer').sorted('_id').toArray()).map((c) => c._id)).toEqual(['offline', 'synced']);
  });

  it('runs serialized transactions: of two at once on the same object, one is applied and one rejected', async () => {
    const a = await client();
    const b = await client();
    for (const c of [a, b]) await c.db.subscriptions.update((m) => m.add('Customer', 'tier >= 0'));
    await a.db.write((tx) => tx.create('Customer', { _id: 'stock', name: 'S', tier: 1 }));
    await a.db.sync.waitForUpload({ timeoutMs: 10_000 });
    await b.db.sync.waitForDownload({ timeoutMs: 10_000 });
    let release!: () => void;
    const bothRead = new Promise<void>((r) => (release = r));
    let reads = 0;
    const take = (c: TestClient) =>
      c.db.transact(async (tx) => {
        const s = await tx.get<{ tier: number }>('Customer', 'stock');
        if (!s || s.tier < 1) throw new Error('out of stock');
        tx.update('Customer', 'stock', { tier: s.tier - 1 });
        if (++reads === 2) release();
        await bothRead;
      });
    const results = await Promise.allSettled([take(a), take(b)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'transaction_conflict' } });
    await a.db.sync.waitForDownload({ timeoutMs: 10_000 });
    expect((await a.db.object<{ tier: number }>('Customer', 'stock').get())?.tier).toBe(0);
  });
});
