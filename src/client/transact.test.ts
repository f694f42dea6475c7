import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryLockManager } from '../worker/locks.ts';
import { MemoryKeyValueStore } from './kv.ts';
import { freshIndexedDb, uniqueAppId, workOrderSchema } from './testing/fixtures.ts';
import { startFakeServer, type FakeServer } from './testing/fake-server.ts';
import { openTestClient, type TestClient } from './testing/open-test-client.ts';
import type { SerializedTransaction } from './transact-tx.ts';

/*
 * Serialized transactions (db.transact → TRANSACT) against the fake server, which applies one
 * only if nothing it read or writes changed after its base version. `tier` plays a stock count.
 */

const timings = { initialBackoffMs: 30, maxBackoffMs: 300 };
let server: FakeServer;
const clients: TestClient[] = [];

async function client(extra: Partial<Parameters<typeof openTestClient>[0]> = {}) {
  const c = await openTestClient({ baseUrl: server.baseUrl, schema: workOrderSchema, sync: { timings }, ...extra });
  clients.push(c);
  await c.db.sync.waitForDownload();
  return c;
}

beforeEach(async () => {
  server = await startFakeServer({ schema: workOrderSchema });
  server.serverWrite([
    { op: 'CreateObject', type: 'Customer', pk: 'widget' },
    { op: 'Set', type: 'Customer', pk: 'widget', path: ['tier'], value: 1 },
  ]);
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await server.close();
});

async function until(cond: () => boolean, timeoutMs = 5000) {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Takes one from the stock, refusing to go below zero. */
async function takeOne(tx: SerializedTransaction): Promise<void> {
  const item = await tx.get<{ tier: number }>('Customer', 'widget');
  if (!item || item.tier < 1) throw new Error('out of stock');
  tx.update('Customer', 'widget', { tier: item.tier - 1 });
}

describe('db.transact', () => {
  it('is applied by the server and resolves once downloaded; nothing was applied locally before', async () => {
    const a = await client();
    let sent = false;
    server.onMessage = (_s, m) => {
      if (m.t === 'TRANSACT') sent = true;
    };
    server.holdTransactions = true;
    const p = a.db.transact(async (tx) => {
      await takeOne(tx);
      tx.create('Customer', { _id: 'order-1', name: 'order', tier: 1 });
    });
    await until(() => server.heldTransactions.length === 1);
    expect((await a.db.object<{ tier: number }>('Customer', 'widget').get())?.tier).toBe(1);
    expect(await a.db.object('Customer', 'order-1').get()).toBeNull();
    server.releaseTransactions();
    const r = await p;
    expect(sent).toBe(true);
    expect(server.transactions).toEqual([{ status: 'applied', serverVersion: r.serverVersion }]);
    expect(a.db.sync.progress.serverVersion).toBeGreaterThanOrEqual(r.serverVersion);
    expect((await a.db.object<{ tier: number }>('Customer', 'widget').get())?.tier).toBe(0);
    expect(await a.db.object('Customer', 'order-1').get()).not.toBeNull();
    expect(server.history.state.get('Customer', 'widget')?.tier).toBe(0);
    // Nothing entered the local history: there is nothing to upload.
    expect(a.db.sync.progress.lastClientVersion).toBe(0);
  });

  it('two clients take the last one at once: one is applied, the other rejected, stock never below zero', async () => {
    const a = await client();
    const b = await client();
    // Both read the stock before either commits.
    let release!: () => void;
    const bothRead = new Promise<void>((r) => (release = r));
    let reads = 0;
    const run = (c: TestClient) =>
      c.db.transact(async (tx) => {
        await takeOne(tx);
        if (++reads === 2) release();
        await bothRead;
      });
    const results = await Promise.allSettled([run(a), run(b)]);
    const applied = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(applied).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toMatchObject({ code: 'transaction_conflict' });
    expect(server.history.state.get('Customer', 'widget')?.tier).toBe(0);
    // The loser downloads the winner's change; trying again now stops at the stock check.
    const loser = results[0]!.status === 'rejected' ? a : b;
    await loser.db.sync.waitForDownload();
    expect((await loser.db.object<{ tier: number }>('Customer', 'widget').get())?.tier).toBe(0);
    await expect(loser.db.transact(takeOne)).rejects.toThrow('out of stock');
  });

  it('uploads earlier local writes first, and holds later ones until the answer', async () => {
    const a = await client();
    const order: string[] = [];
    server.onMessage = (_s, m) => {
      if (m.t === 'UPLOAD' || m.t === 'TRANSACT') order.push(m.t);
    };
    await a.db.write((tx) => tx.update('Customer', 'widget', { name: 'renamed' }));
    server.holdTransactions = true;
    const p = a.db.transact(takeOne);
    await until(() => server.heldTransactions.length === 1);
    await a.db.write((tx) => tx.create('Customer', { _id: 'after', name: 'A', tier: 0 }));
    await new Promise((r) => setTimeout(r, 100));
    expect(order).toEqual(['UPLOAD', 'TRANSACT']);
    server.releaseTransactions();
    await p;
    await a.db.sync.waitForUpload();
    expect(order).toEqual(['UPLOAD', 'TRANSACT', 'UPLOAD']);
    expect(server.history.state.get('Customer', 'widget')).toMatchObject({ name: 'renamed', tier: 0 });
  });

  it('rejects with offline at once when there is no connection', async () => {
    const a = await client();
    await a.db.sync.pause();
    let ran = false;
    await expect(
      a.db.transact(() => {
        ran = true;
      }),
    ).rejects.toMatchObject({ code: 'offline' });
    expect(ran).toBe(false);
  });

  it('rejects with connection_lost and an unknown outcome when the connection drops before the answer', async () => {
    const a = await client();
    server.onMessage = (s, m) => {
      if (m.t === 'TRANSACT') s.ws.terminate();
    };
    await expect(a.db.transact(takeOne)).rejects.toMatchObject({ code: 'connection_lost', details: { outcome: 'unknown' } });
    server.onMessage = undefined;
    // The server did apply it here: it reaches the client like any other change.
    await a.db.sync.waitForDownload({ timeoutMs: 3000 });
    expect((await a.db.object<{ tier: number }>('Customer', 'widget').get())?.tier).toBe(0);
  });

  it('works from a tab that does not hold the socket (forwarded to the one that does)', async () => {
    const shared = { indexedDB: freshIndexedDb(), storage: new MemoryKeyValueStore(), appId: uniqueAppId('tx-tabs'), locks: new MemoryLockManager() };
    const leader = await client(shared);
    const follower = await client(shared);
    expect(leader.db.sync.isLeader).toBe(true);
    expect(follower.db.sync.isLeader).toBe(false);
    const r = await follower.db.transact(takeOne);
    expect(r.serverVersion).toBeGreaterThan(0);
    expect(server.history.state.get('Customer', 'widget')?.tier).toBe(0);
    await expect(follower.db.transact(takeOne)).rejects.toThrow('out of stock');
  });
});
