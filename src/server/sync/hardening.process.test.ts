import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hlcFromWall } from '../../changeset/index.ts';
import { ADMIN_KEY, api, baseConfig, everything, schema, startServerProcess, user, workOrder, type ServerProcess } from '../testing/server-process.ts';
import { ProtocolClient } from '../testing/protocol-client.ts';

/*
 * The hardening points of docs/protocol.md against a real server process: the clock bound, the
 * subscription limits and stale sets (QUERY_ERROR, the session continues), the close codes of a
 * replaced connection, REFRESH, and sessions ending when their login does.
 */

let server: ServerProcess;
let ana: { userId: string; accessToken: string; refreshToken: string };
let ben: { userId: string; accessToken: string; refreshToken: string };
const opened: ProtocolClient[] = [];

/** How far each client's clock is off (ms). */
const skews = new Map<ProtocolClient, { ms: number }>();

function open(token: string): ProtocolClient {
  const skew = { ms: 0 };
  const c = new ProtocolClient({ url: server.wsUrl, token, schema, now: () => Date.now() + skew.ms });
  skews.set(c, skew);
  opened.push(c);
  return c;
}

async function connected(token = ana.accessToken): Promise<ProtocolClient> {
  const c = open(token);
  await c.connect();
  await c.subscribe(everything);
  return c;
}

/** The session still answers: a write is acknowledged and a MARK answered. */
async function stillWorks(c: ProtocolClient): Promise<void> {
  const id = 'probe-' + Math.random().toString(36).slice(2);
  c.write(workOrder(id, ana.userId));
  await c.sync();
  expect(c.connected).toBe(true);
  expect(c.local).toEqual([]);
  expect(c.state.get('WorkOrder', id)).toBeDefined();
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-hardening-'));
  server = await startServerProcess(baseConfig(dir, { roles: { default: [{ name: 'everyone', applyWhen: true, read: true, write: true }] } }));
  ana = await user(server.url, 'ana@example.com');
  ben = await user(server.url, 'ben@example.com');
}, 120_000);

afterAll(async () => {
  for (const c of opened) c.disconnect();
  await server?.stop();
});

describe('the clock bound', () => {
  it('refuses an UPLOAD stamped far ahead with clock_skew (serverTime, clientVersion), stores and relays nothing of it', async () => {
    const watcher = await connected();
    const before = watcher.cursor.serverVersion;
    const c = await connected();
    const sent = Date.now();
    c.send({ t: 'UPLOAD', changesets: [{ clientVersion: 1, base: c.cursor.serverVersion, changeset: { origin: c.fileIdent!, timestamp: 2 ** 53 - 1, instructions: workOrder('wo-future', ana.userId) } }] });
    await c.until(() => c.closedWith !== undefined);
    const err = c.errors.at(-1)!;
    expect(err).toMatchObject({ code: 'clock_skew', action: 'retry', tryAgain: true, clientVersion: 1 });
    expect(err.serverTime).toBeGreaterThanOrEqual(sent - 1000);
    expect(err.serverTime).toBeLessThanOrEqual(Date.now() + 1000);
    expect(c.closedWith?.code).toBe(4000);
    await watcher.sync();
    expect(watcher.cursor.serverVersion).toBe(before);
    expect(watcher.state.get('WorkOrder', 'wo-future')).toBeUndefined();
    const r = await api(server.url, 'POST', '/api/data/WorkOrder/get', { pk: 'wo-future' }, ADMIN_KEY);
    expect(r.status).toBe(404);
  });

  it('accepts a stamp within the bound (5 minutes ahead) and refuses one past it (11 minutes)', async () => {
    const c = await connected();
    c.send({ t: 'UPLOAD', changesets: [{ clientVersion: 1, base: c.cursor.serverVersion, changeset: { origin: c.fileIdent!, timestamp: hlcFromWall(Date.now() + 5 * 60_000), instructions: workOrder('wo-5min', ana.userId) } }] });
    c.local.length = 0;
    await c.sync();
    expect(c.connected).toBe(true);
    expect(c.cursor.clientVersion).toBe(1);
    c.send({ t: 'UPLOAD', changesets: [{ clientVersion: 2, base: c.cursor.serverVersion, changeset: { origin: c.fileIdent!, timestamp: hlcFromWall(Date.now() + 11 * 60_000), instructions: workOrder('wo-11min', ana.userId) } }] });
    await c.until(() => c.closedWith !== undefined);
    expect(c.errors.at(-1)).toMatchObject({ code: 'clock_skew', clientVersion: 2 });
  });

  it('rejects a TRANSACT stamped past the bound with code clock_skew; the session continues', async () => {
    const c = await connected();
    skews.get(c)!.ms = 3 * 3_600_000;
    const r = await c.transact(workOrder('wo-tx-future', ana.userId));
    expect(r).toMatchObject({ status: 'rejected', code: 'clock_skew' });
    // The client corrects its clock (as the product client does from serverTime).
    skews.get(c)!.ms = 0;
    c.clock.clampTo(hlcFromWall(Date.now()));
    await stillWorks(c);
    expect(c.state.get('WorkOrder', 'wo-tx-future')).toBeUndefined();
  });
});

