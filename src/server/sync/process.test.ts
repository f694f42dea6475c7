import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMessage, PROTOCOL_VERSION } from '../../protocol/index.ts';
import {
  ADMIN_KEY,
  ALLOWED_ORIGIN,
  api,
  baseConfig,
  client,
  everything,
  forgeToken,
  startServerProcess,
  user,
  workOrder,
  METRICS_TOKEN,
  type ServerProcess,
} from '../testing/server-process.ts';
import { decodeServerFrame } from './frames.ts';
import type { ProtocolClient } from '../testing/protocol-client.ts';

/*
 * Protocol integration tests against a real server process (bin/outpost-server.js) on the
 * embedded store: real auth, real WebSocket, the wire protocol as a compatible client speaks it.
 * Each bad input is a test, and in each the other sessions keep being served and nothing
 * acknowledged is lost.
 */

let server: ServerProcess;
let ana: { userId: string; accessToken: string };
let ben: { userId: string; accessToken: string };
let watcher: ProtocolClient;
const opened: ProtocolClient[] = [];

function open(token: string, options: { origin?: string } = {}): ProtocolClient {
  const c = client(server.wsUrl, token, options);
  opened.push(c);
  return c;
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-store-'));
  server = await startServerProcess(
    baseConfig(dir, { limits: { maxFrameBytes: 2 * 1024 * 1024, messagesPerSecond: 40 } }),
  );
  ana = await user(server.url, 'ana@example.com');
  ben = await user(server.url, 'ben@example.com');
  // A healthy session that must keep being served whatever the others send.
  watcher = open(ana.accessToken);
  await watcher.connect();
  await watcher.subscribe(everything);
}, 120_000);

afterAll(async () => {
  for (const c of opened) c.disconnect();
  await server?.stop();
});

/** The watcher still syncs, and everything acknowledged so far is still on the server. */
async function stillServed(): Promise<void> {
  const id = 'probe-' + Math.random().toString(36).slice(2);
  watcher.write(workOrder(id, ana.userId));
  await watcher.sync();
  const other = open(ana.accessToken);
  await other.connect();
  await other.subscribe(everything);
  expect(other.state.get('WorkOrder', id)?.assigneeId).toBe(ana.userId);
  for (const rec of watcher.state.objects('WorkOrder')) expect(other.state.get('WorkOrder', rec._id as string)).toBeDefined();
  other.disconnect();
}

/** A raw WebSocket with a valid token: sends frames as given and collects what comes back. */
async function raw(token = ana.accessToken, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; messages: any[]; closed: Promise<number> }> {
  const ws = new WebSocket(server.wsUrl, ['outpost'], { headers: { authorization: `Bearer ${token}`, ...headers } });
  const messages: any[] = [];
  ws.on('message', (d: Buffer, isBinary: boolean) => messages.push(JSON.parse(decodeServerFrame(d, isBinary))));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, messages, closed };
}

async function upgradeStatus(headers: Record<string, string>, protocols: string[] = ['outpost'], path = '/api/sync'): Promise<number> {
  const ws = new WebSocket(server.wsUrl.replace('/api/sync', path), protocols, { headers });
  return new Promise<number>((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', () => resolve(-1));
  });
}

