import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, api, baseConfig, client, everything, METRICS_TOKEN, startServerProcess, user, workOrder, type ServerProcess } from '../testing/server-process.ts';
import type { ProtocolClient } from '../testing/protocol-client.ts';

/*
 * The dashboard's view of several nodes: two real server processes on the real PostgreSQL of
 * this machine. Either node lists the sessions of both (with their node), the metrics of both,
 * ends a session served by the other (NOTIFY), and forgets a node that died once its heartbeat
 * lapses. Client files show the node that served them; reset and retire refuse the ident after.
 */

const PG_URL = process.env.OUTPOST_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const pgSchema = `outpost_nodes_${process.pid}_${Date.now().toString(36)}`;
let nodeA: ServerProcess;
let nodeB: ServerProcess;
const opened: ProtocolClient[] = [];

const admin = (node: ServerProcess, method: string, path: string, body?: unknown) => api(node.url, method, `/api/admin${path}`, body, ADMIN_KEY);

interface Listed {
  clientFile: number;
  node: string;
  userId: string;
}

async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  const probe = new pg.Client({ connectionString: PG_URL });
  await probe.connect(); // throws (and fails the suite) when PostgreSQL is down
  await probe.end();
  nodeA = await startServerProcess(baseConfig(PG_URL, { postgres: { schema: pgSchema }, nodeId: 'node-a' }));
  nodeB = await startServerProcess(baseConfig(PG_URL, { postgres: { schema: pgSchema }, nodeId: 'node-b' }));
}, 120_000);

afterAll(async () => {
  for (const c of opened) c.disconnect();
  await nodeA?.stop();
  await nodeB?.stop();
  const db = new pg.Client({ connectionString: PG_URL });
  await db.connect();
  await db.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
  await db.end();
});

describe('the dashboard over two nodes on PostgreSQL', () => {
  it('lists, measures and disconnects sessions of both nodes; a dead node disappears; client files reset and retire', async () => {
    const ana = await user(nodeA.url, 'ana-nodes@example.com');
    const ben = await user(nodeB.url, 'ben-nodes@example.com');
    const a1 = client(nodeA.wsUrl, ana.accessToken);
    const a2 = client(nodeA.wsUrl, ana.accessToken);
    const b1 = client(nodeB.wsUrl, ben.accessToken);
    opened.push(a1, a2, b1);
    for (const c of [a1, a2, b1]) {
      await c.connect();
      await c.subscribe(everything);
    }

    // Node A lists node B's session too, each with its node.
    const listed = await eventually(
      async () => (await admin(nodeA, 'GET', '/sessions')).json.sessions as Listed[],
      (s) => s.length === 3,
      'three sessions on node A',
    );
    expect(listed.map((s) => [s.clientFile, s.node]).sort()).toEqual(
      [
        [a1.fileIdent, 'node-a'],
        [a2.fileIdent, 'node-a'],
        [b1.fileIdent, 'node-b'],
      ].sort(),
    );
    expect(listed.find((s) => s.node === 'node-b')!.userId).toBe(ben.userId);

    // A write uploaded on node A reaches the other session there: the latency is measured.
    a1.write(workOrder('n-1', ana.userId));
    await a1.sync();
    await a2.until(() => a2.state.get('WorkOrder', 'n-1') !== undefined);
    await b1.until(() => b1.state.get('WorkOrder', 'n-1') !== undefined);
    const text = await (await fetch(`${nodeA.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    const count = Number(/^outpost_sync_upload_download_seconds_count (\d+)/m.exec(text)?.[1]);
    expect(count).toBeGreaterThanOrEqual(1);

    // Both nodes' metrics, from either node.
    const metrics = await admin(nodeB, 'GET', '/metrics/history');
    expect(metrics.json.node).toBe('node-b');
    expect(metrics.json.nodes.map((n: { node: string }) => n.node)).toEqual(['node-b', 'node-a']);
    expect(metrics.json.nodes[1].samples.length).toBeGreaterThanOrEqual(1);

    // Disconnect, asked on node A, of a session node B serves.
    const off = await admin(nodeA, 'POST', `/sessions/${b1.fileIdent}/disconnect`);
    expect(off.json).toEqual({ ended: 0, asked: ['node-b'] });
    await b1.until(() => b1.closedWith !== undefined);
    expect(b1.errors.at(-1)?.message).toMatch(/administrator/);
    await eventually(
      async () => (await admin(nodeA, 'GET', '/sessions')).json.sessions as Listed[],
      (s) => s.length === 2 && s.every((x) => x.node === 'node-a'),
      'node B\'s session gone',
    );

    // Client files: versions, user, and the node that served each.
    const files = (await admin(nodeA, 'GET', '/client-files')).json.clientFiles as { ident: number; node: string | null; live: boolean; userId: string; clientVersion: number; serverVersion: number }[];
    const fileB = files.find((f) => f.ident === b1.fileIdent)!;
    expect(fileB).toMatchObject({ node: 'node-b', live: false, userId: ben.userId });
    expect(files.find((f) => f.ident === a1.fileIdent)).toMatchObject({ node: 'node-a', live: true, clientVersion: 1 });

    // A node that dies (no shutdown) disappears once its heartbeat lapses.
    await b1.connect();
    await eventually(async () => (await admin(nodeA, 'GET', '/sessions')).json.sessions as Listed[], (s) => s.length === 3, 'Ben back on node B');
    await nodeB.kill();
    await eventually(async () => (await admin(nodeA, 'GET', '/sessions')).json.sessions as Listed[], (s) => s.length === 2, 'node B gone from the sessions');
    expect((await admin(nodeA, 'GET', '/metrics/history')).json.nodes.map((n: { node: string }) => n.node)).toEqual(['node-a']);

    // Retire: the ident is refused for good, nothing recovered. Reset: refused, with recovery.
    expect((await admin(nodeA, 'POST', `/client-files/${b1.fileIdent}/retire`)).json).toEqual({ retired: 1 });
    b1.disconnect();
    const again = client(nodeA.wsUrl, ben.accessToken);
    opened.push(again);
    again.fileIdent = b1.fileIdent;
    again.salt = b1.salt;
    await again.open().catch(() => {});
    await again.until(() => again.errors.length > 0);
    expect(again.errors[0]).toMatchObject({ code: 'bad_client_file', action: 'client_reset_no_recovery' });
    expect((await admin(nodeA, 'POST', `/client-files/${b1.fileIdent}/retire`)).status).toBe(400);

    expect((await admin(nodeA, 'POST', `/client-files/${a2.fileIdent}/reset`)).json).toEqual({ reset: 1 });
    await a2.until(() => a2.errors.some((e) => e.code === 'bad_client_file'));
    expect(a2.errors.find((e) => e.code === 'bad_client_file')).toMatchObject({ action: 'client_reset' });
    const after = (await admin(nodeA, 'GET', '/client-files')).json.clientFiles as { ident: number; retired: { action: string } | null }[];
    expect(after.find((f) => f.ident === b1.fileIdent)!.retired).toMatchObject({ action: 'client_reset_no_recovery' });
    expect(after.find((f) => f.ident === a2.fileIdent)!.retired).toMatchObject({ action: 'client_reset' });
    expect(after.find((f) => f.ident === a1.fileIdent)!.retired).toBeNull();
    expect(nodeA.output()).toMatch(/"admin":"admin-key".*"clientFile":\d+,"action":"retire"/);
  }, 120_000);
});
