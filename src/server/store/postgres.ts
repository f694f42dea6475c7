import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Changeset } from '../../changeset/index.ts';
import type { ObjectRecord, ObjectSchemaInput } from '../../model/index.ts';
import { clientFileFromRow } from './codec.ts';
import { SCHEMA_VERSION, metaTableDdl, migrationsFrom } from './ddl.ts';
import { Mutex } from './mutex.ts';
import { Doorbell } from './pg-doorbell.ts';
import { SqlAccess } from './sql-access.ts';
import { SqlAuthStore } from './sql-auth.ts';
import type { Row, SqlDatabase, SqlRunner } from './sql-runner.ts';
import type { ClientFilePage, ClientFileRow, ConflictQuery, ConflictRow, HistoryRow, ObjectKey, ServerStore, StoreWriter, ViewChange, ViewFilter } from './types.ts';

/*
 * The PostgreSQL store, for one or several server nodes sharing a database. Every table lives in
 * one PostgreSQL schema (default `public`), and every statement names it explicitly, so pooled
 * connections need no `search_path`.
 *
 * Appends are serialized in the database: a sync transaction takes a transaction-scoped advisory
 * lock (keyed by the schema) before it reads the latest version, so two nodes never write the
 * same version, and the lock is released by COMMIT/ROLLBACK or by the connection dying. In this
 * process a mutex also queues transactions, so that waiting for the lock holds one pooled
 * connection, not all of them.
 *
 * The doorbell: a transaction that appended sends `pg_notify(channel, '')` (delivered at commit,
 * never with data); every node's listener then reads the latest version from the history table.
 */

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function lockKey(kind: string, schema: string): string {
  const hex = createHash('sha256').update(`outpost.${kind}:${schema}`).digest('hex').slice(0, 16);
  return BigInt.asIntN(64, BigInt(`0x${hex}`)).toString();
}

/**
 * Names for prepared statements, by text: the sync engine's statements are a fixed set, so each
 * is parsed and planned once per connection and then only bound and executed. Texts past the cap
 * (queries built per subscription) run unnamed, so that no connection accumulates them forever.
 */
const prepared = new Map<string, string>();
const PREPARED_CAP = 400;

function preparedName(text: string): string | undefined {
  let name = prepared.get(text);
  if (name === undefined && prepared.size < PREPARED_CAP) {
    name = `outpost_${createHash('sha256').update(text).digest('hex').slice(0, 20)}`;
    prepared.set(text, name);
  }
  return name;
}

class PgRunner implements SqlRunner {
  readonly dialect = 'postgres' as const;
  constructor(
    protected readonly client: pg.Pool | pg.PoolClient,
    /** On one connection (a transaction's): statements with parameters are prepared by name. */
    private readonly prepare = false,
  ) {}

  private query(text: string, params: readonly unknown[]) {
    const name = this.prepare && params.length > 0 ? preparedName(text) : undefined;
    return name ? this.client.query({ name, text, values: params as unknown[] }) : this.client.query(text, params as unknown[]);
  }

  async all(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.query(text, params)).rows as Row[];
  }
  async run(text: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.query(text, params)).rowCount ?? 0;
  }
  async runMany(text: string, paramLists: readonly (readonly unknown[])[]): Promise<number> {
    let n = 0;
    for (const p of paramLists) n += await this.run(text, p);
    return n;
  }
}

/**
 * A transaction's runner. The connection is pipelined (pg's `pipeline` mode): writes whose
 * answer nothing waits for are sent at once and answered later, so a run of them costs one round
 * trip, not one each, while the append lock is held. PostgreSQL runs them in the order sent, so
 * every later read on the connection sees them.
 */
class PgTxRunner extends PgRunner {
  private sent: Promise<Error | undefined>[] = [];
  /** Writes in flight whose success is also judged here (`check`), not only by the database. */
  checking = 0;

  constructor(client: pg.PoolClient) {
    super(client, true);
  }

  send(text: string, params: readonly unknown[] = [], check?: (changed: number) => void): void {
    if (check) this.checking++;
    this.sent.push(
      this.run(text, params).then(
        (n) => {
          try {
            check?.(n);
            return undefined;
          } catch (err) {
            return err as Error;
          }
        },
        (err: Error) => err,
      ),
    );
  }

