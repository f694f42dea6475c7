import Dexie, { type Table } from 'dexie';
import { OutpostError } from '../protocol/index.ts';
import type { Storable, StoredRecord } from '../worker-api/codec.ts';
import type { IndexKey } from './index-keys.ts';
import type { LocalSubscription, SubscriptionState, WireError } from '../worker-api/api.ts';

/*
 * The worker's IndexedDB database, one per app and user (`outpost:<appId>:<userId>`):
 *
 *   objects  id     every object: `type NUL pk-string`, stored record, index entries (*ix)
 *   history  v      local changesets: every one not yet acknowledged (in its current rebased
 *                   form), plus the most recent acknowledged ones, kept for client-reset recovery
 *                   (a server restored from a backup may have lost them)
 *   meta     key    'sync': identity, cursors, clock, schema; one row, written with the data it describes
 *   subs     version  subscription sets and their states
 *   batches  ++id   downloads staged during a bootstrap (stored as they arrive, applied together
 *                   when it completes; kept across reconnects and reloads to resume from), and
 *                   client-reset STATE segments held until the last one
 *   backup   id     the objects as they were before a client reset, while its callbacks run
 *
 * Two connections: `db` with the browser's default durability, and `strict`, used for the local
 * write transaction (objects + history append) so that a write that resolved survives a crash.
 * Downloads can be fetched again, so they do not pay for a flush.
 */

export const STORAGE_VERSION = 2;

export interface ObjectRow {
  /** `rowId(t, k)`: one string key (cheaper than a compound key for large batches). */
  readonly id: string;
  readonly t: string;
  readonly k: string;
  readonly r: StoredRecord;
  readonly ix: [string, string, IndexKey][];
  /** The generation of a bootstrap applied hidden (hidden-bootstrap.ts); absent on most rows. */
  readonly g?: number;
}

/** One local changeset: its client version, origin (0 until IDENT), timestamp and instructions (one JSON text grouped by object, see codec.ts). */
export interface LocalHistoryRow {
  readonly v: number;
  readonly origin: number;
  readonly ts: number;
  readonly ops: string;
}

export interface SyncMeta {
  readonly key: 'sync';
  /** A random id of this database instance: a page that remembers another one knows it was evicted. */
  readonly dbId: string;
  readonly createdAt: number;
  readonly fileIdent: number | null;
  readonly salt: string | null;
  /** The download cursor: last server version integrated, and own client version acknowledged as of it. */
  readonly serverVersion: number;
  readonly ackedClientVersion: number;
  readonly nextClientVersion: number;
  readonly hlc: number;
  readonly latestServerVersion: number;
  /** The fingerprint of `serverVersion` as the server gave it (sent back in IDENT); '' or absent at 0. */
  readonly versionSalt?: string;
  /**
   * Set by a client reset, cleared by the first full sync after it (a MARK answered with every
   * upload acknowledged): a reset asked for again while it is set stops sync instead of looping.
   */
  readonly resetGuard?: { readonly at: number; readonly fileIdent: number } | null;
  readonly schema: string;
  readonly indexLayout: string;
}

export interface SubscriptionRow {
  readonly version: number;
  readonly state: SubscriptionState;
  readonly queries: readonly LocalSubscription[];
  readonly error?: WireError;
  readonly updatedAt: number;
}

export interface BatchRow {
  readonly id?: number;
  readonly queryVersion: number;
  /** The DOWNLOAD (or STATE) frame as received (parsed again when the last batch arrives). */
  readonly frame: string;
  /**
   * A staged DOWNLOAD only: where the client stands with every staged download up to this one
   * (the furthest cursor so far, and its version salt). A reconnect resumes the bootstrap from it.
   */
  readonly staged?: StagedCursor;
}

export interface StagedCursor {
  readonly serverVersion: number;
  readonly clientVersion: number;
  readonly versionSalt: string;
}

export interface OutpostDexie extends Dexie {
  objects: Table<ObjectRow, string>;
  history: Table<LocalHistoryRow, number>;
  meta: Table<SyncMeta | ({ key: string } & Record<string, Storable>), string>;
  subs: Table<SubscriptionRow, number>;
  batches: Table<BatchRow, number>;
  backup: Table<BackupRow, string>;
  /** The IDBKeyRange of the IndexedDB this connection uses (for reads on it directly). */
  keyRange: typeof IDBKeyRange;
}

/** One object as it was before a client reset (index entries are not needed). */
export interface BackupRow {
  readonly id: string;
  readonly t: string;
  readonly k: string;
  readonly r: StoredRecord;
}