describe('subscription limits and stale sets (QUERY_ERROR; the session continues)', () => {
  it('more than 100 subscriptions: subscription_limit', async () => {
    const c = await connected();
    const many = Array.from({ length: 101 }, (_, i) => ({ objectType: 'WorkOrder', query: 'region == $0', args: [`r${i}`] }));
    const version = c.requestSubscriptions(many);
    await c.until(() => c.queryErrors.length > 0);
    expect(c.queryErrors[0]).toMatchObject({ t: 'QUERY_ERROR', version, code: 'subscription_limit' });
    expect(c.errors).toEqual([]);
    await stillWorks(c);
  });

  it('a query text over 16 KiB: subscription_limit with its index', async () => {
    const c = await connected();
    const long = 'region == $0' + ' OR region == $0'.repeat(1100);
    expect(long.length).toBeGreaterThan(16 * 1024);
    const version = c.requestSubscriptions([everything[0]!, { objectType: 'WorkOrder', query: long, args: ['x'] }]);
    await c.until(() => c.queryErrors.length > 0);
    expect(c.queryErrors[0]).toMatchObject({ version, code: 'subscription_limit', index: 1 });
    await stillWorks(c);
  });

  it('a QUERY whose version is not newer: bad_session_state; the active set stays', async () => {
    const c = await connected();
    const active = c.subscriptions.version;
    c.send({ t: 'QUERY', version: active, queries: [] });
    await c.until(() => c.queryErrors.length > 0);
    expect(c.queryErrors[0]).toMatchObject({ version: active, code: 'bad_session_state' });
    expect(c.errors).toEqual([]);
    await stillWorks(c);
    expect([...c.state.objects('WorkOrder')].length).toBeGreaterThan(0);
  });
});

