import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { OutpostError } from '../../errors.ts';
import type { Changeset } from '../../changeset/index.ts';
import type { ObjectRecord, ObjectSchemaInput } from '../../model/index.ts';
import { clientFileFromRow } from './codec.ts';
import { SCHEMA_VERSION, metaTableDdl, migrationsFrom } from './ddl.ts';
import { Mutex } from './mutex.ts';
import { SqlAccess } from './sql-access.ts';
import { SqlAuthStore } from './sql-auth.ts';
import type { Row, SqlDatabase, SqlRunner } from './sql-runner.ts';
import type { ClientFilePage, ClientFileRow, ConflictQuery, ConflictRow, HistoryRow, ObjectKey, ServerStore, StoreWriter, ViewChange, ViewFilter } from './types.ts';

/*
 * The embedded store: one SQLite file (`outpost.db`) in a data directory, WAL journal with
 * synchronous=FULL so that a transaction that returned has reached the disk and survives a kill
 * or a power cut.
 *
 * Two connections: the writer, on which every write transaction runs (BEGIN IMMEDIATE … COMMIT,
 * queued by a mutex because the callbacks are async and would otherwise interleave their
 * statements on the one connection), and a reader for everything read outside a transaction.
 * The reader is what makes reads "committed only": on the writer they would see the open
 * transaction's uncommitted rows (a session could download a version that is then rolled back).
 *
 * One server process per data directory: the doorbell is in-process.
 */

const table = (name: string): string => `"${name}"`;
const quote = table;

class SqliteRunner implements SqlRunner {
  readonly dialect = 'sqlite' as const;
  private readonly cache = new Map<string, Database.Statement>();

  constructor(readonly db: Database.Database) {}

  private stmt(text: string): Database.Statement {
    let s = this.cache.get(text);
    if (!s) {
      s = this.db.prepare(text);
      if (this.cache.size > 500) this.cache.clear();
      this.cache.set(text, s);
    }
    return s;
  }

  async all(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.stmt(text).all(...params) as Row[];
  }

  async run(text: string, params: readonly unknown[] = []): Promise<number> {
    return this.stmt(text).run(...params).changes;
  }

  async runMany(text: string, paramLists: readonly (readonly unknown[])[]): Promise<number> {
    const s = this.stmt(text);
    let n = 0;
    for (const p of paramLists) n += s.run(...p).changes;
    return n;
  }
}

class SqliteDatabase extends SqliteRunner implements SqlDatabase {
  constructor(
    private readonly writer: SqliteRunner,
    reader: Database.Database,
    private readonly mutex: Mutex,
  ) {
    super(reader);
  }

  write<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      const db = this.writer.db;
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.writer);
        db.exec('COMMIT');
        return result;
      } catch (err) {
        // SQLite may have rolled back already (a full disk can do that); the transaction is gone either way.
        if (db.inTransaction) db.exec('ROLLBACK');
        throw storageError(err);
      }
    });
  }
}

/**
 * A full disk (SQLITE_FULL: the database or its journal could not grow; or an I/O error whose
 * cause is ENOSPC) becomes the typed `storage_full`: nothing of the transaction was kept, and the
 * same write succeeds once space returns. Any other error is passed on unchanged.
 */
export function storageError(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  const message = String((err as { message?: unknown } | null)?.message ?? '');
  if (code === 'SQLITE_FULL' || (typeof code === 'string' && code.startsWith('SQLITE_IOERR') && /ENOSPC|disk is full|no space/i.test(message))) {
    return new OutpostError('storage_full', "the server's storage is full: the write was not made; try again later", { cause: String(code) });
  }
  return err;
}

export interface SqliteStoreOptions {
  /** The data directory; created (mode 0700) if missing. */
  readonly dir: string;
  /** The database file name inside it; default `outpost.db`. */
  readonly file?: string;
}

export class SqliteStore implements ServerStore {
  readonly dialect = 'sqlite' as const;
  readonly location: string;
  readonly auth: SqlAuthStore;
  private readonly mutex = new Mutex();
  private readonly writer: SqliteRunner;
  private readonly reader: SqliteRunner;
  private readonly db: SqliteDatabase;
  private readonly read: SqlAccess;
  private readonly listeners = new Set<(latest: number) => void>();
  private closed = false;

  private constructor(path: string, writer: Database.Database, reader: Database.Database) {
    this.location = path;
    this.writer = new SqliteRunner(writer);
    this.reader = new SqliteRunner(reader);
    this.db = new SqliteDatabase(this.writer, reader, this.mutex);
    this.auth = new SqlAuthStore(this.db, table);
    this.read = new SqlAccess(this.reader, table, 'objects', () => this.checkOpen());
  }

