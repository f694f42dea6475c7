import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObjectId } from '../model/index.ts';
import { MemoryLockManager } from '../worker/locks.ts';
import { MemoryKeyValueStore } from './kv.ts';
import type { SyncError } from './errors.ts';
import { freshIndexedDb, nextMatching, uniqueAppId, workOrderSchema } from './testing/fixtures.ts';
import { startFakeServer, type FakeServer } from './testing/fake-server.ts';
import { openTestClient, type TestClient } from './testing/open-test-client.ts';

const timings = { initialBackoffMs: 30, maxBackoffMs: 500 };
let server: FakeServer;
const clients: TestClient[] = [];

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 5000) {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeEach(async () => {
  server = await startFakeServer({ schema: workOrderSchema });
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await server.close();
});

/** Several tabs of one browser profile: one IndexedDB, one localStorage, one lock manager. */
function device() {
  const shared = { indexedDB: freshIndexedDb(), storage: new MemoryKeyValueStore(), appId: uniqueAppId('tabs'), locks: new MemoryLockManager() };
  return async () => {
    const c = await openTestClient({ baseUrl: server.baseUrl, schema: workOrderSchema, sync: { timings }, ...shared });
    clients.push(c);
    return c;
  };
}

describe('multi-tab', () => {
  it('one tab holds the socket; writes from any tab are uploaded and reach every tab', async () => {
    const tab = device();
    const a = await tab();
    await a.db.sync.waitForDownload();
    const b = await tab();
    expect(b.user.id).toBe(a.user.id);
    expect(a.db.sync.isLeader).toBe(true);
    expect(b.db.sync.isLeader).toBe(false);
    await until(() => b.db.sync.connectionState === 'connected');
    expect(server.connections).toBe(1);

    const id = new ObjectId();
    const inA = nextMatching(a.db.objects('WorkOrder').observe(), (items) => items.some((w) => w.title === 'from b'));
    await b.db.write((tx) => tx.create('WorkOrder', { _id: id, title: 'from b' }));
    await inA;
    await b.db.sync.waitForUpload({ timeoutMs: 5000 });
    expect(server.history.rows.map((h) => h.changeset.instructions[0])).toMatchObject([{ op: 'CreateObject', type: 'WorkOrder' }]);
    expect(b.db.sync.progress.pendingUploads).toBe(0);

    // A change downloaded by the leader reaches the follower's live queries.
    const inB = nextMatching(b.db.objects('Customer').observe(), (items) => items.length === 1);
    server.serverWrite([{ op: 'CreateObject', type: 'Customer', pk: 'srv' }]);
    await inB;
    await b.db.sync.waitForDownload({ timeoutMs: 5000 });
    expect(server.connections).toBe(1);

    // The leading tab closes: the other one takes the socket over.
    await a.close();
    await until(() => b.db.sync.isLeader, 5000);
    await b.db.sync.waitForDownload({ timeoutMs: 5000 });
    expect(server.connections).toBe(2);
    expect(server.openSessions).toBe(1);
    await b.db.write((tx) => tx.update('WorkOrder', id, { title: 'after takeover' }));
    await b.db.sync.waitForUpload({ timeoutMs: 5000 });
    expect(server.history.state.get('WorkOrder', id)?.title).toBe('after takeover');
  });

  it('every tab reports sync errors', async () => {
    const tab = device();
    const a = await tab();
    const b = await tab();
    await a.db.sync.waitForDownload();
    const inB = new Promise<SyncError>((resolve) => b.db.onError(resolve));
    server.compensate = () => [{ type: 'Customer', pk: 'x', reason: 'nope' }];
    await b.db.write((tx) => tx.create('Customer', { _id: 'x', name: 'X', tier: 1 }));
    expect((await inB).compensatingWrites[0]).toMatchObject({ type: 'Customer', pk: 'x' });
  });
});

describe('durability', () => {
  it('detects a local database the browser evicted and resyncs under a fresh identity', async () => {
    const storage = new MemoryKeyValueStore();
    const appId = uniqueAppId('evict');
    const a = await openTestClient({ baseUrl: server.baseUrl, schema: workOrderSchema, sync: { timings }, storage, appId });
    await a.db.write((tx) => tx.create('Customer', { _id: 'kept', name: 'K', tier: 1 }));
    await a.db.sync.waitForUpload();
    await a.db.sync.pause();
    await a.db.write((tx) => tx.create('Customer', { _id: 'lost', name: 'L', tier: 1 }));
    const oldIdent = a.db.sync.fileIdent;
    await a.close();
    // The browser deletes the origin's IndexedDB; localStorage (the page's memory) survives.
    const b = await openTestClient({ baseUrl: server.baseUrl, schema: workOrderSchema, sync: { timings }, storage, appId, indexedDB: freshIndexedDb() });
    clients.push(b);
    const err = await new Promise<SyncError>((resolve) => b.db.onError(resolve));
    expect(err.code).toBe('client_reset');
    expect(err.details).toMatchObject({ lostUploads: 1, previousFileIdent: oldIdent });
    await b.db.sync.waitForDownload();
    expect(b.db.sync.fileIdent).not.toBe(oldIdent);
    expect(await b.db.object('Customer', 'kept').get()).not.toBeNull();
  });

  it('opens at once offline, or waits for the first download with a timeout', async () => {
    const storage = new MemoryKeyValueStore();
    const a = await openTestClient({ baseUrl: 'http://127.0.0.1:9', schema: workOrderSchema, sync: { timings }, storage, user: undefined }).catch((e: unknown) => e);
    // No server at all: logging in fails (offline); a logged-in user can still open.
    expect(a).toMatchObject({ code: 'offline' });
    const online = await openTestClient({ baseUrl: server.baseUrl, schema: workOrderSchema, sync: { timings } });
    await online.db.write((tx) => tx.create('Customer', { _id: 'c', name: 'C', tier: 1 }));
    await online.db.sync.waitForUpload();
    await online.close();
    server.answerPings = true;
    const unreachable = await server.close().then(() => true);
    expect(unreachable).toBe(true);
    const start = Date.now();
    const offline = await openTestClient({
      baseUrl: online.app.baseUrl,
      schema: workOrderSchema,
      storage: online.storage,
      appId: online.app.id,
      indexedDB: online.indexedDB,
      sync: { timings, waitForDownload: { timeoutMs: 300 } },
    });
    expect(Date.now() - start).toBeGreaterThanOrEqual(250);
    expect(await offline.db.object('Customer', 'c').get()).not.toBeNull();
    await offline.close();
    await expect(
      openTestClient({
        baseUrl: online.app.baseUrl,
        schema: workOrderSchema,
        storage: online.storage,
        appId: online.app.id,
        indexedDB: online.indexedDB,
        sync: { timings, waitForDownload: { timeoutMs: 100, onTimeout: 'throw' } },
      }),
    ).rejects.toMatchObject({ code: 'timeout' });
    server = await startFakeServer({ schema: workOrderSchema });
  });
});
