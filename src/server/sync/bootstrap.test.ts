import { afterEach, describe, expect, it } from 'vitest';
import type { Instruction } from '../../changeset/index.ts';
import { parseSchema, type ObjectSchemaInput } from '../../model/index.ts';
import { parseServerMessage, type Download } from '../../protocol/index.ts';
import { Random } from '../../sim/random.ts';
import { MemoryStore } from '../store/memory.ts';
import { SyncEngine } from './engine.ts';
import { startSyncTestServer, testAuth, type SyncTestServer } from '../testing/sync-server.ts';
import { Loopback } from '../testing/loopback.ts';
import type { ClientSocket } from '../testing/protocol-client.ts';
import { ProtocolClient } from '../testing/protocol-client.ts';

/*
 * Bootstraps stream (bootstrap.ts): the view is read in pages of the batch size and sent as it
 * goes; a client that does not read is paused, then dropped, and resumes from its cursor.
 */

const noteSchema: ObjectSchemaInput[] = [{ name: 'Note', primaryKey: '_id', properties: { _id: 'string', title: 'string' } }];
const schema = parseSchema(noteSchema);
const all = [{ objectType: 'Note', query: 'TRUEPREDICATE', args: [] }];
const everyone = { defaultRoles: [{ name: 'everyone', applyWhen: true, read: true, write: true }] };

const notes = (from: number, to: number): Instruction[] =>
  Array.from({ length: to - from }, (_, i) => `n${String(from + i).padStart(4, '0')}`).flatMap((pk): Instruction[] => [
    { op: 'CreateObject', type: 'Note', pk },
    { op: 'Set', type: 'Note', pk, path: ['title'], value: `${pk} ${'x'.repeat(60)}` },
  ]);

let server: SyncTestServer | undefined;
const clients: ProtocolClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await server?.close();
  server = undefined;
});