  /** Opens (creating and migrating when needed) the store in `options.dir`. */
  static open(options: SqliteStoreOptions): SqliteStore {
    const dir = resolve(options.dir);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, options.file ?? 'outpost.db');
    const writer = new Database(path);
    try {
      writer.pragma('journal_mode = WAL');
      // FULL: the WAL is synced at every commit, so an acknowledged transaction survives a crash.
      writer.pragma('synchronous = FULL');
      writer.pragma('busy_timeout = 5000');
      writer.pragma('foreign_keys = OFF');
      migrate(writer);
    } catch (err) {
      writer.close();
      throw err;
    }
    const reader = new Database(path, { readonly: true, fileMustExist: true });
    reader.pragma('busy_timeout = 5000');
    return new SqliteStore(path, writer, reader);
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('the store is closed');
  }

  latestVersion(): Promise<number> {
    return this.read.latestVersion();
  }
  history(after: number, upTo: number, limit?: number): Promise<HistoryRow[]> {
    return this.read.history(after, upTo, limit);
  }
  privateHistory(ident: number, after: number, upTo: number): Promise<HistoryRow[]> {
    return this.read.privateHistory(ident, after, upTo);
  }
  getObjects(keys: readonly ObjectKey[]): Promise<Map<string, ObjectRecord>> {
    return this.read.getObjects(keys);
  }
  queryObjects(type: string, filter: ViewFilter, page: { afterPk?: string; limit: number }): Promise<{ pk: string; record: ObjectRecord }[]> {
    return this.read.queryObjects(type, filter, page);
  }
  getClientFile(ident: number): Promise<ClientFileRow | undefined> {
    return this.read.getClientFile(ident);
  }
  listClientFiles(page: ClientFilePage): Promise<ClientFileRow[]> {
    return this.read.listClientFiles(page);
  }
  reciprocal(ident: number, after: number): Promise<Map<number, Changeset>> {
    return this.read.reciprocal(ident, after);
  }
  inView(ident: number, keys: readonly ObjectKey[]): Promise<Set<string>> {
    return this.read.inView(ident, keys);
  }
  viewOf(ident: number, type: string): Promise<string[]> {
    return this.read.viewOf(ident, type);
  }
  viewLog(ident: number, after: number): Promise<ViewChange[]> {
    return this.read.viewLog(ident, after);
  }
  getSchema(): Promise<ObjectSchemaInput[] | undefined> {
    return this.read.getSchema();
  }
  syncHorizon(): Promise<number | undefined> {
    return this.read.syncHorizon();
  }
  firstVersion(): Promise<number> {
    return this.read.firstVersion();
  }
  listConflicts(query: ConflictQuery): Promise<ConflictRow[]> {
    return this.read.listConflicts(query);
  }
  dismissConflicts(loserUserId: string, ids: readonly number[], at: number): Promise<number> {
    this.checkOpen();
    // On the writer connection (the reader is for reads only), as one short write transaction.
    return this.db.write((w) => new SqlAccess(w, table, 'objects', () => this.checkOpen()).dismissConflicts(loserUserId, ids, at));
  }

  async transaction<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T> {
    this.checkOpen();
    let finished = false;
    let access: SqlAccess | undefined;
    const result = await this.db.write(async (runner) => {
      this.checkOpen();
      access = new SqlAccess(runner, table, 'objects', () => {
        this.checkOpen();
        if (finished) throw new Error('this transaction has ended');
      }, true);
      try {
        return await fn(access);
      } finally {
        finished = true;
      }
    });
    if (access && access.appended > 0) this.ring(access.lastAppended);
    return result;
  }

  async createClientFile(userId: string): Promise<ClientFileRow> {
    this.checkOpen();
    const now = Date.now();
    const rows = await this.db.write((w) =>
      w.all(
        `INSERT INTO client_files (salt, user_id, created_at, last_seen_at, subscriptions) VALUES (?, ?, ?, ?, '[]') RETURNING *`,
        [randomBytes(16).toString('hex'), userId, now, now],
      ),
    );
    return clientFileFromRow(rows[0]!);
  }

  onAppend(listener: (latestVersion: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private ring(latest: number): void {
    queueMicrotask(() => {
      for (const l of [...this.listeners]) {
        try {
          l(latest);
        } catch {
          // A listener's failure is its own; the append is committed.
        }
      }
    });
  }

  async ping(): Promise<void> {
    this.checkOpen();
    await this.reader.all('SELECT 1 AS ok');
  }

  async getSetting(key: string): Promise<unknown> {
    this.checkOpen();
    const rows = await this.reader.all(`SELECT value FROM meta WHERE key = ?`, [`setting:${key}`]);
    return rows[0] ? JSON.parse(String(rows[0].value)) : undefined;
  }

  async setSetting(key: string, value: unknown): Promise<void> {
    this.checkOpen();
    await this.db.write((w) =>
      w.run(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [`setting:${key}`, JSON.stringify(value)]),
    );
  }

  /** Waits for running transactions, then closes both connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.mutex.run(async () => {
      this.closed = true;
    });
    this.listeners.clear();
    this.reader.db.close();
    this.writer.db.close();
  }
}

function migrate(db: Database.Database): void {
  db.transaction(() => {
    db.exec(metaTableDdl(quote));
    const row = db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string } | undefined;
    const from = row ? Number(row.value) : 0;
    const steps = migrationsFrom(from, 'sqlite', quote);
    for (const s of steps) db.exec(s);
    if (from === 0) {
      // Client file idents start at 2: 1 is the server itself.
      db.exec(`INSERT INTO sqlite_sequence (name, seq) SELECT 'client_files', 1 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'client_files')`);
    }
    if (from !== SCHEMA_VERSION) {
      db.prepare(`INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(String(SCHEMA_VERSION));
    }
  }).immediate();
}