  async settle(): Promise<void> {
    const sent = this.sent;
    this.sent = [];
    this.checking = 0;
    const failures = (await Promise.all(sent)).filter((e) => e !== undefined);
    if (failures.length > 0) throw failures[0];
  }
}

class PgDatabase extends PgRunner implements SqlDatabase {
  constructor(readonly pool: pg.Pool) {
    super(pool);
  }

  /**
   * Runs `fn` in a transaction on one pooled connection. `begin` replaces the plain BEGIN (a sync
   * transaction takes its lock in the same round trip); `prelude` runs right after it.
   */
  async write<T>(
    fn: (tx: SqlRunner) => Promise<T>,
    prelude?: (c: pg.PoolClient) => Promise<void>,
    begin = 'BEGIN',
    /** The answers of the `begin` statements (more than BEGIN: reads in the same round trip). */
    began?: (results: pg.QueryResult[]) => void,
  ): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // A checked-out connection that dies (the database restarted, the network cut) emits 'error';
    // the pool listens only on idle ones, and an unheard 'error' would end the process. The
    // running query fails on its own; the connection is destroyed rather than pooled.
    const onError = (err: Error) => (broken = err);
    client.on('error', onError);
    try {
      const opened = (await client.query(begin)) as pg.QueryResult | pg.QueryResult[];
      began?.(Array.isArray(opened) ? opened : [opened]);
      try {
        if (prelude) await prelude(client);
        const runner = new PgTxRunner(client);
        let result: T;
        try {
          result = await fn(runner);
        } catch (err) {
          // Nothing may still be in flight when the transaction is rolled back.
          await runner.settle().catch(() => {});
          throw err;
        }
        // COMMIT goes out behind the writes still in flight (one round trip for all of them). A
        // write that failed (and was not undone by a savepoint) failed the transaction: then
        // PostgreSQL answers COMMIT with a ROLLBACK, which must not pass for a commit. A write
        // judged here after its answer (a row that must exist) is judged before COMMIT is sent.
        if (runner.checking > 0) await runner.settle();
        const commit = client.query('COMMIT');
        const [done, failed] = await Promise.all([commit, runner.settle().then(() => undefined, (e: unknown) => e)]);
        if (failed !== undefined) throw failed;
        if (done.command !== 'COMMIT') throw new Error(`the transaction was rolled back at commit (${done.command})`);
        return result;
      } catch (err) {
        // A statement that timed out is still running on a connection we can no longer trust (a
        // partition swallows its answer): a ROLLBACK would wait behind it. Destroying the
        // connection ends the transaction on the server as soon as the server sees the socket
        // close (or, across a black hole, by idle_in_transaction_session_timeout).
        if (isQueryTimeout(err)) broken = err as Error;
        else await client.query('ROLLBACK').catch((e: Error) => (broken = e));
        throw err;
      }
    } finally {
      // A connection whose ROLLBACK failed is in an unknown state: destroy it, do not pool it.
      client.off('error', onError);
      client.release(broken);
    }
  }
}

/** node-postgres's message when `query_timeout` ran out before the answer came. */
function isQueryTimeout(err: unknown): boolean {
  return err instanceof Error && err.message === 'Query read timeout';
}

/**
 * How long the store waits on PostgreSQL. Without bounds a node whose link to the database
 * black-holes (no reset ever arrives) waits until TCP gives up, minutes later, with its sessions
 * and the history lock held.
 */
export interface PostgresTimeouts {
  /** Opening a connection (default 10 s). */
  readonly connectMs?: number;
  /** One statement's answer, measured by the node (default 30 s); the connection is then destroyed. */
  readonly queryMs?: number;
  /**
   * The server ends a transaction whose client went silent (default 60 s): a node cut off in the
   * middle of a sync transaction releases the history lock for the other nodes.
   */
  readonly idleInTransactionMs?: number;
  /** The doorbell's LISTEN connection is checked this often (default 10 s); silence → reconnect. */
  readonly heartbeatMs?: number;
}

export const DEFAULT_PG_TIMEOUTS: Required<PostgresTimeouts> = { connectMs: 10_000, queryMs: 30_000, idleInTransactionMs: 60_000, heartbeatMs: 10_000 };

