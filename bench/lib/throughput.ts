import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Instruction } from '../../src/changeset/index.ts';
import { parseSchema } from '../../src/model/index.ts';
import { ProtocolClient } from '../../src/server/testing/protocol-client.ts';
import { createInstructions, prng, queryable, schema, WORK_ORDER, workOrders } from './data.ts';
import { startServerProcess } from './server-proc.ts';

/*
 * Merged changesets per second on one store, against the floor of that store: the same rows
 * (each changeset's history row and the object rows it changed, read back from what Outpost
 * wrote) inserted by plain SQL into the same database, one transaction per changeset, one after
 * the other (the server serializes appends: the history is linear), with the same durability
 * (SQLite: WAL with synchronous=FULL; PostgreSQL: its defaults, as the server uses them).
 *
 * The workload: W writers (full protocol clients, each subscribed to all 1,000 work orders), in a
 * closed loop: write one changeset (a status change and a visit on one random object, a new
 * assignee on another), wait for its acknowledgement, write the next. With W writers each upload
 * is concurrent with the ones the others made meanwhile, so it is transformed against them, and
 * every accepted changeset is downloaded by the W-1 other writers.
 */

export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' } as const;
const PG_URL = `postgres://${PG.user}@${PG.host}:${PG.port}/${PG.database}`;
const OBJECTS = 1000;

interface RawRow {
  readonly history: { version: number; origin: number; originVersion: number; changeset: string; createdAt: number };
  readonly objects: { pk: string; doc: string }[];
}

function change(rng: () => number, w: number, k: number): Instruction[] {
  const a = `wo-${String(Math.floor(rng() * OBJECTS)).padStart(7, '0')}`;
  const b = `wo-${String(Math.floor(rng() * OBJECTS)).padStart(7, '0')}`;
  return [
    { op: 'Set', type: WORK_ORDER, pk: a, path: ['status'], value: `status-${Math.floor(rng() * 100)}` },
    { op: 'AddInteger', type: WORK_ORDER, pk: a, path: ['visits'], value: 1 },
    { op: 'Set', type: WORK_ORDER, pk: b, path: ['assignee'], value: `writer-${w}-${k}` },
  ];
}

export interface ThroughputResult {
  readonly outpost: number[];
  readonly raw: number[];
  readonly changesetsPerRun: number;
  readonly writers: number;
}

