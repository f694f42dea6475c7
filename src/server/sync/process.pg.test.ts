import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, client, everything, startServerProcess, user, workOrder, type ServerProcess } from '../testing/server-process.ts';
import type { ProtocolClient } from '../testing/protocol-client.ts';

/*
 * The server on the real PostgreSQL of this machine (127.0.0.1:5432, database `test`), as one
 * process and as two processes sharing one database: a write accepted on node A reaches a
 * client of node B (appends serialized in the database, LISTEN/NOTIFY as the doorbell). Fails
 * loudly when PostgreSQL is not reachable.
 */

const PG_URL = process.env.OUTPOST_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const pgSchema = `outpost_proc_${process.pid}_${Date.now().toString(36)}`;
let nodeA: ServerProcess;
let nodeB: ServerProcess;
const opened: ProtocolClient[] = [];

beforeAll(async () => {
  const probe = new pg.Client({ connectionString: PG_URL });
  await probe.connect(); // throws (and fails the suite) when PostgreSQL is down
  await probe.end();
  const config = baseConfig(PG_URL, { postgres: { schema: pgSchema } });
  nodeA = await startServerProcess(config);
  nodeB = await startServerProcess(config);
}, 120_000);

afterAll(async () => {
  for (const c of opened) c.disconnect();
  await nodeA?.stop();
  await nodeB?.stop();
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
  await admin.end();
});

describe('sync on PostgreSQL', () => {
  it('serves a session on PostgreSQL', async () => {
    const ana = await user(nodeA.url, 'ana-pg@example.com');
    const c = client(nodeA.wsUrl, ana.accessToken);
    opened.push(c);
    await c.connect();
    await c.subscribe(everything);
    c.write(workOrder('pg-1', ana.userId));
    c.write([{ op: 'AddInteger', type: 'WorkOrder', pk: 'pg-1', path: ['visits'], value: 2 }]);
    await c.sync();
    const d = client(nodeA.wsUrl, ana.accessToken);
    opened.push(d);
    await d.connect();
    await d.subscribe(everything);
    expect(d.state.get('WorkOrder', 'pg-1')?.visits).toBe(2);
  });

  it('two server nodes on one database: a write on node A reaches a client of node B', async () => {
    const ana = await user(nodeA.url, 'ana-two@example.com');
    const onA = client(nodeA.wsUrl, ana.accessToken);
    // The same user logs in on node B: both nodes share users and tokens through the database.
    const onB = client(nodeB.wsUrl, ana.accessToken);
    opened.push(onA, onB);
    for (const c of [onA, onB]) {
      await c.connect();
      await c.subscribe(everything);
    }
    onA.write(workOrder('two-nodes', ana.userId, { title: 'written on A' }));
    await onA.sync();
    await onB.until(() => onB.state.get('WorkOrder', 'two-nodes') !== undefined, 15_000);
    expect(onB.state.get('WorkOrder', 'two-nodes')?.title).toBe('written on A');
    // And back, concurrently from both sides.
    onB.write([{ op: 'AddInteger', type: 'WorkOrder', pk: 'two-nodes', path: ['visits'], value: 3 }]);
    onA.write([{ op: 'AddInteger', type: 'WorkOrder', pk: 'two-nodes', path: ['visits'], value: 4 }]);
    await onB.sync();
    await onA.sync();
    await onA.until(() => onA.state.get('WorkOrder', 'two-nodes')?.visits === 7, 15_000);
    await onB.until(() => onB.state.get('WorkOrder', 'two-nodes')?.visits === 7, 15_000);
    expect(onA.state.toCanonical()).toEqual(onB.state.toCanonical());
  });
});
