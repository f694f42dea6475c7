import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObjectId } from '../model/index.ts';
import { startTestServer, type TestServer } from '../server/sync/harness.ts';
import { nextMatching, workOrderSchema } from './testing/fixtures.ts';
import { startFakeServer, type FakeServer } from './testing/fake-server.ts';
import { openTestClient, type TestClient } from './testing/open-test-client.ts';

/*
 * The client against the lead's real sync engine (src/server/sync, in-process through its test
 * harness), with the fake HTTP auth in front issuing tokens the harness accepts. The full server
 * process tests live with the server.
 */

const timings = { initialBackoffMs: 30, maxBackoffMs: 500 };
let engine: TestServer;
let front: FakeServer;
const clients: TestClient[] = [];

async function client() {
  const c = await openTestClient({ baseUrl: front.baseUrl, schema: workOrderSchema, sync: { timings } });
  clients.push(c);
  return c;
}

beforeEach(async () => {
  engine = await startTestServer({
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
});
