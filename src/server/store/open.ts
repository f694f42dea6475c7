import { MemoryStore } from './memory.ts';
import { PostgresStore, type PostgresTimeouts } from './postgres.ts';
import { SqliteStore } from './sqlite.ts';
import type { ServerStore } from './types.ts';

export interface OpenStoreOptions {
  /** PostgreSQL: the schema holding the tables (default `public`). */
  readonly pgSchema?: string;
  /** PostgreSQL: pooled connections (default 10). */
  readonly pgPoolSize?: number;
  readonly pgTimeouts?: PostgresTimeouts;
  readonly onError?: (err: Error, where: string) => void;
}

/**
 * Opens the store a configuration names: a `postgres://` (or `postgresql://`) URL, `memory:`
 * (tests only: nothing is kept), or else a directory for the embedded SQLite store.
 */
export async function openStore(spec: string, options: OpenStoreOptions = {}): Promise<ServerStore> {
  if (/^postgres(ql)?:\/\//i.test(spec)) {
    return PostgresStore.open({
      connection: spec,
      ...(options.pgSchema !== undefined ? { schema: options.pgSchema } : {}),
      ...(options.pgPoolSize !== undefined ? { poolSize: options.pgPoolSize } : {}),
      ...(options.pgTimeouts ? { timeouts: options.pgTimeouts } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }
  if (spec === 'memory:') return new MemoryStore();
  return SqliteStore.open({ dir: spec });
}