export interface PostgresStoreOptions {
  /** A `postgres://` URL or a pg connection config. */
  readonly connection: string | pg.PoolConfig;
  /** The PostgreSQL schema holding the tables; created if missing. Default `public`. */
  readonly schema?: string;
  /** Pooled connections per node (default 10), plus one for the doorbell. */
  readonly poolSize?: number;
  /** Background errors (idle pool connections, the doorbell's reconnects). */
  readonly onError?: (err: Error, where: string) => void;
  readonly timeouts?: PostgresTimeouts;
}

export class PostgresStore implements ServerStore {
  readonly dialect = 'postgres' as const;
  readonly location: string;
  readonly auth: SqlAuthStore;
  readonly schemaName: string;
  private readonly mutex = new Mutex();
  private readonly db: PgDatabase;
  private readonly read: SqlAccess;
  private readonly t: (name: string) => string;
  private readonly listeners = new Set<(latest: number) => void>();
  /** The LISTEN connection (exposed for tests that cut it). */
  doorbell: Doorbell | undefined;
  private ringing = false;
  private ringAgain = false;
  private closed = false;

  private constructor(pool: pg.Pool, schema: string, location: string, private readonly onError: (err: Error, where: string) => void) {
    this.schemaName = schema;
    this.location = location;
    this.t = (name) => `"${schema}"."${name}"`;
    this.db = new PgDatabase(pool);
    this.auth = new SqlAuthStore(this.db, this.t);
    this.read = new SqlAccess(this.db, this.t, `${schema}.objects`, () => this.checkOpen());
  }

  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const schema = options.schema ?? 'public';
    if (!NAME_RE.test(schema)) throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(schema)}`);
    const base: pg.PoolConfig = typeof options.connection === 'string' ? { connectionString: options.connection } : { ...options.connection };
    const timeouts = { ...DEFAULT_PG_TIMEOUTS, ...options.timeouts };
    const config: pg.PoolConfig = {
      application_name: 'outpost',
      connectionTimeoutMillis: timeouts.connectMs,
      query_timeout: timeouts.queryMs,
      // The same bound on the database's side: a statement (or a wait for the history lock) the
      // node gave up on is cancelled there too, instead of running on for a client that is gone
      // and queueing every later transaction behind it.
      statement_timeout: timeouts.queryMs,
      idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
      keepAlive: true,
      // Sync transactions send their writes without waiting for each answer (PgTxRunner).
      pipeline: true,
      ...base,
      max: options.poolSize ?? 10,
    };
    const location = describe(options.connection, schema);
    const onError = options.onError ?? ((err, where) => console.error(`outpost store (${where}): ${err.message}`));
    const pool = new pg.Pool(config);
    pool.on('error', (err) => onError(err, 'idle connection'));
    const store = new PostgresStore(pool, schema, location, onError);
    try {
      await store.migrate();
      const channel = `outpost_${createHash('sha256').update(schema).digest('hex').slice(0, 24)}`;
      store.doorbell = new Doorbell({ ...config, max: undefined, pipeline: false } as pg.ClientConfig, channel, () => store.ringFromDatabase(), (err) => onError(err, 'doorbell'), timeouts.heartbeatMs);
      await store.doorbell.start();
    } catch (err) {
      await pool.end().catch(() => {});
      throw new Error(`PostgreSQL store at ${location} cannot open: ${(err as Error).message}`, { cause: err });
    }
    return store;
  }

  private async migrate(): Promise<void> {
    await this.db.write(
      async (tx) => {
        await tx.run(`CREATE SCHEMA IF NOT EXISTS "${this.schemaName}"`);
        await tx.run(metaTableDdl(this.t));
        const rows = await tx.all(`SELECT value FROM ${this.t('meta')} WHERE key = 'schema_version'`);
        const from = rows[0] ? Number(rows[0].value) : 0;
        for (const s of migrationsFrom(from, 'postgres', this.t)) await tx.run(s);
        if (from !== SCHEMA_VERSION) {
          await tx.run(
            `INSERT INTO ${this.t('meta')} (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
            [String(SCHEMA_VERSION)],
          );
        }
      },
      // Nodes starting together migrate one at a time (CREATE … IF NOT EXISTS races otherwise).
      async (c) => void (await c.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey('migrate', this.schemaName)])),
    );
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
    // The pool runs each statement in its own transaction: a mark is atomic on its own.
    return this.read.dismissConflicts(loserUserId, ids, at);
  }

  async transaction<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T> {
    this.checkOpen();
    let access: SqlAccess | undefined;
    const outcome = await this.mutex.run(async () => {
      this.checkOpen();
      let finished = false;
      let latest = Number.NaN;
      return this.db.write(
        async (runner: SqlRunner) => {
          access = new SqlAccess(runner, this.t, `${this.schemaName}.objects`, () => {
            this.checkOpen();
            if (finished) throw new Error('this transaction has ended');
          }, true);
          if (Number.isInteger(latest)) access.knowLatest(latest);
          try {
            const r = await fn(access);
            // Queued with the transaction: delivered to every listener when (and only if) it commits.
            if (access.appended > 0) runner.send!('SELECT pg_notify($1, $2)', [this.doorbell!.channel, '']);
            return r;
          } finally {
            finished = true;
          }
        },
        undefined,
        // BEGIN, the append lock and the latest version (read once the lock is held) in one
        // round trip (the key is a number this code computed).
        `BEGIN; SELECT pg_advisory_xact_lock(${lockKey('history', this.schemaName)}::bigint); SELECT COALESCE(MAX(version), 0) AS v FROM ${this.t('history')}`,
        (results) => (latest = Number(results[2]?.rows[0]?.v)),
      );
    });
    // Rung outside the mutex, so that listeners may start transactions of their own.
    if (access && access.appended > 0) this.emit(access.lastAppended);
    return outcome;
  }

  async createClientFile(userId: string): Promise<ClientFileRow> {
    this.checkOpen();
    const now = Date.now();
    const rows = await this.db.all(
      `INSERT INTO ${this.t('client_files')} (salt, user_id, created_at, last_seen_at, subscriptions) VALUES ($1, $2, $3, $4, '[]') RETURNING *`,
      [randomBytes(16).toString('hex'), userId, now, now],
    );
    return clientFileFromRow(rows[0]!);
  }

  onAppend(listener: (latestVersion: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(latest: number): void {
    queueMicrotask(() => {
      for (const l of [...this.listeners]) {
        try {
          l(latest);
        } catch {
          // A listener's failure is its own.
        }
      }
    });
  }

  /** The doorbell rang (or the listener reconnected): read the latest version; rings coalesce. */
  private async ringFromDatabase(): Promise<void> {
    if (this.ringing) {
      this.ringAgain = true;
      return;
    }
    this.ringing = true;
    try {
      do {
        this.ringAgain = false;
        if (this.closed) return;
        this.emit(await this.read.latestVersion());
      } while (this.ringAgain);
    } catch (err) {
      if (!this.closed) this.onError(err as Error, 'doorbell read');
    } finally {
      this.ringing = false;
    }
  }

  async ping(): Promise<void> {
    this.checkOpen();
    await this.db.all('SELECT 1 AS ok');
  }

  async getSetting(key: string): Promise<unknown> {
    this.checkOpen();
    const rows = await this.db.all(`SELECT value FROM ${this.t('meta')} WHERE key = $1`, [`setting:${key}`]);
    return rows[0] ? JSON.parse(String(rows[0].value)) : undefined;
  }

  async setSetting(key: string, value: unknown): Promise<void> {
    this.checkOpen();
    await this.db.run(
      `INSERT INTO ${this.t('meta')} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
      [`setting:${key}`, JSON.stringify(value)],
    );
  }

  /** Waits for this process's running transactions, stops the doorbell and ends the pool. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.mutex.run(async () => {
      this.closed = true;
    });
    this.listeners.clear();
    await this.doorbell?.stop();
    await this.db.pool.end();
  }
}

/** Where the store is, without credentials. */
function describe(connection: string | pg.PoolConfig, schema: string): string {
  if (typeof connection === 'string') {
    try {
      const u = new URL(connection);
      return `postgres://${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname} schema ${schema}`;
    } catch {
      return `postgres (schema ${schema})`;
    }
  }
  return `postgres://${connection.host ?? 'localhost'}:${connection.port ?? 5432}/${connection.database ?? ''} schema ${schema}`;
}
