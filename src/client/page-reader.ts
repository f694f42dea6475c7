import type { Schema } from '../model/index.ts';
import type { CompiledQuery } from '../query/index.ts';
import type { StoredRecord } from '../worker-api/codec.ts';
import { IndexLayout } from '../worker/index-keys.ts';
import { orderByDescriptors } from '../worker/live.ts';
import { compileSpec, specKey, type QuerySpec } from '../worker-api/query-spec.ts';
import { matchQuery } from '../worker/query-runner.ts';
import { define, type OutpostDexie } from '../worker/store.ts';

/*
 * One-shot queries (`toArray()`) read IndexedDB from the page itself, on a read-only connection of
 * its own: the same index plan and code as the worker (query-runner.ts), without the two hops
 * through the worker, which were most of a small indexed query. IndexedDB gives every read
 * transaction a committed state, so a query sees a write either wholly or not at all, and a
 * write that resolved is seen. Where this cannot serve (a query that follows links, a connection
 * closed for an upgrade, any storage failure) the query goes to the worker as before, which then
 * answers with its typed error.
 */

export class PageReader {
  private db: OutpostDexie | undefined;
  private opening: Promise<OutpostDexie | undefined> | undefined;
  private off = false;
  private readonly layout: IndexLayout;
  private readonly compiled = new Map<string, CompiledQuery>();

  constructor(
    private readonly name: string,
    private readonly schema: Schema,
  ) {
    this.layout = new IndexLayout(schema);
  }

  /** The rows of a query, or undefined when the worker should answer it. */
  async query(spec: QuerySpec): Promise<StoredRecord[] | undefined> {
    if (this.off) return undefined;
    const q = this.compile(spec);
    if (q.needsResolver) return undefined;
    const db = this.db ?? (await (this.opening ??= this.open()));
    if (!db) return undefined;
    try {
      const m = await matchQuery(db, this.layout, q);
      if (q.descriptors.length === 0) return m.stored;
      const byKey = new Map(m.keys.map((k, i) => [k, m.stored[i]!]));
      return orderByDescriptors(q, m.keys, m.records, undefined).map((k) => byKey.get(k)!);
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.off = true;
    this.db?.close();
    this.db = undefined;
  }

  private compile(spec: QuerySpec): CompiledQuery {
    const key = specKey(spec);
    let q = this.compiled.get(key);
    if (!q) {
      q = compileSpec(this.schema, spec);
      if (this.compiled.size >= 200) this.compiled.delete(this.compiled.keys().next().value!);
      this.compiled.set(key, q);
    }
    return q;
  }

  private async open(): Promise<OutpostDexie | undefined> {
    const db = define(this.name, undefined, 'default');
    // Another tab upgrades the database: step aside (the worker reports it), never block it.
    db.on('versionchange', () => {
      this.close();
      return false;
    });
    try {
      await db.open();
    } catch {
      this.off = true;
      db.close();
      return undefined;
    }
    if (this.off) {
      db.close();
      return undefined;
    }
    this.db = db;
    return db;
  }
}
