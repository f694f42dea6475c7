import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStoreContractTests } from '../testing/store-contract/index.ts';
import { changeset, waitFor } from '../testing/store-contract/fixtures.ts';
import { PostgresStore } from './postgres.ts';
import { adminClient, dropSchema, openTestStore, PG_TEST, uniqueSchema } from '../testing/shared-postgres.ts';
import type { ServerStore } from './types.ts';

beforeAll(async () => {
  // Fail loudly, up front, when PostgreSQL is not there.
  const c = await adminClient();
  await c.end();
});

runStoreContractTests('postgres', async () => {
  const schema = uniqueSchema();
  const opened: ServerStore[] = [];
  const open = async (): Promise<ServerStore> => {
    const s = await openTestStore(schema);
    opened.push(s);
    return s;
  };
  let current = await open();
  return {
    store: current,
    peer: open,
    reopen: async () => {
      await current.close();
      current = await open();
      return current;
    },
    cleanup: async () => {
      for (const s of opened) await s.close();
      await dropSchema(schema);
    },
  };
});

describe('PostgresStore specifics', () => {
  const schema = uniqueSchema();
  afterAll(() => dropSchema(schema));

  it('two nodes migrate one schema at the same time', async () => {
    const stores = await Promise.all([openTestStore(schema), openTestStore(schema), openTestStore(schema)]);
    expect(await stores[1]!.latestVersion()).toBe(0);
    for (const s of stores) await s.close();
  });

  it('the doorbell reconnects after its connection is killed and rings for what it missed', async () => {
    const a = await openTestStore(schema);
    const b = await openTestStore(schema);
    try {
      const heard: number[] = [];
      b.onAppend((v) => heard.push(v));
      const pid = b.doorbell!.listenerPid;
      expect(pid).toBeTypeOf('number');
      const admin = await adminClient();
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await admin.end();
      const v = await a.transaction((tx) => tx.appendHistory({ origin: 1, originVersion: 1, privateTo: null, changeset: changeset(1, 1, []) }));
      await waitFor(() => heard.includes(v), 10_000);
      expect(b.doorbell!.connects).toBeGreaterThanOrEqual(2);
      const v2 = await a.transaction((tx) => tx.appendHistory({ origin: 1, originVersion: 2, privateTo: null, changeset: changeset(1, 2, []) }));
      await waitFor(() => heard.includes(v2), 10_000);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('does not leak the password into its location', async () => {
    const s = await PostgresStore.open({ connection: `postgres://${PG_TEST.user}:secret@${PG_TEST.host}:${PG_TEST.port}/${PG_TEST.database}`, schema });
    expect(s.location).not.toContain('secret');
    expect(s.location).toContain(schema);
    await s.close();
  });

  it('fails with a clear error when the server cannot be reached', async () => {
    await expect(PostgresStore.open({ connection: { host: '127.0.0.1', port: 1, user: 'postgres', database: 'test', connectionTimeoutMillis: 2000 }, schema })).rejects.toThrow(
      /cannot open/,
    );
  });
});
