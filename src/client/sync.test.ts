import { firstValueFrom } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObjectId } from '../model/index.ts';
import { Credentials } from './credentials.ts';
import type { SyncError } from './errors.ts';
import { nextMatching, workOrderSchema } from './testing/fixtures.ts';
import { startFakeServer, type FakeServer } from './testing/fake-server.ts';
import { openTestClient, type TestClient } from './testing/open-test-client.ts';

const fast = { pingIntervalMs: 60_000, pongTimeoutMs: 120_000, initialBackoffMs: 30, maxBackoffMs: 500 };

let server: FakeServer;
const clients: TestClient[] = [];

async function client(extra: Partial<Parameters<typeof openTestClient>[0]> = {}) {
  const c = await openTestClient({ baseUrl: server.baseUrl, schema: workOrderSchema, sync: { timings: fast }, ...extra });
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

beforeEach(async () => {
  server = await startFakeServer({ schema: workOrderSchema });
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await server.close();
});

describe('sync session', () => {
  it('uploads local writes, downloads others, rewrites origin 0 on IDENT', async () => {
    const a = await client();
    const id = new ObjectId();
    // Written before the first IDENT arrives (most likely): stored with origin 0.
    await a.db.write((tx) => tx.create('WorkOrder', { _id: id, title: 'from a' }));
    await a.db.sync.waitForUpload({ timeoutMs: 5000 });
    expect(server.history.rows[0]!.origin).toBe(a.db.sync.fileIdent);
    expect(server.history.rows[0]!.changeset.origin).toBe(a.db.sync.fileIdent);
    expect(a.db.sync.progress.pendingUploads).toBe(0);

    const b = await client();
    await b.db.sync.waitForDownload({ timeoutMs: 5000 });
    expect((await b.db.object('WorkOrder', id).get())?.title).toBe('from a');

    const live = a.db.object('WorkOrder', id).observe();
    const seen = nextMatching(live, (o) => o?.title === 'from b');
    await b.db.write((tx) => tx.update('WorkOrder', id, { title: 'from b' }));
    await seen;
    expect(await firstValueFrom(a.db.sync.connectionState$)).toBe('connected');
  });

  it('merges concurrent offline changes (counters add up, later write wins)', async () => {
    const a = await client();
    const b = await client();
    const id = new ObjectId();
    await a.db.write((tx) => tx.create('WorkOrder', { _id: id, title: 'x' }));
    await a.db.sync.waitForUpload();
    await b.db.sync.waitForDownload();
    await a.db.sync.pause();
    await b.db.sync.pause();
    await a.db.write((tx) => {
      tx.increment(tx.ref('WorkOrder', id), 'visits', 3);
      tx.update('WorkOrder', id, { title: 'a' });
    });
    await b.db.write((tx) => {
      tx.increment(tx.ref('WorkOrder', id), 'visits', 4);
      tx.update('WorkOrder', id, { title: 'b' });
    });
    await a.db.sync.resume();
    await a.db.sync.waitForUpload();
    await b.db.sync.resume();
    await b.db.sync.waitForUpload();
    await a.db.sync.waitForDownload();
    await b.db.sync.waitForDownload();
    const fa = (await a.db.object('WorkOrder', id).get())!;
    const fb = (await b.db.object('WorkOrder', id).get())!;
    expect(fa.visits).toBe(7);
    expect(fb).toEqual(fa);
    expect(fa.title).toBe('b');
  });

  it('reconnects after a dropped connection and uploads what was written meanwhile, exactly once', async () => {
    const a = await client();
    await a.db.sync.waitForDownload();
    server.dropConnections();
    await a.db.write((tx) => tx.create('Customer', { _id: 'c1', name: 'One', tier: 1 }));
    await a.db.write((tx) => tx.update('Customer', 'c1', { tier: 2 }));
    await a.db.sync.waitForUpload({ timeoutMs: 5000 });
    expect(server.connections).toBeGreaterThanOrEqual(2);
    expect(server.history.rows.length).toBe(2);
    expect(server.history.state.get('Customer', 'c1')).toMatchObject({ tier: 2 });
  });

  it('continues where it left off after a reload', async () => {
    const a = await client();
    await a.db.write((tx) => tx.create('Customer', { _id: 'c1', name: 'One', tier: 1 }));
    await a.db.sync.waitForUpload();
    const ident = a.db.sync.fileIdent;
    await a.close();
    server.serverWrite([{ op: 'CreateObject', type: 'Customer', pk: 'srv' }]);
    let identMsg: unknown;
    server.onMessage = (_s, m) => {
      if (m.t === 'IDENT') identMsg = m;
    };
    const again = await client({ indexedDB: a.indexedDB, storage: a.storage, appId: a.app.id });
    expect(again.user.id).toBe(a.user.id);
    await again.db.sync.waitForDownload();
    expect(again.db.sync.fileIdent).toBe(ident);
    expect(identMsg).toMatchObject({ fileIdent: ident, cursor: { serverVersion: 1, clientVersion: 1 } });
    expect(await again.db.object('Customer', 'srv').get()).not.toBeNull();
  });

  it('pauses and resumes', async () => {
    const a = await client();
    await a.db.sync.waitForDownload();
    const states: string[] = [];
    const sub = a.db.sync.connectionState$.subscribe((s) => states.push(s));
    await a.db.sync.pause();
    await until(() => server.openSessions === 0);
    await a.db.write((tx) => tx.create('Customer', { _id: 'p', name: 'P', tier: 0 }));
    expect(server.history.rows.length).toBe(0);
    await a.db.sync.resume();
    await a.db.sync.waitForUpload();
    sub.unsubscribe();
    expect(states).toEqual(['connected', 'paused', 'connecting', 'connected']);
    expect(server.history.rows.length).toBe(1);
  });

  it('drops a connection whose PINGs go unanswered, and reconnects', async () => {
    const a = await client({ sync: { timings: { ...fast, pingIntervalMs: 40, pongTimeoutMs: 120 } } });
    await a.db.sync.waitForDownload();
    server.answerPings = false;
    const errors: SyncError[] = [];
    a.db.onError((e) => errors.push(e));
    await until(() => server.connections >= 2, 5000);
    expect(errors.some((e) => e.code === 'timeout')).toBe(true);
    server.answerPings = true;
    await a.db.sync.waitForDownload({ timeoutMs: 5000 });
  });

  it('backs off between failed attempts and retries at once when the network comes back', async () => {
    server.refuseConnections = true;
    const a = await client({ sync: { timings: { ...fast, initialBackoffMs: 200, maxBackoffMs: 60_000 } } });
    await new Promise((r) => setTimeout(r, 1000));
    // 200 ms doubling (±25 %): attempts at about 0, 200, 600 ms — a handful, not dozens.
    expect(server.attempts).toBeGreaterThanOrEqual(2);
    expect(server.attempts).toBeLessThanOrEqual(4);
    expect(server.connections).toBe(0);
    server.refuseConnections = false;
    await a.db.conn.api.online();
    await a.db.sync.waitForDownload({ timeoutMs: 2000 });
  });

  it('refreshes the access token before it expires (REFRESH) and after token_expired (reconnect)', async () => {
    await server.close();
    server = await startFakeServer({ schema: workOrderSchema, auth: { accessTtlMs: 2500 } });
    const a = await client({ sync: { timings: { ...fast, refreshBeforeExpiryMs: 1500 } } });
    await a.db.sync.waitForDownload();
    await until(() => server.refreshes >= 1, 5000);
    expect(server.auth.calls.refresh).toBeGreaterThanOrEqual(1);
    const before = server.connections;
    server.sendError('token_expired', 'refresh_token');
    await until(() => server.connections > before, 5000);
    await a.db.sync.waitForDownload({ timeoutMs: 3000 });
  });

  it('reports compensating writes with the objects and reasons', async () => {
    const a = await client();
    await a.db.sync.waitForDownload();
    server.compensate = (entries) => entries.map((e) => ({ type: 'Customer', pk: 'bad', reason: 'permission_denied: not yours', clientVersion: e.clientVersion }));
    const got = new Promise<SyncError>((resolve) => a.db.onError(resolve));
    await a.db.write((tx) => tx.create('Customer', { _id: 'bad', name: 'B', tier: 0 }));
    const err = await got;
    expect(err.code).toBe('compensating_write');
    expect(err.action).toBe('none');
    expect(err.compensatingWrites).toEqual([{ type: 'Customer', pk: 'bad', reason: 'permission_denied: not yours', clientVersion: 1 }]);
  });

  it('stops on a fatal error and reports it', async () => {
    const a = await client();
    await a.db.sync.waitForDownload();
    const got = new Promise<SyncError>((resolve) => a.db.onError(resolve));
    server.sendError('bad_client_file', 'fatal');
    const err = await got;
    expect(err).toMatchObject({ code: 'bad_client_file', action: 'fatal' });
    await until(() => a.db.sync.connectionState === 'disconnected');
    await new Promise((r) => setTimeout(r, 200));
    expect(server.openSessions).toBe(0);
  });

  it('logs in with email/password and keeps the user across a reload', async () => {
    const first = await client({ credentials: Credentials.anonymous(false) });
    await first.app.emailPasswordAuth.registerUser({ email: 'ana@example.com', password: 'secret' });
    const ana = await first.app.logIn(Credentials.emailPassword('ana@example.com', 'secret'));
    expect(ana.profile.email).toBe('ana@example.com');
    expect(first.app.currentUser).toBe(ana);
    const { App } = await import('./app.ts');
    const reloaded = new App({ baseUrl: server.baseUrl, appId: first.app.id, storage: first.storage });
    expect(reloaded.currentUser?.id).toBe(ana.id);
    expect(Object.keys(reloaded.allUsers).sort()).toEqual([first.user.id, ana.id].sort());
    await reloaded.currentUser!.refreshAccessToken();
    await reloaded.currentUser!.logOut();
    expect(reloaded.currentUser?.id).toBe(first.user.id);
    await expect(first.app.logIn(Credentials.emailPassword('ana@example.com', 'wrong'))).rejects.toMatchObject({ code: 'invalid_credentials' });
  });
});
