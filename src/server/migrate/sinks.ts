import { ERROR_CODES, OutpostError, type ErrorCode } from '../../errors.ts';
import { parseSchema, type ObjectSchemaInput, type Schema } from '../../model/index.ts';
import type { OutpostConfig } from '../config/load.ts';
import { openStore } from '../store/open.ts';
import { DataApi } from '../sync/data-api.ts';
import { SyncEngine } from '../sync/engine.ts';
import type { InsertDocument, InsertDocuments, InsertOutcome } from './import-data.ts';
import type { InsertManyResult } from '../sync/data-api.ts';

/*
 * Where `outpost import-data` sends documents. Both go through the data API's insert, so each
 * document is a changeset in the history: a running server (over HTTP, with the admin key;
 * connected clients receive the documents as they arrive), or the configured store opened
 * directly while no server runs on it (clients receive the documents when they next connect).
 */

export interface Sink {
  readonly schema: Schema;
  readonly insert: InsertDocument;
  /** Many documents in one changeset (the data API's insertMany). */
  readonly insertMany: InsertDocuments;
  close(): Promise<void>;
}

function errorFrom(status: number, body: unknown): OutpostError {
  const e = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof e?.code === 'string' && (ERROR_CODES as readonly string[]).includes(e.code) ? (e.code as ErrorCode) : 'internal';
  return new OutpostError(code, typeof e?.message === 'string' ? e.message : `the server answered HTTP ${status}`);
}

/** A running server's data API. The schema checked against is the server's own (GET /api/admin/schema). */
export async function serverSink(url: string, adminKey: string): Promise<Sink> {
  const base = url.replace(/\/+$/, '');
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` };
  const res = await fetch(`${base}/api/admin/schema`, { headers });
  const body = (await res.json().catch(() => undefined)) as { schema?: ObjectSchemaInput[] } | undefined;
  if (res.status !== 200 || !body?.schema) throw errorFrom(res.status, body);
  return {
    schema: parseSchema(body.schema),
    async insert(type, object) {
      const r = await fetch(`${base}/api/data/${encodeURIComponent(type)}/insert`, { method: 'POST', headers, body: JSON.stringify({ object }) });
      if (r.status === 201) {
        await r.arrayBuffer();
        return 'inserted';
      }
      const err = errorFrom(r.status, await r.json().catch(() => undefined));
      if (err.code === 'object_exists') return 'exists';
      throw err;
    },
    async insertMany(type, objects) {
      // Requests stay well under the server's body limit (limits.maxBodyBytes, 1 MiB by default).
      const out: (InsertOutcome | OutpostError)[] = [];
      for (const chunk of byteChunks(objects, 512 * 1024)) {
        const r = await fetch(`${base}/api/data/${encodeURIComponent(type)}/insertMany`, { method: 'POST', headers, body: JSON.stringify({ objects: chunk }) });
        const body = (await r.json().catch(() => undefined)) as { results?: InsertManyResult[] } | undefined;
        if (r.status !== 200 || !Array.isArray(body?.results)) throw errorFrom(r.status, body);
        out.push(...body.results.map(outcomeOf));
      }
      return out;
    },
    close: async () => {},
  };
}

/** Consecutive groups of objects whose JSON stays under `max` bytes (a larger object goes alone). */
function byteChunks(objects: readonly unknown[], max: number): unknown[][] {
  const chunks: unknown[][] = [];
  let current: unknown[] = [];
  let size = 0;
  for (const o of objects) {
    const n = Buffer.byteLength(JSON.stringify(o)) + 1;
    if (current.length > 0 && size + n > max) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(o);
    size += n;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function outcomeOf(r: InsertManyResult): InsertOutcome | OutpostError {
  if (r === 'inserted' || r === 'exists') return r;
  const code = (ERROR_CODES as readonly string[]).includes(r.error.code) ? (r.error.code as ErrorCode) : 'internal';
  return new OutpostError(code, r.error.message);
}

/** The configured store, opened directly (no server may be running on it). */
export async function storeSink(config: OutpostConfig): Promise<Sink> {
  const store = await openStore(config.storeSpec, {
    ...(config.store.kind === 'postgres' ? { pgSchema: config.store.schema, pgPoolSize: config.store.poolSize, pgTimeouts: config.store.timeouts } : {}),
  });
  try {
    const engine = await SyncEngine.open({ store, schema: config.schema, developmentMode: config.developmentMode, queryable: config.queryableFields });
    const api = new DataApi(engine);
    return {
      schema: engine.schema,
      async insert(type, object) {
        try {
          await api.handle({ kind: 'admin' }, { action: 'insert', type, body: { object: object as Record<string, unknown> } });
          return 'inserted';
        } catch (err) {
          if (err instanceof OutpostError && err.code === 'object_exists') return 'exists';
          throw err;
        }
      },
      async insertMany(type, objects) {
        const r = await api.handle({ kind: 'admin' }, { action: 'insertMany', type, body: { objects: objects as unknown[] } });
        return (r.body as { results: InsertManyResult[] }).results.map(outcomeOf);
      },
      async close() {
        engine.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
