import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runStoreContractTests } from '../testing/store-contract/index.ts';
import { SCHEMA_VERSION } from './ddl.ts';
import { SqliteStore } from './sqlite.ts';
import type { ServerStore } from './types.ts';

runStoreContractTests('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-store-'));
  let current: ServerStore = SqliteStore.open({ dir: join(dir, 'data') });
  return {
    store: current,
    reopen: async () => {
      await current.close();
      current = SqliteStore.open({ dir: join(dir, 'data') });
      return current;
    },
    cleanup: async () => {
      await current.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteStore specifics', () => {
  it('creates the data directory, uses WAL with synchronous=FULL, and records the schema version', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-store-'));
    try {
      const data = join(dir, 'nested', 'data');
      const store = SqliteStore.open({ dir: data });
      expect(statSync(data).isDirectory()).toBe(true);
      expect(store.location).toBe(join(data, 'outpost.db'));
      await store.close();
      const db = new Database(join(data, 'outpost.db'));
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get()).toEqual({ value: String(SCHEMA_VERSION) });
      db.close();
      // synchronous is per connection: check what the store's own connection runs with.
      const again = SqliteStore.open({ dir: data });
      expect((again as unknown as { writer: { db: Database.Database } }).writer.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a database written by a newer server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-store-'));
    try {
      const store = SqliteStore.open({ dir });
      await store.close();
      const db = new Database(join(dir, 'outpost.db'));
      db.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(String(SCHEMA_VERSION + 1));
      db.close();
      expect(() => SqliteStore.open({ dir })).toThrow(/newer than this server/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
