import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_KEY, api, baseConfig, client, everything, startServerProcess, user, workOrder, type ServerProcess } from '../testing/server-process.ts';
import type { ProtocolClient } from '../testing/protocol-client.ts';

/*
 * The server's half of client reset, against real server processes: every way a client's history
 * can stop being continuable is detected at the session's start and answered with an ERROR whose
 * action is a client reset; a fresh copy comes as STATE segments; CLIENT_VERSION tells which local
 * changes the server has; TRANSACT is all or nothing.
 */

const servers: ServerProcess[] = [];
const clients: ProtocolClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  for (const s of servers.splice(0)) await s.stop();
});

async function start(dir: string, extra: Record<string, unknown> = {}): Promise<ServerProcess> {
  const s = await startServerProcess(baseConfig(dir, extra));
  servers.push(s);
  return s;
}

async function stop(s: ServerProcess): Promise<void> {
  await s.stop();
  servers.splice(servers.indexOf(s), 1);
}

function open(s: ServerProcess, token: string): ProtocolClient {
  const c = client(s.wsUrl, token);
  clients.push(c);
  return c;
}

/** Connects an existing client to (another process at) `url`; resolves with the ERROR it gets, if any. */
async function reconnect(c: ProtocolClient, url: string): Promise<ProtocolClient['errors'][number] | undefined> {
  (c as unknown as { options: { url: string } }).options.url = url;
  const before = c.errors.length;
  await c.connect();
  await c.until(() => c.errors.length > before || (c.connected && c.fileIdent !== undefined), 10_000);
  // An ERROR closes the socket right after; give it a moment to arrive when it comes.
  await c.until(() => c.errors.length > before || !c.connected, 1_000).catch(() => {});
  return c.errors[before];
}

const port = () => 20_000 + Math.floor(Math.random() * 20_000);