describe('sync against a real server process (embedded store)', () => {
  it('serves health and metrics', async () => {
    expect((await api(server.url, 'GET', '/api/health')).json).toMatchObject({ status: 'ok', store: 'sqlite' });
    const metrics = await fetch(server.url + '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }).then((r) => r.text());
    expect(metrics).toContain('outpost_sync_sessions');
  });

  it('offline writes on two devices converge on reconnect, with the merge rules', async () => {
    const a = open(ana.accessToken);
    const b = open(ana.accessToken);
    for (const c of [a, b]) {
      await c.connect();
      await c.subscribe(everything);
    }
    a.write(workOrder('wo-merge', ana.userId));
    await a.sync();
    await b.sync();
    a.disconnect();
    b.disconnect();
    a.write([
      { op: 'Set', type: 'WorkOrder', pk: 'wo-merge', path: ['status'], value: 'in progress' },
      { op: 'AddInteger', type: 'WorkOrder', pk: 'wo-merge', path: ['visits'], value: 1 },
      { op: 'ListInsert', type: 'WorkOrder', pk: 'wo-merge', path: ['tasks', 0], value: { title: 'shut water', done: false } as never },
    ]);
    b.write([
      { op: 'Set', type: 'WorkOrder', pk: 'wo-merge', path: ['notes'], value: 'customer not home' },
      { op: 'AddInteger', type: 'WorkOrder', pk: 'wo-merge', path: ['visits'], value: 2 },
      { op: 'ListInsert', type: 'WorkOrder', pk: 'wo-merge', path: ['tasks', 0], value: { title: 'order part', done: false } as never },
    ]);
    await a.connect();
    await b.connect();
    await a.sync();
    await b.sync();
    await a.sync();
    const rec = a.state.get('WorkOrder', 'wo-merge')!;
    expect(rec.status).toBe('in progress');
    expect(rec.notes).toBe('customer not home');
    expect(rec.visits).toBe(3);
    expect((rec.tasks as { title: string }[]).map((t) => t.title).sort()).toEqual(['order part', 'shut water']);
    expect(b.state.toCanonical()).toEqual(a.state.toCanonical());
  });

  it('a subscription change bootstraps the new objects and removes the old ones', async () => {
    const admin = open(ana.accessToken);
    await admin.connect();
    await admin.subscribe(everything);
    for (let i = 0; i < 10; i++) admin.write(workOrder(`n${i}`, ana.userId, { region: 'north-sub' }));
    for (let i = 0; i < 6; i++) admin.write(workOrder(`s${i}`, ana.userId, { region: 'south-sub' }));
    await admin.sync();
    const tech = open(ben.accessToken);
    await tech.connect();
    await tech.subscribe([{ objectType: 'WorkOrder', query: 'region == $0', args: ['north-sub'] }]);
    expect([...tech.state.objects('WorkOrder')].length).toBe(10);
    await tech.subscribe([{ objectType: 'WorkOrder', query: 'region == $0', args: ['south-sub'] }]);
    expect([...tech.state.objects('WorkOrder')].map((r) => r._id).sort()).toEqual(['s0', 's1', 's2', 's3', 's4', 's5']);
    // Another client's change moves an object into the view.
    admin.write([{ op: 'Set', type: 'WorkOrder', pk: 'n0', path: ['region'], value: 'south-sub' }]);
    await admin.sync();
    await tech.sync();
    expect(tech.state.get('WorkOrder', 'n0')?.region).toBe('south-sub');
  });

  it('a write without permission is reverted with a compensating write; the rest of the upload is kept', async () => {
    const a = open(ana.accessToken);
    await a.connect();
    await a.subscribe(everything);
    a.write(workOrder('wo-ana', ana.userId));
    await a.sync();
    const b = open(ben.accessToken);
    await b.connect();
    await b.subscribe(everything);
    b.write([
      { op: 'Set', type: 'WorkOrder', pk: 'wo-ana', path: ['status'], value: 'hijacked' },
      ...workOrder('wo-ben', ben.userId),
    ]);
    await b.sync();
    await b.until(() => b.errors.some((e) => e.code === 'compensating_write'));
    const err = b.errors.find((e) => e.code === 'compensating_write')!;
    expect(err.action).toBe('none');
    expect(err.compensatingWrites?.[0]).toMatchObject({ type: 'WorkOrder', pk: 'wo-ana' });
    expect(err.compensatingWrites?.[0]?.reason).toMatch(/permission/);
    await b.sync();
    expect(b.state.get('WorkOrder', 'wo-ana')?.status).toBe('open');
    expect(b.state.get('WorkOrder', 'wo-ben')?.assigneeId).toBe(ben.userId);
    await a.sync();
    expect(a.state.get('WorkOrder', 'wo-ana')?.status).toBe('open');
    expect(a.state.get('WorkOrder', 'wo-ben')).toBeDefined();
  });

  it('a new object outside the subscription is reverted', async () => {
    const b = open(ben.accessToken);
    await b.connect();
    await b.subscribe([{ objectType: 'WorkOrder', query: 'region == $0', args: ['east'] }]);
    b.write(workOrder('wo-west', ben.userId, { region: 'west' }));
    await b.sync();
    await b.until(() => b.errors.some((e) => e.code === 'compensating_write'));
    expect(b.errors.find((e) => e.code === 'compensating_write')!.compensatingWrites?.[0]?.reason).toMatch(/write_outside_view/);
    await b.sync();
    expect(b.state.get('WorkOrder', 'wo-west')).toBeUndefined();
  });

  it('a duplicate upload after a lost acknowledgement is applied once', async () => {
    const a = open(ana.accessToken);
    await a.connect();
    await a.subscribe(everything);
    a.write(workOrder('wo-dup', ana.userId));
    await a.sync();
    a.write([{ op: 'AddInteger', type: 'WorkOrder', pk: 'wo-dup', path: ['visits'], value: 5 }]);
    // The same UPLOAD three times, as after reconnects that lost the acknowledgement.
    a.uploadPending();
    a.uploadPending();
    await a.sync();
    a.disconnect();
    await a.connect();
    await a.sync();
    const check = open(ana.accessToken);
    await check.connect();
    await check.subscribe(everything);
    expect(check.state.get('WorkOrder', 'wo-dup')?.visits).toBe(5);
  });

  it('answers bad frames with a typed ERROR and closes; other sessions are unaffected', async () => {
    const cases: [string, string][] = [
      ['not json at all', 'bad_message'],
      ['{"t":"HELLO"}', 'unknown_message'],
      [JSON.stringify({ t: 'BIND', protocolVersion: 'one', fileIdent: null, salt: null }), 'bad_message'],
      ['{"t":"BIND","protocolVersion":1,"fileIdent":null,"salt":null,"__proto__":{"admin":true}}', 'bad_message'],
      [JSON.stringify({ t: 'UPLOAD', changesets: [] }), 'bad_session_state'],
      [JSON.stringify({ t: 'BIND', protocolVersion: 999, fileIdent: null, salt: null }), 'protocol_version'],
      ['x'.repeat(3 * 1024 * 1024), 'frame_too_large'],
    ];
    for (const [frame, code] of cases) {
      const r = await raw();
      r.ws.send(frame);
      const closeCode = await r.closed;
      expect(r.messages.at(-1), frame.slice(0, 60)).toMatchObject({ t: 'ERROR', code });
      expect(closeCode).toBe(4000);
    }
    await stillServed();
  });

  it('throttles a message flood', async () => {
    const r = await raw();
    for (let i = 0; i < 400; i++) r.ws.send(encodeMessage({ t: 'PING', timestamp: i }));
    await r.closed;
    expect(r.messages.at(-1)).toMatchObject({ t: 'ERROR', code: 'rate_limited', action: 'retry' });
    await stillServed();
  });

  it('refuses upgrades without a valid token, from other origins, or with a token in the URL', async () => {
    expect(await upgradeStatus({})).toBe(401);
    expect(await upgradeStatus({ authorization: `Bearer ${await forgeToken(ana.userId, { expiresInSeconds: -10 })}` })).toBe(401);
    expect(await upgradeStatus({ authorization: `Bearer ${await forgeToken(ana.userId, { audience: 'someone-else' })}` })).toBe(401);
    expect(await upgradeStatus({ authorization: `Bearer ${await forgeToken(ana.userId, { secret: 'x'.repeat(48) })}` })).toBe(401);
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: ana.userId, iss: 'outpost:test', aud: 'test', exp: 9999999999 })).toString('base64url')}.`;
    expect(await upgradeStatus({ authorization: `Bearer ${none}` })).toBe(401);
    expect(await upgradeStatus({ authorization: `Bearer ${ana.accessToken}`, origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus({ authorization: `Bearer ${ana.accessToken}`, origin: ALLOWED_ORIGIN })).toBe(101);
    expect(await upgradeStatus({}, ['outpost', `outpost.bearer.${ana.accessToken}`])).toBe(101);
    expect(await upgradeStatus({}, ['outpost'], `/api/sync?access_token=${ana.accessToken}`)).toBe(400);
    await stillServed();
  });

  it('answers a gap in client versions with bad_client_version', async () => {
    const r = await raw();
    r.ws.send(encodeMessage({ t: 'BIND', protocolVersion: PROTOCOL_VERSION, fileIdent: null, salt: null }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ident = r.messages.find((m) => m.t === 'IDENT');
    r.ws.send(encodeMessage({ t: 'IDENT', fileIdent: ident.fileIdent, salt: ident.salt, cursor: { serverVersion: 0, clientVersion: 0 }, subscriptions: { version: 0, queries: [] } }));
    r.ws.send(encodeMessage({ t: 'UPLOAD', changesets: [{ clientVersion: 3, base: 0, changeset: { origin: ident.fileIdent, timestamp: 1, instructions: [] } }] }));
    await r.closed;
    expect(r.messages.at(-1)).toMatchObject({ t: 'ERROR', code: 'bad_client_version' });
    await stillServed();
  });

  it('rejects hostile subscription queries with QUERY_ERROR and keeps the session', async () => {
    const c = open(ana.accessToken);
    await c.connect();
    const hostile = [
      '('.repeat(10_000) + 'TRUEPREDICATE' + ')'.repeat(10_000),
      `title == "${'x'.repeat(1_000_000)}"`,
      '__proto__ == 1',
      'title == "a" SORT(title ASC)',
      'notes == "x"',
    ];
    for (const query of hostile) {
      const version = c.subscriptions.version + 1;
      c.requestSubscriptions([{ objectType: 'WorkOrder', query, args: [] }]);
      await c.until(() => c.queryErrors.some((e) => (e as { version: number }).version === version) || !c.connected);
    }
    expect(c.queryErrors.length).toBeGreaterThanOrEqual(4);
    expect(c.connected).toBe(true);
    await stillServed();
  });

  it('an expired token mid-session gets token_expired; the client comes back and loses nothing', async () => {
    const short = await forgeToken(ana.userId, { expiresInSeconds: 3 });
    const c = open(short);
    await c.connect();
    await c.subscribe(everything);
    await c.until(() => c.errors.some((e) => e.code === 'token_expired'), 10_000);
    expect(c.errors.find((e) => e.code === 'token_expired')?.action).toBe('refresh_token');
    // Offline now: a write waits, then goes up with a new token.
    c.write(workOrder('wo-expired', ana.userId));
    await c.connect(ana.accessToken);
    await c.sync();
    const check = open(ana.accessToken);
    await check.connect();
    await check.subscribe(everything);
    expect(check.state.get('WorkOrder', 'wo-expired')).toBeDefined();
  });

  it('REFRESH renews a running session', async () => {
    const short = await forgeToken(ana.userId, { expiresInSeconds: 3 });
    const c = open(short);
    await c.connect();
    c.send({ t: 'REFRESH', token: ana.accessToken });
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(c.connected).toBe(true);
    expect(c.errors).toEqual([]);
  });

  it('a data API write goes through the history and reaches clients', async () => {
    const res = await api(server.url, 'POST', '/api/data/WorkOrder/insert', { object: { _id: 'wo-api', title: 'From the API', status: 'open', assigneeId: ana.userId, region: 'north' } }, ADMIN_KEY);
    expect(res.status).toBe(201);
    await watcher.sync();
    expect(watcher.state.get('WorkOrder', 'wo-api')?.title).toBe('From the API');
    const q = await api(server.url, 'POST', '/api/data/WorkOrder/query', { query: 'title == $0', args: ['From the API'] }, ADMIN_KEY);
    expect(q.json.objects).toHaveLength(1);
    const denied = await api(server.url, 'POST', '/api/data/WorkOrder/update', { pk: 'wo-api', set: { status: 'done' } }, ben.accessToken);
    expect(denied.status).toBe(403);
  });
});