describe('streaming bootstrap', () => {
  it('sends a view larger than the batch bound page by page, as it reads it, with an empty entry marker per DOWNLOAD', async () => {
    server = await startSyncTestServer({ schema: noteSchema, engine: { bootstrapBatch: 10, downloadBytes: 2_000 } });
    const ana = new ProtocolClient({ url: server.url, token: server.token('ana'), schema });
    clients.push(ana);
    await ana.connect();
    await ana.subscribe(all);
    ana.write(notes(0, 95));
    await ana.sync();

    const store = server.store;
    let pages = 0;
    const queryObjects = store.queryObjects.bind(store);
    store.queryObjects = (...args) => (pages++, queryObjects(...args));
    const batches: { batch: string; items: number; pagesRead: number }[] = [];
    const frames = server.engine.frames;
    const frame = frames.frame.bind(frames);
    frames.frame = (m) => {
      if (m.t === 'DOWNLOAD' && m.queryVersion === 1) batches.push({ batch: m.batch, items: m.items.length, pagesRead: pages });
      return frame(m);
    };

    const ben = new ProtocolClient({ url: server.url, token: server.token('ben'), schema });
    clients.push(ben);
    await ben.connect();
    await ben.subscribe(all);

    expect([...ben.state.objects('Note')]).toHaveLength(95);
    expect(ben.state.get('Note', 'n0094')?.title).toMatch(/^n0094 x+$/);
    // Several DOWNLOADs, the first sent before the last page was read (10 pages of at most 10).
    const carrying = batches.filter((b) => b.items > 0);
    expect(carrying.length).toBeGreaterThan(2);
    expect(batches.at(-1)!.batch).toBe('last');
    expect(batches.slice(0, -1).every((b) => b.batch === 'more')).toBe(true);
    expect(carrying[0]!.pagesRead).toBeLessThan(pages);
    // The objects entered the view with their state in the DOWNLOADs, at entry markers: private
    // rows that hold nothing, one per DOWNLOAD's worth of objects.
    const rows = (await store.history(0, await store.latestVersion())).filter((r) => r.privateTo === ben.fileIdent);
    expect(rows.length).toBeGreaterThan(2);
    expect(rows.length).toBeLessThanOrEqual(carrying.length);
    expect(rows.every((r) => r.changeset.instructions.length === 0)).toBe(true);
  });

  it('appends no copy of a fresh device\'s view to the history: a few empty rows per device', async () => {
    server = await startSyncTestServer({ schema: noteSchema, engine: { bootstrapBatch: 20 } });
    const ana = new ProtocolClient({ url: server.url, token: server.token('ana'), schema });
    clients.push(ana);
    await ana.connect();
    await ana.subscribe(all);
    ana.write(notes(0, 200));
    await ana.sync();
    const store = server.store;
    const before = await store.latestVersion();
    const devices = 8;
    for (let i = 0; i < devices; i++) {
      const c = new ProtocolClient({ url: server.url, token: server.token('u' + i), schema });
      clients.push(c);
      await c.connect();
      await c.subscribe(all);
      expect([...c.state.objects('Note')]).toHaveLength(200);
      expect(c.state.get('Note', 'n0199')?.title).toMatch(/^n0199 x+$/);
    }
    const rows = await store.history(before, await store.latestVersion());
    // Ten pages of 20 objects each, entered together: one row per device, and no state in it.
    expect(rows.length).toBeLessThanOrEqual(devices * 2);
    expect(rows.reduce((n, r) => n + r.changeset.instructions.length, 0)).toBe(0);
    // A device that writes after its bootstrap reaches the others.
    clients[1]!.write([{ op: 'Set', type: 'Note', pk: 'n0007', path: ['title'], value: 'changed' }]);
    await clients[1]!.sync();
    await ana.sync();
    expect(ana.state.get('Note', 'n0007')?.title).toBe('changed');
  });

  it('pauses a client that does not read, drops it as a slow consumer, and it resumes from its cursor', async () => {
    const store = new MemoryStore();
    const engine = await SyncEngine.open({ store, schema: noteSchema, rules: everyone, bootstrapBatch: 10, downloadBytes: 1_500 });
    await engine.serverWrite(notes(0, 120));
    const loop = new Loopback(engine, testAuth(), { softBufferBytes: 4_000, slowConsumerMs: 300 });
    const rng = new Random(7);
    let socket: ClientSocket | undefined;
    const c = new ProtocolClient({ schema, socket: () => (socket = loop.connect('ana')) });
    const pump = setInterval(() => {
      for (let i = 0; i < 50 && loop.deliverOne(rng); i++);
    }, 1);
    try {
      await c.connect();
      await waitFor(() => engine.sessionCount === 1, 5_000);
      loop.hold(socket!, true);
      const first = c.subscribe(all).catch(() => undefined);
      // The server stops producing once the client's unread bytes pass the soft limit, then drops it.
      await waitFor(() => engine.sessionCount === 0, 5_000);
      const entered = (await store.history(0, await store.latestVersion())).filter((r) => r.privateTo === c.fileIdent).length;
      expect(entered).toBeGreaterThan(0);
      expect(entered).toBeLessThan(12);
      loop.hold(socket!, false);
      await c.until(() => c.closedWith !== undefined);
      expect(c.errors.at(-1)).toMatchObject({ code: 'slow_consumer', action: 'retry' });
      const downloads = c.received.filter((t) => t.startsWith('{"t":"DOWNLOAD"')).map((t) => JSON.parse(t) as Download);
      expect(downloads.some((d) => d.batch === 'more')).toBe(true);
      expect(downloads.some((d) => d.queryVersion === 1 && d.batch === 'last')).toBe(false);
      expect([...c.state.objects('Note')]).toHaveLength(0);

      // Reconnecting from its cursor: it kept none of the bootstrap (a bootstrap applies whole
      // in this client), so every object enters again, once.
      const seen = c.received.length;
      await c.open();
      await c.until(() => c.queryVersionComplete >= 1);
      await c.sync();
      await first;
      expect([...c.state.objects('Note')]).toHaveLength(120);
      const again = c.received.slice(seen).filter((t) => t.startsWith('{"t":"DOWNLOAD"')).map((t) => parseServerMessage(t) as Download);
      expect(again.flatMap((d) => d.items.flatMap((i) => ('changeset' in i ? i.changeset.instructions : []).filter((x) => x.op === 'CreateObject'))).length).toBe(120);
      const rows = (await store.history(0, await store.latestVersion())).filter((r) => r.privateTo === c.fileIdent);
      expect(rows.every((r) => r.changeset.instructions.length === 0)).toBe(true);
    } finally {
      clearInterval(pump);
      c.disconnect();
      engine.close();
    }
  });
});

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