describe('client reset detection', () => {
  it('a server restored from a backup resets the clients that synced past it, and the unknown ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-reset-'));
    const backup = mkdtempSync(join(tmpdir(), 'outpost-backup-'));
    const p = port();
    let s = await start(dir, { port: p });
    const ana = await user(s.url, 'ana@example.com');
    const ben = await user(s.url, 'ben@example.com');
    const a = open(s, ana.accessToken);
    await a.connect();
    await a.subscribe(everything);
    a.write(workOrder('wo-1', ana.userId));
    await a.sync();
    const b = open(s, ben.accessToken);
    await b.connect();
    await b.subscribe(everything);

    // The backup, taken with the server stopped.
    await stop(s);
    cpSync(dir, backup, { recursive: true });
    s = await start(dir, { port: p });
    await a.connect();
    a.write([{ op: 'Set', type: 'WorkOrder', pk: 'wo-1', path: ['status'], value: 'done' }]);
    await a.sync(); // acknowledged by the server that is about to be lost
    await b.connect();
    await b.sync(); // b downloaded it: its cursor is past the backup too
    const cNew = open(s, ben.accessToken);
    await cNew.connect(); // a client file the backup never knew

    // Restore the backup.
    await stop(s);
    rmSync(dir, { recursive: true, force: true });
    cpSync(backup, dir, { recursive: true });
    s = await start(dir, { port: p });

    // a: its acknowledged client version is past the restored file's.
    const ea = await reconnect(a, s.wsUrl);
    expect(ea).toMatchObject({ t: 'ERROR', code: 'bad_cursor', action: 'client_reset' });
    // The new file: unknown to the restored server.
    const ec = await reconnect(cNew, s.wsUrl);
    expect(ec).toMatchObject({ t: 'ERROR', code: 'bad_client_file', action: 'client_reset' });

    // Another client writes, so the history grows past b's cursor along a different path: b's
    // version now exists on the server, but it is not the one b followed (the version salt).
    const d = open(s, ana.accessToken);
    await d.connect();
    await d.subscribe(everything);
    for (let i = 0; i < 5; i++) d.write([{ op: 'Set', type: 'WorkOrder', pk: 'wo-1', path: ['notes'], value: `n${i}` }]);
    await d.sync();
    const eb = await reconnect(b, s.wsUrl);
    expect(eb).toMatchObject({ t: 'ERROR', code: 'bad_cursor', action: 'client_reset' });
    expect(eb!.message).toMatch(/restored from a backup/);

    // The reset itself, at the protocol level: a new file, CLIENT_VERSION for the old one, a fresh copy.
    const fresh = open(s, ana.accessToken);
    await fresh.connect();
    const cv = await fresh.askClientVersion(a.fileIdent!, a.salt!);
    expect(cv).toMatchObject({ known: true, clientVersion: 1 }); // wo-1's create survived; the status change did not
    const bogus = await fresh.askClientVersion(a.fileIdent!, 'not-the-salt');
    expect(bogus).toMatchObject({ known: false, clientVersion: 0 });
    const state = await fresh.requestState(everything);
    expect(state.last).toBe(true);
    expect(fresh.state.get('WorkOrder', 'wo-1')).toMatchObject({ status: 'open', notes: 'n4' });
    // It continues like any session from the copy's version: a new write reaches it.
    d.write([{ op: 'Set', type: 'WorkOrder', pk: 'wo-1', path: ['title'], value: 'after the reset' }]);
    await d.sync();
    await fresh.until(() => fresh.state.get('WorkOrder', 'wo-1')?.title === 'after the reset');
    // And its uploads integrate on top of the copy.
    fresh.write([{ op: 'Set', type: 'WorkOrder', pk: 'wo-1', path: ['status'], value: 'done' }]);
    await fresh.sync();
    await d.sync();
    await d.until(() => d.state.get('WorkOrder', 'wo-1')?.status === 'done');
    // A reconnect of the fresh file continues (its salt matches).
    fresh.disconnect();
    expect(await reconnect(fresh, s.wsUrl)).toBeUndefined();
    await fresh.sync();
  }, 120_000);

  it('a client offline past the maximum offline time is reset; compaction keeps what live clients need', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-offline-'));
    const s = await start(dir, { history: { maxOfflineSeconds: 2, compactIntervalSeconds: 3600 } });
    const ana = await user(s.url, 'ana@example.com');
    const away = open(s, ana.accessToken);
    await away.connect();
    await away.subscribe(everything);
    const here = open(s, ana.accessToken);
    await here.connect();
    await here.subscribe(everything);
    here.write(workOrder('wo-1', ana.userId));
    await here.sync();
    await away.sync();
    away.disconnect();

    const deadline = Date.now() + 3_000;
    let i = 0;
    while (Date.now() < deadline) {
      here.write([{ op: 'AddInteger', type: 'WorkOrder', pk: 'wo-1', path: ['visits'], value: 1 }]);
      i++;
      await here.sync();
      await new Promise((r) => setTimeout(r, 100));
    }
    const compacted = await api(s.url, 'POST', '/api/admin/sync/compact', {}, ADMIN_KEY);
    expect(compacted.status).toBe(200);
    expect(compacted.json.retired).toBe(1);
    expect(compacted.json.removed).toBeGreaterThan(0);
    expect(compacted.json.firstVersion).toBeGreaterThan(1);

    const e = await reconnect(away, s.wsUrl);
    expect(e).toMatchObject({ t: 'ERROR', code: 'bad_client_file', action: 'client_reset' });
    expect(e!.message).toMatch(/offline for longer/);

    // The client that stayed continues across the compaction, and so does a reconnect of it.
    here.disconnect();
    expect(await reconnect(here, s.wsUrl)).toBeUndefined();
    here.write([{ op: 'AddInteger', type: 'WorkOrder', pk: 'wo-1', path: ['visits'], value: 1 }]);
    await here.sync();
    const check = open(s, ana.accessToken);
    await check.connect();
    await check.subscribe(everything);
    expect(check.state.get('WorkOrder', 'wo-1')!.visits).toBe(i + 1);
    // A serialized transaction based before the compacted history cannot be checked for
    // conflicts with what was dropped: rejected, even from version 0.
    const cursor = (check as unknown as { cursor: { serverVersion: number; clientVersion: number } }).cursor;
    cursor.serverVersion = 0;
    const r = await check.transact([{ op: 'AddInteger', type: 'WorkOrder', pk: 'wo-1', path: ['visits'], value: 1 }], [{ type: 'WorkOrder', pk: 'wo-1' }]);
    expect(r).toMatchObject({ status: 'rejected', code: 'bad_cursor' });
  }, 60_000);

  it('changed permissions, an administrator and a breaking schema change reset clients', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-perm-'));
    const s = await start(dir);
    const ana = await user(s.url, 'ana@example.com');
    const a = open(s, ana.accessToken);
    await a.connect();
    await a.subscribe(everything);
    a.write(workOrder('wo-1', ana.userId));
    await a.sync();
    a.disconnect();

    // Rules change: the role a session gets differs from the one the file last synced with.
    const rules = await api(s.url, 'PUT', '/api/admin/rules', { rules: { default: [{ name: 'reader', applyWhen: true, read: true, write: false }] } }, ADMIN_KEY);
    expect(rules.status).toBe(200);
    expect(await reconnect(a, s.wsUrl)).toMatchObject({ code: 'client_reset', action: 'client_reset' });

    // An administrator resets one user's files; a running session of theirs is ended at once.
    const b = open(s, ana.accessToken);
    await b.connect();
    await b.subscribe(everything);
    const reset = await api(s.url, 'POST', '/api/admin/sync/reset', { userId: ana.userId, reason: 'support ticket 42' }, ADMIN_KEY);
    expect(reset.status).toBe(200);
    expect(reset.json.retired).toBeGreaterThanOrEqual(1);
    await b.until(() => b.errors.length > 0);
    expect(b.errors[0]).toMatchObject({ code: 'bad_client_file', action: 'client_reset' });
    expect(b.errors[0]!.message).toMatch(/support ticket 42/);
    expect(await reconnect(b, s.wsUrl)).toMatchObject({ code: 'bad_client_file', action: 'client_reset' });

    // A breaking schema change: objects migrate, history restarts, every file resets without recovery.
    const c = open(s, ana.accessToken);
    await c.connect();
    await c.subscribe(everything);
    const schema = (await api(s.url, 'GET', '/api/admin/schema', undefined, ADMIN_KEY)).json.schema as { name: string; properties: Record<string, unknown> }[];
    const next = schema.map((t) => (t.name === 'WorkOrder' ? { ...t, properties: Object.fromEntries(Object.entries(t.properties).filter(([k]) => k !== 'notes')) } : t));
    expect((await api(s.url, 'PUT', '/api/admin/schema', { schema: next }, ADMIN_KEY)).json.error).toMatchObject({ code: 'schema_mismatch' });
    // A changed field definition is breaking too: refused unless marked so (it was once accepted
    // as "nothing to add" and silently not stored).
    const retyped = schema.map((t) => (t.name === 'WorkOrder' ? { ...t, properties: { ...t.properties, title: 'int' } } : t));
    const refused = await api(s.url, 'PUT', '/api/admin/schema', { schema: retyped }, ADMIN_KEY);
    expect(refused.json.error).toMatchObject({ code: 'schema_mismatch' });
    expect(refused.json.error.message).toMatch(/WorkOrder\.title/);
    const changed = await api(s.url, 'PUT', '/api/admin/schema', { schema: next, breaking: true }, ADMIN_KEY);
    expect(changed.status).toBe(200);
    await c.until(() => c.errors.length > 0);
    expect(c.errors[0]).toMatchObject({ code: 'bad_client_file', action: 'client_reset_no_recovery' });
    expect((await api(s.url, 'POST', '/api/data/WorkOrder/get', { pk: 'wo-1' }, ADMIN_KEY)).json.object).toMatchObject({ _id: 'wo-1', title: 'Replace valve' });
  }, 60_000);

  it('TRANSACT: two clients take the last item of a stock at once; one is applied, one rejected', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-tx-'));
    const s = await start(dir);
    const ana = await user(s.url, 'ana@example.com');
    const a = open(s, ana.accessToken);
    const b = open(s, ana.accessToken);
    for (const c of [a, b]) {
      await c.connect();
      await c.subscribe(everything);
    }
    a.write(workOrder('stock', ana.userId, { title: 'valves' }));
    a.write([{ op: 'AddInteger', type: 'WorkOrder', pk: 'stock', path: ['visits'], value: 1 }]);
    await a.sync();
    await b.sync();
    await b.until(() => b.state.get('WorkOrder', 'stock')?.visits === 1);

    // Both see one item left and take it, at the same time.
    const take = (c: ProtocolClient) => {
      expect(c.state.get('WorkOrder', 'stock')!.visits).toBe(1);
      return c.transact([{ op: 'AddInteger', type: 'WorkOrder', pk: 'stock', path: ['visits'], value: -1 }], [{ type: 'WorkOrder', pk: 'stock' }]);
    };
    const [ra, rb] = await Promise.all([take(a), take(b)]);
    const results = [ra, rb].map((r) => r.status).sort();
    expect(results).toEqual(['applied', 'rejected']);
    const rejected = [ra, rb].find((r) => r.status === 'rejected')!;
    expect(rejected).toMatchObject({ code: 'transaction_conflict' });
    // The applied one comes back to both through DOWNLOAD; the stock is 0, never -1.
    for (const c of [a, b]) {
      await c.sync();
      await c.until(() => c.state.get('WorkOrder', 'stock')?.visits === 0);
    }
    // A transaction reading an object nobody changed since its base is applied.
    const r = await a.transact([{ op: 'Set', type: 'WorkOrder', pk: 'stock', path: ['status'], value: 'empty' }], [{ type: 'WorkOrder', pk: 'stock' }]);
    expect(r.status).toBe('applied');
    // One that writes what it may not is rejected whole, and changes nothing.
    const ben = await user(s.url, 'ben@example.com');
    const other = open(s, ben.accessToken);
    await other.connect();
    await other.subscribe(everything);
    const denied = await other.transact([{ op: 'Set', type: 'WorkOrder', pk: 'stock', path: ['title'], value: 'mine now' }]);
    expect(denied).toMatchObject({ status: 'rejected', code: 'permission_denied' });
    await a.sync();
    expect(a.state.get('WorkOrder', 'stock')).toMatchObject({ title: 'valves', status: 'empty', visits: 0 });
    // STATE_REQUEST is only for a new file.
    other.send({ t: 'STATE_REQUEST', queryVersion: 9, queries: everything });
    await other.until(() => other.errors.length > 0);
    expect(other.errors[0]).toMatchObject({ code: 'bad_session_state' });
  }, 60_000);
});
