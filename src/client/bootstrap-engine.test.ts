import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { SyncEngine } from '../server/sync/engine.ts';
import { testAuth } from '../server/testing/sync-server.ts';
import { MemoryStore } from '../server/store/memory.ts';
import { createSyncEndpoint, type SyncEndpoint } from '../server/sync/websocket.ts';
import { decodeServerFrame } from '../server/sync/frames.ts';
import { workOrderSchema } from './testing/fixtures.ts';
import { startFakeServer, type FakeServer } from './testing/fake-server.ts';
import { openTestClient, type TestClient } from './testing/open-test-client.ts';

/*
 * An interrupted bootstrap against the real sync engine (small DOWNLOAD messages, so that a
 * bootstrap of a few dozen objects takes several): a proxy between the client and the engine cuts
 * the connection after the first 'more' DOWNLOAD reached the client. The engine's 'more'
 * messages carry the cursor after their items, so the client's next session IDENTs from the
 * batch it kept and is sent only the rest (protocol.md §6); the set completes with every object
 * once.
 */

const timings = { initialBackoffMs: 30, maxBackoffMs: 300 };
const COUNT = 40;
let store: MemoryStore;
let engine: SyncEngine;
let endpoint: SyncEndpoint;
let front: FakeServer;
let engineUrl = '';
const clients: TestClient[] = [];
/** While set, the proxy cuts a connection after forwarding this many 'more' DOWNLOADs to the client. */
let cutAfterMore: number | undefined;
let cuts = 0;
let idents: number[] = [];

function proxy(): (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean {
  const wss = new WebSocketServer({ noServer: true, handleProtocols: () => 'outpost' });
  return (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (client) => {
      const upstream = new WebSocket(engineUrl, 'outpost', { headers: { authorization: req.headers.authorization ?? '' } });
      const early: string[] = [];
      let more = 0;
      let cut = false;
      upstream.on('open', () => early.splice(0).forEach((m) => upstream.send(m)));
      client.on('message', (data) => {
        const text = String(data);
        const m = JSON.parse(text) as { t: string; cursor?: { serverVersion: number } };
        if (m.t === 'IDENT') idents.push(m.cursor!.serverVersion);
        if (upstream.readyState === WebSocket.OPEN) upstream.send(text);
        else early.push(text);
      });
      upstream.on('message', (data, isBinary) => {
        if (cut || client.readyState !== WebSocket.OPEN) return;
        // Forwarded as it came (protocol 2 compresses large messages into binary frames).
        client.send(data, { binary: isBinary });
        const text = decodeServerFrame(data as Buffer, isBinary);
        const m = JSON.parse(text) as { t: string; batch?: string };
        if (m.t === 'DOWNLOAD' && m.batch === 'more' && cutAfterMore !== undefined && ++more >= cutAfterMore) {
          cutAfterMore = undefined;
          cuts++;
          // Nothing after this frame reaches the client; then the connection is gone.
          cut = true;
          setTimeout(() => {
            client.terminate();
            upstream.terminate();
          }, 20);
        }
      });
      client.on('close', () => upstream.close());
      upstream.on('close', () => client.close());
      upstream.on('error', () => client.terminate());
    });
    return true;
  };
}

beforeEach(async () => {
  store = new MemoryStore();
  engine = await SyncEngine.open({
    store,
    schema: workOrderSchema,
    queryable: { byType: { Customer: ['tier', 'name'] } },
    rules: { defaultRoles: [{ name: 'everyone', applyWhen: true, read: true, write: true }] },
    // Two objects per private entry, about two entries per DOWNLOAD.
    bootstrapBatch: 2,
    downloadBytes: 1500,
  });
  endpoint = createSyncEndpoint({ engine, auth: testAuth(), log: { info() {}, warn() {}, error() {} }, allowedOrigins: '*' });
  const upstreamServer = await startFakeServer({ schema: workOrderSchema, upgrade: (req, socket, head) => endpoint.handleUpgrade(req, socket, head) });
  engineUrl = upstreamServer.baseUrl.replace('http', 'ws') + '/api/sync';
  front = await startFakeServer({ schema: workOrderSchema, auth: { tokenFormat: 'colons' }, upgrade: proxy() });
  closers.push(() => upstreamServer.close());
  cutAfterMore = undefined;
  cuts = 0;
  idents = [];
  for (let i = 0; i < COUNT; i++) {
    const id = `c${String(i).padStart(3, '0')}`;
    await engine.serverWrite([
      { op: 'CreateObject', type: 'Customer', pk: id },
      { op: 'Set', type: 'Customer', pk: id, path: ['name'], value: id },
      { op: 'Set', type: 'Customer', pk: id, path: ['tier'], value: i % 2 === 0 ? 1 : 2 },
    ]);
  }
});

const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await front.close();
  for (const close of closers.splice(0)) await close();
  await endpoint.close();
  engine.close();
  await store.close();
});

describe('an interrupted bootstrap against the real engine', () => {
  it('is sent again after a dropped connection and completes with every object once; queries meanwhile see the previous state', async () => {
    const a = await openTestClient({ baseUrl: front.baseUrl, schema: workOrderSchema, sync: { timings } });
    clients.push(a);
    await a.db.subscriptions.update((m) => m.add('Customer', 'tier == 2', [], { name: 'view' }));
    const odd = (await a.db.objects('Customer').sorted('_id').toArray()).map((c) => c._id);
    expect(odd).toHaveLength(COUNT / 2);
    const emitted: number[] = [];
    a.db.objects('Customer').observe().subscribe((items) => emitted.push(items.length));

    const started = await store.latestVersion();
    cutAfterMore = 1;
    await a.db.subscriptions.update((m) => m.add('Customer', 'tier >= $0', [1], { name: 'view' }));
    expect(cuts).toBe(1);
    expect(idents.length).toBeGreaterThanOrEqual(2);
    // The engine's 'more' messages carry the cursor after their items: the next session resumes
    // from the batch the client kept instead of from where the bootstrap started.
    expect(idents.at(-1)!, 'the cursor of the IDENT after the cut').toBeGreaterThan(started);
    const all = (await a.db.objects('Customer').sorted('_id').toArray()).map((c) => c._id);
    expect(all).toEqual(Array.from({ length: COUNT }, (_, i) => `c${String(i).padStart(3, '0')}`));
    // Never a part of the bootstrap: the previous view, then all of it.
    expect(emitted.filter((n) => n !== COUNT / 2 && n !== COUNT)).toEqual([]);
    expect(emitted.at(-1)).toBe(COUNT);

    // The session goes on normally afterwards.
    await a.db.write((tx) => tx.update('Customer', 'c000', { name: 'renamed' }));
    await a.db.sync.waitForUpload({ timeoutMs: 10_000 });
    const row = await store.getObjects([{ type: 'Customer', pk: 'c000' }]);
    expect([...row.values()][0]?.name).toBe('renamed');
  });
});
