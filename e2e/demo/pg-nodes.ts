import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { DemoServer } from './server.ts';

/*
 * The demo on two server nodes sharing this machine's PostgreSQL (127.0.0.1:5432, database
 * `test`): a schema of its own, seeded by the demo's seed script, then two server processes on it.
 */

const REPO = resolve(import.meta.dirname, '../..');
const PG_URL = process.env.OUTPOST_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TwoNodes {
  readonly a: DemoServer;
  readonly b: DemoServer;
  dispose(): Promise<void>;
}

export async function twoNodes(): Promise<TwoNodes> {
  const schema = `outpost_e2e_nodes_${process.pid}_${Date.now().toString(36)}`;
  const adminKey = `e2e-admin-key-${schema}-0123456789abcdef`;
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/seed-demo.ts', '--config', 'outpost.config.json', '--dev'], {
    cwd: REPO,
    env: { ...process.env, OUTPOST_STORE: PG_URL, OUTPOST_PG_SCHEMA: schema, OUTPOST_ADMIN_KEY: adminKey, OUTPOST_LOG_LEVEL: 'warn' },
  });
  const postgres = { url: PG_URL, schema, adminKey };
  const a = await DemoServer.create({ postgres, nodeId: 'node-a' });
  const b = await DemoServer.create({ postgres, nodeId: 'node-b' });
  return {
    a,
    b,
    async dispose() {
      await a.dispose();
      await b.dispose();
      const db = new pg.Client({ connectionString: PG_URL });
      await db.connect();
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.end();
    },
  };
}