export interface IndexedDbEnv {
  readonly indexedDB: IDBFactory;
  readonly IDBKeyRange: typeof IDBKeyRange;
}

/** A Dexie connection to the local database (the worker's two, and the page's read-only one). */
export function define(name: string, env: IndexedDbEnv | undefined, durability: 'default' | 'strict'): OutpostDexie {
  const db = new Dexie(name, {
    ...(env ? { indexedDB: env.indexedDB, IDBKeyRange: env.IDBKeyRange } : {}),
    chromeTransactionDurability: durability,
    // Dexie's optimistic query cache serves liveQuery(); Outpost has its own live queries.
    cache: 'disabled',
  }) as OutpostDexie;
  db.keyRange = env?.IDBKeyRange ?? globalThis.IDBKeyRange;
  db.version(STORAGE_VERSION).stores({
    objects: 'id, *ix',
    history: 'v',
    meta: 'key',
    subs: 'version',
    batches: '++id',
    backup: 'id',
  });
  return db;
}

export class Storage {
  readonly db: OutpostDexie;
  readonly strict: OutpostDexie;
  /** IDBKeyRange of the IndexedDB in use (the global one in a browser, fake-indexeddb's in Node). */
  readonly keyRange: typeof IDBKeyRange;
  private closedHandlers: ((reason: WireError) => void)[] = [];

  constructor(
    readonly name: string,
    env?: IndexedDbEnv,
  ) {
    this.db = define(name, env, 'default');
    this.strict = define(name, env, 'strict');
    this.keyRange = env?.IDBKeyRange ?? globalThis.IDBKeyRange;
    for (const d of [this.db, this.strict]) {
      // A newer version of the storage opened in another tab: close so that it is not blocked.
      d.on('versionchange', () => {
        this.close();
        for (const h of this.closedHandlers) {
          h({ code: 'database_closed', message: 'the local database was upgraded by a newer version of the app in another tab; reload this page' });
        }
        return false;
      });
    }
  }

  onClosed(handler: (reason: WireError) => void): void {
    this.closedHandlers.push(handler);
  }

  async open(): Promise<void> {
    try {
      await this.db.open();
      await this.strict.open();
    } catch (err) {
      throw storageError(err);
    }
  }

  close(): void {
    this.db.close();
    this.strict.close();
  }
}

/** Maps IndexedDB and Dexie failures to typed errors. */
export function storageError(err: unknown): OutpostError {
  if (err instanceof OutpostError) return err;
  const e = err as { name?: string; message?: string; inner?: { name?: string; message?: string } };
  const names = [e?.name, e?.inner?.name];
  const message = e?.inner?.message ?? e?.message ?? String(err);
  if (names.includes('QuotaExceededError')) return new OutpostError('quota_exceeded', `the browser refused to store more data: ${message}`);
  if (names.includes('DatabaseClosedError') || names.includes('InvalidStateError')) {
    return new OutpostError('database_closed', `the local database is closed: ${message}`);
  }
  return new OutpostError('internal', `local storage failed: ${message}`, { name: e?.name ?? 'Error' });
}

export function rowId(type: string, key: string): string {
  return type + '\u0000' + key;
}

/** The id range of every object of a type. */
export function typeBounds(type: string): [string, string] {
  return [type + '\u0000', type + '\u0001'];
}

/**
 * The rows of these ids (undefined where absent), in order. A large batch (an import, a
 * bootstrap) first finds which ids exist from the keys alone, over the range its ids span (a
 * bootstrap sends objects in key order, so that range holds few others): reading ten thousand
 * absent ids one by one costs more than one key cursor, and counting every row of the type again
 * for each batch of a long bootstrap grows with the rows stored so far.
 */
export async function getRows(table: Table<ObjectRow, string>, ids: readonly string[]): Promise<(ObjectRow | undefined)[]> {
  if (ids.length < 500) return table.bulkGet(ids as string[]);
  let lo = ids[0]!;
  let hi = lo;
  for (const id of ids) {
    if (id < lo) lo = id;
    if (id > hi) hi = id;
  }
  const cap = ids.length * 4;
  const keys = await table.where('id').between(lo, hi, true, true).limit(cap + 1).primaryKeys();
  // Too many other rows in the span: reading the ids themselves is cheaper.
  let wanted = ids;
  if (keys.length <= cap) {
    const existing = new Set(keys);
    wanted = ids.filter((id) => existing.has(id));
  }
  const found = new Map<string, ObjectRow>();
  if (wanted.length) (await table.bulkGet(wanted as string[])).forEach((r) => r && found.set(r.id, r));
  return ids.map((id) => found.get(id));
}

export function randomId(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
