import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instruction } from '../../changeset/index.ts';
import { ADMIN_KEY, api, baseConfig, client, everything, startServerProcess, user, workOrder, type ServerProcess } from '../testing/server-process.ts';
import type { ProtocolClient } from '../testing/protocol-client.ts';

/*
 * The conflict journal on PostgreSQL with two server nodes: a loss decided on one node reaches
 * the loser's session on the other (the doorbell, then one journal read per node). Fails loudly
 * when PostgreSQL is not reachable.
 */

const PG_URL = process.env.OUTPOST_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const pgSchema = `outpost_conflicts_${process.pid}_${Date.now().toString(36)}`;
let nodeA: ServerProcess;
let nodeB: ServerProcess;
const opened: ProtocolClient[] = [];

beforeAll(async () => {
  const probe = new pg.Client({ connectionString: PG_URL });
  await probe.connect();
  await probe.end();
  // Everyone may write every work order here: the test is about where the journal reaches.
  const config = baseConfig(PG_URL, { postgres: { schema: pgSchema }, roles: { default: [{ name: 'all', applyWhen: true, read: true, write: true }] } });
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

const title = (id: string, value: string): Instruction[] => [{ op: 'Set', type: 'WorkOrder', pk: id, path: ['title'], value }];

describe('the conflict journal on PostgreSQL', () => {
  it('tells the loser on node A, live, of a loss decided on node B', async () => {
    const ana = await user(nodeA.url, 'ana-conflict-pg@example.com');
    const ben = await user(nodeA.url, 'ben-conflict-pg@example.com');
    const a = client(nodeA.wsUrl, ana.accessToken);
    const b = client(nodeB.wsUrl, ben.accessToken);
    opened.push(a, b);
    await a.connect();
    await a.subscribe(everything);
    a.write(workOrder('wo-pg-c', ana.userId));
    await a.sync();
    await b.connect();
    await b.subscribe(everything);
    b.disconnect();
    a.write(title('wo-pg-c', 'Ana first'));
    await a.sync();
    await new Promise((r) => setTimeout(r, 20));
    b.write(title('wo-pg-c', 'Ben later, offline'));
    await b.connect();
    await b.sync();
    await a.until(() => [...a.conflicts.values()].some((e) => e.pk === 'wo-pg-c'));
    expect([...a.conflicts.values()].find((e) => e.pk === 'wo-pg-c')).toMatchObject({
      kind: 'overwritten',
      path: ['title'],
      loser: { userId: ana.userId, origin: a.fileIdent },
      winner: { userId: ben.userId, origin: b.fileIdent },
      lost: { value: 'Ana first' },
      won: { value: 'Ben later, offline' },
    });
    const journal = await api(nodeB.url, 'GET', '/api/admin/conflicts', undefined, ADMIN_KEY);
    expect(journal.json.conflicts).toHaveLength(1);
  });
});