export async function mergedThroughput(kind: 'sqlite' | 'postgres', opts: { dir: string; writers: number; perWriter: number; runs: number; nodes?: number }): Promise<ThroughputResult> {
  const pgSchema = `outpost_bench_${process.pid}_${Date.now().toString(36)}`;
  const nodes = opts.nodes ?? 1;
  if (nodes > 1 && kind !== 'postgres') throw new Error('several nodes share a PostgreSQL database only');
  const servers: Awaited<ReturnType<typeof startServerProcess>>[] = [];
  const start = () =>
    startServerProcess({
      store: kind === 'sqlite' ? opts.dir : PG_URL,
      ...(kind === 'postgres' ? { pgSchema } : {}),
      schema,
      queryable,
      // Not what is measured here: the per-session flood limits must not pace the writers.
      messagesPerSecond: 100_000,
      bytesPerSecond: 1024 * 1024 * 1024,
    });
  // One after the other: the first creates the tables.
  for (let n = 0; n < nodes; n++) servers.push(await start());
  const parsed = parseSchema(schema);
  const writers: ProtocolClient[] = [];
  let admin: pg.Client | undefined;
  let sqlite: Database.Database | undefined;
  try {
    const token = await servers[0]!.login();
    for (let w = 0; w < opts.writers; w++) {
      // Writers split between the nodes (any node accepts any user's token: one secret).
      const c = new ProtocolClient({ url: servers[w % nodes]!.wsUrl, token, schema: parsed });
      await c.connect();
      await c.subscribe([{ objectType: WORK_ORDER, query: 'TRUEPREDICATE', args: [] }]);
      writers.push(c);
    }
    writers[0]!.write(workOrders(0, OBJECTS).flatMap(createInstructions));
    for (const c of writers) await c.sync();
    for (const c of writers) await c.sync();

    const rng = prng(7);
    let round = 0;
    const outpostOnce = async (): Promise<{ rate: number; from: number; to: number }> => {
      const from = writers[0]!.cursor.serverVersion;
      round++;
      const t0 = performance.now();
      await Promise.all(
        writers.map(async (c, w) => {
          for (let k = 0; k < opts.perWriter; k++) {
            c.write(change(rng, w, round * 100_000 + k));
            await c.until(() => c.local.length === 0, 60_000);
          }
        }),
      );
      const ms = performance.now() - t0;
      for (const c of writers) await c.sync();
      return { rate: (opts.writers * opts.perWriter) / (ms / 1000), from, to: writers[0]!.cursor.serverVersion };
    };

    // The warm-up run also produces the rows the raw baseline inserts.
    const warm = await outpostOnce();
    let rows: RawRow[];
    let rawOnce: () => Promise<number>;
    if (kind === 'sqlite') {
      sqlite = new Database(join(opts.dir, 'outpost.db'));
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('synchronous = FULL');
      sqlite.pragma('busy_timeout = 5000');
      rows = readRows(
        sqlite.prepare('SELECT version, origin, origin_version AS ov, changeset, created_at AS ca FROM history WHERE version > ? AND version <= ? AND origin > 1 ORDER BY version').all(warm.from, warm.to) as never,
        sqlite.prepare('SELECT pk, doc FROM objects WHERE type = ?').all(WORK_ORDER) as never,
      );
      const db = sqlite;
      rawOnce = async () => {
        db.exec('DROP TABLE IF EXISTS bench_raw_history; DROP TABLE IF EXISTS bench_raw_objects;');
        db.exec('CREATE TABLE bench_raw_history (version INTEGER PRIMARY KEY, origin INTEGER NOT NULL, origin_version INTEGER NOT NULL, private_to INTEGER, changeset TEXT NOT NULL, created_at INTEGER NOT NULL)');
        db.exec('CREATE TABLE bench_raw_objects (type TEXT NOT NULL, pk TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (type, pk))');
        const h = db.prepare('INSERT INTO bench_raw_history VALUES (?, ?, ?, NULL, ?, ?)');
        const o = db.prepare('INSERT INTO bench_raw_objects (type, pk, doc) VALUES (?, ?, ?) ON CONFLICT (type, pk) DO UPDATE SET doc = excluded.doc');
        const t0 = performance.now();
        for (const r of rows) {
          db.exec('BEGIN IMMEDIATE');
          h.run(r.history.version, r.history.origin, r.history.originVersion, r.history.changeset, r.history.createdAt);
          for (const x of r.objects) o.run(WORK_ORDER, x.pk, x.doc);
          db.exec('COMMIT');
        }
        return rows.length / ((performance.now() - t0) / 1000);
      };
    } else {
      admin = new pg.Client(PG);
      await admin.connect();
      const q = (t: string) => `"${pgSchema}"."${t}"`;
      rows = readRows(
        (await admin.query(`SELECT version, origin, origin_version AS ov, changeset::text AS changeset, created_at AS ca FROM ${q('history')} WHERE version > $1 AND version <= $2 AND origin > 1 ORDER BY version`, [warm.from, warm.to])).rows,
        (await admin.query(`SELECT pk, doc::text AS doc FROM ${q('objects')} WHERE type = $1`, [WORK_ORDER])).rows,
      );
      const c = admin;
      rawOnce = async () => {
        await c.query(`DROP TABLE IF EXISTS ${q('bench_raw_history')}; DROP TABLE IF EXISTS ${q('bench_raw_objects')}`);
        await c.query(`CREATE TABLE ${q('bench_raw_history')} (version BIGINT PRIMARY KEY, origin BIGINT NOT NULL, origin_version BIGINT NOT NULL, private_to BIGINT, changeset JSON NOT NULL, created_at BIGINT NOT NULL)`);
        await c.query(`CREATE TABLE ${q('bench_raw_objects')} (type TEXT NOT NULL, pk TEXT COLLATE "C" NOT NULL, doc JSONB NOT NULL, PRIMARY KEY (type, pk))`);
        const t0 = performance.now();
        for (const r of rows) {
          await c.query('BEGIN');
          await c.query(`INSERT INTO ${q('bench_raw_history')} VALUES ($1, $2, $3, NULL, $4, $5)`, [r.history.version, r.history.origin, r.history.originVersion, r.history.changeset, r.history.createdAt]);
          for (const x of r.objects) {
            await c.query(`INSERT INTO ${q('bench_raw_objects')} (type, pk, doc) VALUES ($1, $2, $3) ON CONFLICT (type, pk) DO UPDATE SET doc = EXCLUDED.doc`, [WORK_ORDER, x.pk, x.doc]);
          }
          await c.query('COMMIT');
        }
        return rows.length / ((performance.now() - t0) / 1000);
      };
    }
    if (rows.length !== opts.writers * opts.perWriter) throw new Error(`expected ${opts.writers * opts.perWriter} history rows, read ${rows.length}`);
    await rawOnce(); // warm-up of the baseline too

    const outpost: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      // Alternate which goes first, so a slow phase of the machine does not always hit one side.
      if (i % 2 === 0) {
        outpost.push((await outpostOnce()).rate);
        raw.push(await rawOnce());
      } else {
        raw.push(await rawOnce());
        outpost.push((await outpostOnce()).rate);
      }
    }
    return { outpost, raw, changesetsPerRun: opts.writers * opts.perWriter, writers: opts.writers };
  } finally {
    for (const c of writers) c.disconnect();
    sqlite?.close();
    for (const srv of servers) await srv.stop();
    await admin?.end().catch(() => {});
    if (kind === 'postgres') {
      // A fresh connection: the one above may never have connected if setting up failed.
      const c = new pg.Client(PG);
      try {
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
      } catch (err) {
        console.error(`could not drop schema ${pgSchema}: ${(err as Error).message}`);
      } finally {
        await c.end().catch(() => {});
      }
    }
  }
}

/** The rows Outpost wrote, with the current document of every object each changeset touched. */
function readRows(history: { version: number | string; origin: number | string; ov: number | string; changeset: string; ca: number | string }[], objects: { pk: string; doc: string }[]): RawRow[] {
  const docs = new Map<string, { pk: string; doc: string }>();
  for (const o of objects) docs.set((JSON.parse(o.doc) as { _id: string })._id, o);
  return history.map((h) => {
    const ops = (JSON.parse(h.changeset) as { ops: { pk: unknown }[] }).ops;
    const touched = [...new Set(ops.map((op) => String(op.pk)))].map((pk) => docs.get(pk)!).filter(Boolean);
    return { history: { version: Number(h.version), origin: Number(h.origin), originVersion: Number(h.ov), changeset: h.changeset, createdAt: Number(h.ca) }, objects: touched };
  });
}
