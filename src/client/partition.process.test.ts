import { describe, expect, it } from 'vitest';
import { ObjectId } from '../model/index.ts';
import { ADMIN_KEY, api, type ServerProcess } from '../server/testing/server-process.ts';
import { prng } from '../sim/random.ts';
import { App } from './app.ts';
import { Credentials } from './credentials.ts';
import type { Database } from './database.ts';
import type { SyncError } from './errors.ts';
import { MemoryKeyValueStore } from './kv.ts';
import { freshIndexedDb, uniqueAppId } from './testing/fixtures.ts';
import { cleanups, hash, Network, PASSWORD, SEED, startServer, TEST_TIMEOUT, TIMINGS, until, useServerDevices, WAIT } from '../testing/server-devices.ts';

/*
 * Realm's partition-based sync against the real server process: the server's config names the
 * partition key and the partition permissions (read: your own partition and "public"; write:
 * your own), and clients open with `sync: { partitionValue }` and a Realm JS schema as apps
 * write it (classes with `static schema`, a `mapTo`, no partition key field). Each sees exactly
 * its partition; a write the permissions refuse is reverted by the server.
 */

useServerDevices();

// The server's schema, as import-app writes it from the App Services JSON Schemas (stored names).
const serverSchema = [
  { name: 'Note', primaryKey: '_id', properties: { _id: 'objectId', _partition: 'string', text: 'string', pinned: 'bool' } },
];

// The app's Realm JS model, unchanged: no partition key, `body` stored as `text`, a function default.
class Note {
  static schema = {
    name: 'Note',
    primaryKey: '_id',
    properties: {
      _id: { type: 'objectId', default: () => new ObjectId() },
      body: { type: 'string', mapTo: 'text' },
      pinned: { type: 'bool', default: false },
    },
  };
}

async function start(): Promise<ServerProcess> {
  return startServer({
    schema: serverSchema,
    queryableFields: { global: [] },
    roles: { default: [] },
    partition: { key: '_partition', read: "_partition == %%user.id OR _partition == 'public'", write: '_partition == %%user.id' },
  });
}

interface Opened {
  db: Database;
  userId: string;
  errors: SyncError[];
}

async function openPartition(server: ServerProcess, name: string, email: string, partitionValue: (userId: string) => string): Promise<Opened> {
  const net = new Network();
  const app = new App({
    baseUrl: server.url,
    appId: uniqueAppId(name),
    storage: new MemoryKeyValueStore(),
    fetch: net.fetch,
    inProcess: { indexedDB: freshIndexedDb(), sockets: net.sockets, random: prng(SEED ^ hash(name)) },
  });
  try {
    await app.emailPasswordAuth.registerUser({ email, password: PASSWORD });
  } catch (err) {
    if ((err as { code?: string }).code !== 'user_exists') throw err;
  }
  const user = await app.logIn(Credentials.emailPassword(email, PASSWORD));
  const errors: SyncError[] = [];
  const db = await app.open({
    schema: [Note],
    sync: { user, partitionValue: partitionValue(user.id), timings: TIMINGS, onError: (e) => errors.push(e), waitForDownload: { timeoutMs: WAIT.timeoutMs, onTimeout: 'throw' } },
  });
  cleanups.push(() => db.close());
  return { db, userId: user.id, errors };
}

const bodies = async (o: Opened) => ((await o.db.objects('Note').sorted('body').toArray()) as { body: string }[]).map((n) => n.body);

describe('partition-based sync (sync.partitionValue) against a real server', () => {
  it('syncs exactly the partition, fills the key on create, and the server reverts writes its permissions refuse', async () => {
    const server = await start();
    // The server publishes the key (not the rules) to clients.
    expect((await api(server.url, 'GET', '/api/sync/config')).json).toEqual({ partition: { key: '_partition', type: 'string' } });
    const seeded = await api(server.url, 'POST', '/api/data/Note/insert', { object: { _id: { $oid: new ObjectId().toHexString() }, _partition: 'public', text: 'welcome', pinned: true } }, ADMIN_KEY);
    expect(seeded.status).toBe(201);

    const ana = await openPartition(server, 'ana', 'ana@example.com', (id) => id);
    await ana.db.write((tx) => tx.create('Note', { body: 'ana private' }));
    await ana.db.sync.waitForUpload(WAIT);

    // On the server: stored names, and the partition key filled in with ana's partition.
    const onServer = (await api(server.url, 'POST', '/api/data/Note/query', { query: 'TRUEPREDICATE' }, ADMIN_KEY)).json.objects as Record<string, unknown>[];
    expect(onServer.map((o) => [o._partition, o.text]).sort()).toEqual([
      [ana.userId, 'ana private'],
      ['public', 'welcome'],
    ]);

    // A second device of ana's in her partition receives it, under its JS name.
    const ana2 = await openPartition(server, 'ana2', 'ana@example.com', (id) => id);
    await until('ana2 has her note', async () => (await bodies(ana2)).length === 1);
    expect(await bodies(ana2)).toEqual(['ana private']);
    const [note] = (await ana2.db.objects('Note').filtered('body == $0', 'ana private').toArray()) as Record<string, unknown>[];
    expect(note).toMatchObject({ body: 'ana private', pinned: false, _partition: ana.userId });
    expect(note).not.toHaveProperty('text');

    // Ben in the public partition reads it and nothing of ana's; his write there is reverted.
    const benPublic = await openPartition(server, 'ben-public', 'ben@example.com', () => 'public');
    expect(await bodies(benPublic)).toEqual(['welcome']);
    await benPublic.db.write((tx) => tx.create('Note', { body: 'graffiti' }));
    await until('ben is told his write was refused', () => benPublic.errors.some((e) => e.code === 'compensating_write'));
    await until('the refused note is gone', async () => (await bodies(benPublic)).length === 1);
    expect(await bodies(benPublic)).toEqual(['welcome']);

    // Ben opening ana's partition may not read it: nothing syncs.
    const benInAna = await openPartition(server, 'ben-in-ana', 'ben@example.com', () => ana.userId);
    expect(await bodies(benInAna)).toEqual([]);

    const final = (await api(server.url, 'POST', '/api/data/Note/query', { query: 'TRUEPREDICATE' }, ADMIN_KEY)).json.objects as Record<string, unknown>[];
    expect(final.map((o) => o.text).sort()).toEqual(['ana private', 'welcome']);
  }, TEST_TIMEOUT);

  it('refuses partitionValue against a server without partition-based sync, and with initialSubscriptions', async () => {
    const server = await startServer({ roles: { default: [] } });
    const app = new App({ baseUrl: server.url, appId: uniqueAppId('flex'), storage: new MemoryKeyValueStore(), inProcess: { indexedDB: freshIndexedDb() } });
    const user = await app.logIn(Credentials.anonymous());
    await expect(app.open({ schema: [Note], sync: { user, partitionValue: 'x' } })).rejects.toMatchObject({ code: 'schema_mismatch' });
    await expect(app.open({ schema: [Note], sync: { user, partitionValue: 'x', initialSubscriptions: () => {} } })).rejects.toMatchObject({ code: 'bad_query' });
  }, TEST_TIMEOUT);
});
