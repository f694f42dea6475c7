import pg from 'pg';
import { PostgresStore } from '../store/postgres.ts';

/*
 * Test support for the PostgreSQL tests: the real server at 127.0.0.1:5432 (user postgres,
 * database test). Unreachable is a failure with a clear message, never a skip.
 */

export const PG_TEST = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' } as const;
export const PG_TEST_URL = `postgres://${PG_TEST.user}@${PG_TEST.host}:${PG_TEST.port}/${PG_TEST.database}`;

let counter = 0;

/** A schema name unique to this process and call. */
export function uniqueSchema(prefix = 'outpost_t'): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${(counter++).toString(36)}`;
}

export async function adminClient(): Promise<pg.Client> {
  const client = new pg.Client(PG_TEST);
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is unreachable at ${PG_TEST.host}:${PG_TEST.port} (user ${PG_TEST.user}, database ${PG_TEST.database}): ${(err as Error).message}. ` +
        'These tests need the real server; they do not skip.',
    );
  }
  return client;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = await adminClient();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

export function openTestStore(schema: string): Promise<PostgresStore> {
  return PostgresStore.open({ connection: { ...PG_TEST }, schema, poolSize: 5, onError: () => {} });
}
