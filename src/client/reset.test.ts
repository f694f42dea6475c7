import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson, ObjectId, type Value } from '../model/index.ts';
import type { Database } from './database.ts';
import type { SyncError } from './errors.ts';
import type { ClientResetConfig, ResetSnapshot } from './reset.ts';
import { MemoryLockManager } from '../worker/locks.ts';
import { MemoryKeyValueStore } from './kv.ts';
import { freshIndexedDb, nextMatching, uniqueAppId, workOrderSchema } from './testing/fixtures.ts';
import { startFakeServer, type FakeServer } from './testing/fake-server.ts';
import { openTestClient, type TestClient } from './testing/open-test-client.ts';

/*
 * Client reset against the fake server: a restore from backup (the server forgets what it had
 * acknowledged), discard and recover, the callbacks, live queries across the reset, no loop, and
 * manual mode with a reset by hand.
 */

const fast = { pingIntervalMs: 60_000, pongTimeoutMs: 120_000, initialBackoffMs: 30, maxBackoffMs: 300 };
let server: FakeServer;
const clients: TestClient[] = [];

async function client(clientReset?: ClientResetConfig<Database>) {
  const c = await openTestClient({ baseUrl: server.baseUrl, schema: workOrderSchema, sync: { timings: fast, ...(clientReset ? { clientReset } : {}) } });
  clients.push(c);
  return c;
}

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 5000) {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const TYPES = ['WorkOrder', 'Customer'];
const sortJson = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).sort();

async function localDump(db: Database) {
  const out: Record<string, string[]> = {};
  for (const t of TYPES) out[t] = sortJson((await db.objects(t).toArray()).map((o) => canonicalJson(o as Value)));
  return out;
}

function serverDump() {
  const out: Record<string, string[]> = {};
  for (const t of TYPES) out[t] = sortJson([...server.history.state.objects(t)].map((o) => canonicalJson(o)));
  return out;
}

beforeEach(async () => {
  server = await startFakeServer({ schema: workOrderSchema });
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await server.close();
});

/**
 * A synced client, a server backup, a change the server acknowledges and then loses in the
 * restore, offline changes, the restore, and server-side changes after it. Resolves once the
 * client has been told to reset (the resume).
 */
async function restoreScenario(clientReset: ClientResetConfig<Database>) {
  const a = await client(clientReset);
  const wo = new ObjectId();
  await a.db.write((tx) => {
    tx.create('WorkOrder', { _id: wo, title: 'valve', notes: ['n1'] });
    tx.create('Customer', { _id: 'gone', name: 'G', tier: 1 });
    tx.create('Customer', { _id: 'kept', name: 'K', tier: 1 });
  });
  await a.db.sync.waitForUpload();
  const backup = server.snapshot();
  await a.db.write((tx) => tx.update('Customer', 'kept', { name: 'acknowledged, then lost' }));
  await a.db.sync.waitForUpload();
  await a.db.sync.pause();
  await a.db.write((tx) => {
    const w = tx.ref('WorkOrder', wo);
    tx.increment(w, 'visits', 2);
    tx.list(w, 'notes').push('n2');
    tx.create('Customer', { _id: 'new', name: 'N', tier: 0 });
    tx.update('Customer', 'gone', { tier: 5 });
  });
  server.restore(backup);
  server.serverWrite([
    { op: 'EraseObject', type: 'Customer', pk: 'gone' },
    { op: 'AddInteger', type: 'WorkOrder', pk: wo, path: ['visits'], value: 10 },
    { op: 'ListInsert', type: 'WorkOrder', pk: wo, path: ['notes', 1], value: 'from server' },
  ]);
  return { a, wo };
}