describe('connections and logins', () => {
  it('a replaced connection gets ERROR session_closed (retry) and close code 1001', async () => {
    const first = await connected();
    const second = open(ana.accessToken);
    Object.assign(second, { fileIdent: first.fileIdent, salt: first.salt, cursor: { ...first.cursor }, versionSalt: first.versionSalt, subscriptions: first.subscriptions });
    await second.connect();
    await first.until(() => first.closedWith !== undefined);
    expect(first.closedWith?.code).toBe(1001);
    expect(first.errors.at(-1)).toMatchObject({ code: 'session_closed', action: 'retry', tryAgain: true });
    await stillWorks(second);
  });

  it('REFRESH has no answer when the token is good; another user\u2019s token ends the session with unauthorized (log_out, 4000)', async () => {
    const c = await connected();
    const again = await api(server.url, 'POST', '/api/auth/refresh', { refreshToken: ana.refreshToken });
    expect(again.status).toBe(200);
    ana = again.json;
    c.send({ t: 'REFRESH', token: ana.accessToken });
    await stillWorks(c);
    expect(c.errors).toEqual([]);
    c.send({ t: 'REFRESH', token: ben.accessToken });
    await c.until(() => c.closedWith !== undefined);
    expect(c.errors.at(-1)).toMatchObject({ code: 'unauthorized', action: 'log_out' });
    expect(c.closedWith?.code).toBe(4000);
  });

  it('a logout ends the sessions of that login at once (unauthorized, log_out, 4000), and its access token no longer connects', async () => {
    const carl = await user(server.url, 'carl@example.com');
    const other = await api(server.url, 'POST', '/api/auth/login', { provider: 'email', email: 'carl@example.com', password: 'correct horse battery staple' });
    const c = await connected(carl.accessToken);
    const elsewhere = await connected(other.json.accessToken);
    expect((await api(server.url, 'POST', '/api/auth/logout', { refreshToken: carl.refreshToken })).status).toBe(204);
    await c.until(() => c.closedWith !== undefined);
    expect(c.errors.at(-1)).toMatchObject({ code: 'unauthorized', action: 'log_out' });
    expect(c.closedWith?.code).toBe(4000);
    await expect(open(carl.accessToken).connect()).rejects.toThrow(/401/);
    // The same user's other login is not affected.
    expect(elsewhere.connected).toBe(true);
    const w = new WebSocket(server.wsUrl, ['outpost'], { headers: { authorization: `Bearer ${other.json.accessToken}` } });
    await new Promise<void>((resolve, reject) => {
      w.once('open', () => resolve());
      w.once('error', reject);
    });
    w.close();
  });

  it('deleting the user ends its sessions at once', async () => {
    const dora = await user(server.url, 'dora@example.com');
    const c = await connected(dora.accessToken);
    expect((await api(server.url, 'DELETE', `/api/admin/users/${dora.userId}`, undefined, ADMIN_KEY)).status).toBe(204);
    await c.until(() => c.closedWith !== undefined);
    expect(c.errors.at(-1)).toMatchObject({ code: 'unauthorized', action: 'log_out' });
  });
});

describe('secure defaults', () => {
  it('with no roles configured, every read and write is denied, and the server says how to grant', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-noroles-'));
    const bare = await startServerProcess(baseConfig(dir, { roles: {} }));
    try {
      expect(bare.output()).toMatch(/no roles are configured: every read and write is denied\. Grant access with/);
      const eve = await user(bare.url, 'eve@example.com');
      // The admin (no roles apply to it) writes an object; the user may neither see nor change it.
      expect((await api(bare.url, 'POST', '/api/data/WorkOrder/insert', { object: { _id: 'admin-1', title: 't', status: 'open', assigneeId: eve.userId, region: 'north', visits: 0, tasks: [] } }, ADMIN_KEY)).status).toBe(201);
      const c = new ProtocolClient({ url: bare.wsUrl, token: eve.accessToken, schema });
      opened.push(c);
      await c.connect();
      await c.subscribe(everything);
      expect([...c.state.objects('WorkOrder')]).toEqual([]);
      c.write(workOrder('eve-1', eve.userId));
      await c.sync();
      await c.until(() => c.errors.some((e) => e.code === 'compensating_write'));
      await c.sync();
      expect(c.state.get('WorkOrder', 'eve-1')).toBeUndefined();
      expect((await api(bare.url, 'POST', '/api/data/WorkOrder/query', {}, eve.accessToken)).json.objects).toEqual([]);
      expect((await api(bare.url, 'POST', '/api/data/WorkOrder/get', { pk: 'eve-1' }, ADMIN_KEY)).status).toBe(404);
    } finally {
      await bare.stop();
    }
  });
});