describe('client reset', () => {
  it('recover: unsynced writes survive a restore from backup, server deletes win, and replicas converge', async () => {
    const errors: SyncError[] = [];
    const { a, wo } = await restoreScenario({ mode: 'recoverUnsyncedChanges' });
    a.db.onError((e) => errors.push(e));
    const oldIdent = a.db.sync.fileIdent;
    await a.db.sync.resume();
    await until(() => a.db.sync.fileIdent !== oldIdent);
    await a.db.sync.waitForUpload();
    await a.db.sync.waitForDownload();
    expect(errors.map((e) => [e.code, e.action])).toEqual([['bad_cursor', 'client_reset']]);

    const w = await a.db.object<{ visits: number; notes: string[] }>('WorkOrder', wo).get();
    expect(w?.visits).toBe(12); // 10 on the server + the 2 it never integrated
    expect(w?.notes).toEqual(['n1', 'n2']); // a list the client changed keeps the client's contents
    expect((await a.db.object<{ name: string }>('Customer', 'kept').get())?.name).toBe('acknowledged, then lost');
    expect(await a.db.object('Customer', 'new').get()).not.toBeNull();
    expect(await a.db.object('Customer', 'gone').get()).toBeNull();
    expect(await localDump(a.db)).toEqual(serverDump());

    const b = await client();
    await b.db.sync.waitForDownload();
    expect(await localDump(b.db)).toEqual(await localDump(a.db));
  });

  it('discard: the client equals the server afterwards; onBefore and onAfter see both states', async () => {
    const seen: Record<string, unknown> = {};
    let snapshot: ResetSnapshot | undefined;
    const { a, wo } = await restoreScenario({
      mode: 'discardUnsyncedChanges',
      onBefore: async (before) => {
        snapshot = before;
        seen.beforeGone = (await before.object<{ tier: number }>('Customer', 'gone'))?.tier;
        seen.beforeCount = (await before.objects('Customer')).length;
      },
      onAfter: async (before, after, details) => {
        seen.oldGone = (await before.object<{ tier: number }>('Customer', 'gone'))?.tier;
        seen.oldNew = (await before.object('Customer', 'new')) !== null;
        seen.afterGone = await after.object('Customer', 'gone').get();
        seen.afterCount = (await after.objects('Customer').toArray()).length;
        seen.details = { mode: details.mode, recovered: details.recovered, unsynced: details.unsynced, error: details.error?.code };
      },
    });
    // Waiting for the discarded write's upload ends with the reset (there is nothing left to upload).
    const uploaded = a.db.sync.waitForUpload({ timeoutMs: 5000 });
    await a.db.sync.resume();
    await until(() => 'details' in seen);
    await uploaded;
    await a.db.sync.waitForDownload();
    expect(seen).toEqual({
      beforeGone: 5,
      beforeCount: 3,
      oldGone: 5,
      oldNew: true,
      afterGone: null,
      afterCount: 1,
      details: { mode: 'discard', recovered: 0, unsynced: 1, error: 'bad_cursor' },
    });
    await expect(snapshot!.objects('Customer')).rejects.toMatchObject({ code: 'not_found' });
    expect(await localDump(a.db)).toEqual(serverDump());
    expect((await a.db.object<{ visits: number }>('WorkOrder', wo).get())?.visits).toBe(10);
    expect(a.db.sync.progress.pendingUploads).toBe(0);
  });

  it('keeps live queries valid across the reset: observers get the new data', async () => {
    const { a } = await restoreScenario({ mode: 'recoverOrDiscardUnsyncedChanges' });
    const live = a.db.objects<{ _id: string }>('Customer').sorted('_id').observe();
    const first = await nextMatching(live, () => true);
    expect(first.map((c) => c._id)).toEqual(['gone', 'kept', 'new']);
    const after = nextMatching(live, (items) => items.every((c) => c._id !== 'gone'));
    await a.db.sync.resume();
    expect((await after).map((c) => c._id)).toEqual(['kept', 'new']);
    await a.db.sync.waitForUpload();
    await a.db.write((tx) => tx.create('Customer', { _id: 'later', name: 'L', tier: 0 }));
    expect((await nextMatching(live, (items) => items.length === 3)).map((c) => c._id)).toEqual(['kept', 'later', 'new']);
  });

  it('a server that may not recover (client_reset_no_recovery): recoverOrDiscard discards, recover falls back', async () => {
    const a = await client();
    await a.db.write((tx) => tx.create('Customer', { _id: 'c', name: 'C', tier: 1 }));
    await a.db.sync.waitForUpload();
    await a.db.sync.pause();
    await a.db.write((tx) => tx.update('Customer', 'c', { tier: 9 }));
    server.resetNext('IDENT', 'client_reset_no_recovery');
    await a.db.sync.resume();
    await until(async () => (await a.db.object<{ tier: number }>('Customer', 'c').get())?.tier === 1);
    expect(a.db.sync.progress.pendingUploads).toBe(0);

    const fallbacks: number[] = [];
    const b = await client({ mode: 'recoverUnsyncedChanges', onFallback: (_e, info) => void fallbacks.push(info.pendingChanges) });
    await b.db.sync.waitForDownload();
    await b.db.sync.pause();
    await b.db.write((tx) => tx.update('Customer', 'c', { tier: 7 }));
    server.resetNext('IDENT', 'client_reset_no_recovery');
    await b.db.sync.resume();
    await until(() => fallbacks.length === 1);
    expect(fallbacks).toEqual([1]);
    expect((await b.db.object<{ tier: number }>('Customer', 'c').get())?.tier).toBe(7);
  });

  it('a repeated reset before the first full sync does not loop: sync stops and onFallback is called', async () => {
    const fallbacks: SyncError[] = [];
    const errors: SyncError[] = [];
    const a = await client({ mode: 'recoverUnsyncedChanges', onFallback: (e) => void fallbacks.push(e) });
    a.db.onError((e) => errors.push(e));
    await a.db.sync.waitForDownload();
    await a.db.sync.pause();
    await a.db.write((tx) => tx.create('Customer', { _id: 'c', name: 'C', tier: 1 }));
    // The first IDENT asks for a reset; the upload of the recovered changes asks again.
    server.resetNext('IDENT');
    server.resetNext('UPLOAD');
    await a.db.sync.resume();
    await until(() => fallbacks.length === 1);
    expect(fallbacks[0]).toMatchObject({ code: 'client_reset', details: { repeated: true } });
    expect(errors.map((e) => e.code)).toEqual(['bad_client_file', 'client_reset']);
    await until(() => a.db.sync.connectionState === 'disconnected');
    const connections = server.connections;
    await new Promise((r) => setTimeout(r, 300));
    expect(server.connections).toBe(connections); // stopped: no reconnect, no third reset
    expect(server.statesSent).toBe(1);
    expect((await a.db.object('Customer', 'c').get())?.name).toBe('C'); // recovered, kept locally

    // By hand it works (the guard does not stop an explicit reset), and the next full sync clears it.
    await a.db.sync.resetClient();
    await a.db.sync.waitForUpload();
    await a.db.sync.waitForDownload();
    expect(server.history.state.get('Customer', 'c')).toMatchObject({ name: 'C' });
    server.resetNext('IDENT');
    server.dropConnections();
    await until(() => server.statesSent === 3); // a reset again: the guard was cleared by the full sync
    expect(fallbacks.length).toBe(1);
  });

  it('manual mode: stops and calls onFallback; resetClient() by hand then resets', async () => {
    const fallbacks: { error: SyncError; pending: number }[] = [];
    const a = await client({ mode: 'manual', onFallback: (error, info) => void fallbacks.push({ error, pending: info.pendingChanges }) });
    await a.db.write((tx) => tx.create('Customer', { _id: 'synced', name: 'S', tier: 1 }));
    await a.db.sync.waitForUpload();
    await a.db.sync.pause();
    await a.db.write((tx) => tx.create('Customer', { _id: 'offline', name: 'O', tier: 1 }));
    server.forgetClientFiles();
    await a.db.sync.resume();
    await until(() => fallbacks.length === 1);
    expect(fallbacks[0]).toMatchObject({ error: { code: 'bad_client_file', action: 'client_reset' }, pending: 1 });
    await until(() => a.db.sync.connectionState === 'disconnected');
    expect(await a.db.object('Customer', 'offline').get()).not.toBeNull();

    const oldIdent = a.db.sync.fileIdent;
    await a.db.sync.resetClient({ mode: 'recoverUnsyncedChanges' });
    expect(a.db.sync.fileIdent).not.toBe(oldIdent);
    await a.db.sync.waitForUpload();
    // The old file is unknown to the server: every kept local changeset is replayed.
    expect(server.history.state.get('Customer', 'offline')).toBeDefined();
    expect(server.history.state.get('Customer', 'synced')).toBeDefined();
    expect(await localDump(a.db)).toEqual(serverDump());
  });

  it('in another tab: live queries follow the reset, and resetClient() is forwarded to the tab holding the socket', async () => {
    const shared = { indexedDB: freshIndexedDb(), storage: new MemoryKeyValueStore(), appId: uniqueAppId('reset-tabs'), locks: new MemoryLockManager() };
    const open = async () => {
      const c = await openTestClient({ baseUrl: server.baseUrl, schema: workOrderSchema, sync: { timings: fast }, ...shared });
      clients.push(c);
      return c;
    };
    const leader = await open();
    await leader.db.write((tx) => tx.create('Customer', { _id: 'c', name: 'C', tier: 1 }));
    await leader.db.sync.waitForUpload();
    const follower = await open();
    expect(follower.db.sync.isLeader).toBe(false);
    const live = follower.db.objects<{ _id: string }>('Customer').observe();
    await nextMatching(live, (items) => items.length === 1);
    server.serverWrite([{ op: 'EraseObject', type: 'Customer', pk: 'c' }]);
    await leader.db.sync.pause();
    await follower.db.write((tx) => tx.create('Customer', { _id: 'mine', name: 'M', tier: 1 }));
    await leader.db.sync.resume();
    const gone = nextMatching(live, (items) => items.map((c) => c._id).join() === 'mine');
    await follower.db.sync.resetClient({ mode: 'recover' });
    await gone;
    await follower.db.sync.waitForUpload({ timeoutMs: 5000 });
    expect(server.history.state.get('Customer', 'mine')).toBeDefined();
  });

  it('an onBefore that throws abandons the reset: nothing changes, sync stops, onFallback is called', async () => {
    const fallbacks: SyncError[] = [];
    const { a } = await restoreScenario({
      mode: 'discard',
      onBefore: () => {
        throw new Error('not now');
      },
      onFallback: (e) => void fallbacks.push(e),
    });
    const ident = a.db.sync.fileIdent;
    await a.db.sync.resume();
    await until(() => fallbacks.length === 1);
    expect(fallbacks[0]!.message).toContain('onBefore threw: not now');
    expect(a.db.sync.fileIdent).toBe(ident);
    expect(await a.db.object('Customer', 'new').get()).not.toBeNull();
    await until(() => a.db.sync.connectionState === 'disconnected');
  });

  it('resetClient() is online only: it rejects with offline when no connection opens', async () => {
    const a = await client();
    await a.db.sync.waitForDownload();
    server.refuseConnections = true;
    await expect(a.db.sync.resetClient({ mode: 'discard' })).rejects.toMatchObject({ code: 'offline' });
    server.refuseConnections = false;
    await a.db.sync.waitForDownload({ timeoutMs: 3000 });
    await expect(a.db.sync.resetClient({ mode: 'manual' })).rejects.toMatchObject({ code: 'internal' });
  });
});
