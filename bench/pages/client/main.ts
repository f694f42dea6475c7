import Dexie, { liveQuery } from 'dexie';
import { createRxDatabase, type RxCollection, type RxDatabase, type RxJsonSchema } from 'rxdb';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { App, Credentials, WriteTransaction, type Database } from '../../../src/client/index.ts';
import { schema, WORK_ORDER, workOrders, type PlainWorkOrder } from '../../lib/data.ts';

/*
 * The browser side of bench/client.bench.ts: Outpost (its real worker, through Comlink) and its
 * peers on one page, in one run, on the same work orders (bench/lib/data.ts). Node drives it one
 * measurement at a time through window.bench, and decides the order (rotated between runs) and
 * the warm-ups; every contestant gets a fresh database per run and a fresh copy of the data.
 *
 * Contestants: raw IndexedDB (the floor; default and strict durability), Dexie (bulkPut,
 * where().equals(), liveQuery), RxDB 17 on its free Dexie storage (bulkInsert, find().exec(),
 * find().$), and Outpost (db.write, filtered().toArray(), filtered().observe()). Outpost writes
 * with strict durability (docs/client.md section 8); the others use their defaults.
 */

type Contestant = 'outpost' | 'idb' | 'idb-strict' | 'dexie' | 'rxdb';

export interface PeerRun {
  readonly insertMs: number;
  /** Outpost only: recording and validating the creates on the page, before the worker. */
  readonly recordMs?: number;
  /** Median over queries with 20 different `status` values (1 % of the objects each). */
  readonly queryMs: number;
  readonly queryCount: number;
  /** Write of one field → the observer of a 1 % query sees it; median and p95 over rounds. */
  readonly latencyP50?: number;
  readonly latencyP95?: number;
  /** The same with every object observed (the whole collection). */
  readonly allP50?: number;
  readonly allP95?: number;
  /** Outpost only: every object observed sorted by title, and the write moves one. */
  readonly sortedP50?: number;
  readonly sortedP95?: number;
}

type Item = { _id: string; assignee: string; title: string };
/** Subscribes an observer of the objects with this status (or of all objects: null). */
type Observe = (status: string | null, next: (items: readonly Item[]) => void) => { unsubscribe(): void };

const copy = (rows: readonly PlainWorkOrder[]): PlainWorkOrder[] => rows.map((r) => ({ ...r }));
const sortNum = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sortNum(xs)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => sortNum(xs)[Math.min(xs.length - 1, Math.ceil(0.95 * xs.length) - 1)]!;
const statusFor = (k: number) => `status-${(7 + 10 * k) % 100}`;
let seq = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${seq++}`;

/**
 * Write one field of an object in the observed set; time until the observer shows it. One
 * subscription for all rounds (set up, and its first result delivered, before the first round),
 * as an app keeps its observers: the figure is the update path, not a query's first run.
 */
async function latencyRounds(rounds: number, n: number, all: boolean, observe: Observe, write: (id: string, value: string) => Promise<unknown>, field: 'assignee' | 'title' = 'assignee'): Promise<number[]> {
  let first!: () => void;
  const ready = new Promise<void>((r) => (first = r));
  let pending: { id: string; value: string; start: number; done: (ms: number) => void } | undefined;
  const sub = observe(all ? null : statusFor(0), (items) => {
    first();
    const p = pending;
    if (p && items.some((o) => o._id === p.id && o[field] === p.value)) {
      pending = undefined;
      p.done(performance.now() - p.start);
    }
  });
  await ready;
  const times: number[] = [];
  try {
    for (let k = 0; k < rounds; k++) {
      // An object of the observed 1 % (index ≡ 7 mod 100, status-7), spread over the collection.
      const id = `wo-${String(7 + 100 * ((k * 37) % Math.max(1, Math.floor(n / 100)))).padStart(7, '0')}`;
      const value = field === 'title' ? `Moved ${String(k).padStart(3, '0')} ${unique('t')}` : unique('a');
      await new Promise((r) => setTimeout(r, 10));
      const seen = new Promise<number>((done) => (pending = { id, value, start: performance.now(), done }));
      await write(id, value);
      times.push(await seen);
    }
  } finally {
    sub.unsubscribe();
  }
  return times;
}

// ---- the contestants --------------------------------------------------------------------------

function rawOpen(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => req.result.createObjectStore('wo', { keyPath: '_id' }).createIndex('status', 'status');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => resolve(req.result);
  });
}

function rawTx<T>(db: IDBDatabase, mode: IDBTransactionMode, durability: 'default' | 'strict', body: (store: IDBObjectStore) => IDBRequest<T> | void): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction('wo', mode, { durability });
    const req = body(tx.objectStore('wo'));
    tx.oncomplete = () => resolve(req ? req.result : undefined);
    tx.onerror = () => reject(tx.error);
  });
}

async function runRaw(n: number, durability: 'default' | 'strict'): Promise<PeerRun> {
  const name = unique('raw');
  const rows = copy(workOrders(0, n));
  const db = await rawOpen(name);
  let t0 = performance.now();
  await rawTx(db, 'readwrite', durability, (s) => {
    for (const r of rows) s.put(r);
  });
  const insertMs = performance.now() - t0;
  const q: number[] = [];
  let queryCount = 0;
  for (let k = 0; k < 20; k++) {
    t0 = performance.now();
    const found = (await rawTx(db, 'readonly', 'default', (s) => s.index('status').getAll(statusFor(k)))) as unknown[];
    q.push(performance.now() - t0);
    queryCount = found.length;
  }
  db.close();
  indexedDB.deleteDatabase(name);
  return { insertMs, queryMs: median(q), queryCount };
}

async function runDexie(n: number, rounds: number): Promise<PeerRun> {
  const name = unique('dexie');
  const rows = copy(workOrders(0, n));
  const db = new Dexie(name);
  db.version(1).stores({ wo: '_id, status' });
  await db.open();
  const table = db.table<PlainWorkOrder, string>('wo');
  let t0 = performance.now();
  await table.bulkPut(rows);
  const insertMs = performance.now() - t0;
  const q: number[] = [];
  let queryCount = 0;
  for (let k = 0; k < 20; k++) {
    t0 = performance.now();
    queryCount = (await table.where('status').equals(statusFor(k)).toArray()).length;
    q.push(performance.now() - t0);
  }
  const observe: Observe = (status, next) => liveQuery(() => (status === null ? table.toArray() : table.where('status').equals(status).toArray())).subscribe(next);
  const write = (id: string, assignee: string) => table.update(id, { assignee });
  const lat = await latencyRounds(rounds, n, false, observe, write);
  const all = await latencyRounds(rounds, n, true, observe, write);
  db.close();
  await Dexie.delete(name);
  return { insertMs, queryMs: median(q), queryCount, latencyP50: median(lat), latencyP95: p95(lat), allP50: median(all), allP95: p95(all) };
}

const rxSchema: RxJsonSchema<PlainWorkOrder> = {
  version: 0,
  primaryKey: '_id',
  type: 'object',
  properties: {
    _id: { type: 'string', maxLength: 32 },
    title: { type: 'string' },
    status: { type: 'string', maxLength: 32 },
    priority: { type: 'integer' },
    assignee: { type: 'string' },
    dueAt: { type: 'integer' },
    notes: { type: 'string' },
    visits: { type: 'integer' },
  },
  required: ['_id', 'title', 'status', 'priority', 'assignee', 'dueAt', 'notes', 'visits'],
  indexes: ['status'],
};

async function runRxdb(n: number, rounds: number): Promise<PeerRun> {
  const rows = copy(workOrders(0, n));
  const db: RxDatabase = await createRxDatabase({ name: unique('rxdb'), storage: getRxStorageDexie() });
  try {
    const { wo } = (await db.addCollections({ wo: { schema: rxSchema } })) as { wo: RxCollection<PlainWorkOrder> };
    let t0 = performance.now();
    const res = await wo.bulkInsert(rows);
    const insertMs = performance.now() - t0;
    if (res.error.length) throw new Error(`rxdb bulkInsert: ${res.error.length} errors`);
    const q: number[] = [];
    let queryCount = 0;
    for (let k = 0; k < 20; k++) {
      // A different selector each time: RxDB answers a repeated query from its query cache.
      t0 = performance.now();
      queryCount = (await wo.find({ selector: { status: statusFor(k) } }).exec()).length;
      q.push(performance.now() - t0);
    }
    const observe: Observe = (status, next) =>
      wo.find(status === null ? {} : { selector: { status } }).$.subscribe((docs) => next(docs.map((d) => ({ _id: d._id, assignee: d.assignee, title: d.title }))));
    const write = async (id: string, assignee: string) => {
      const doc = await wo.findOne(id).exec();
      return doc!.incrementalPatch({ assignee });
    };
    const lat = await latencyRounds(rounds, n, false, observe, write);
    const all = await latencyRounds(rounds, n, true, observe, write);
    return { insertMs, queryMs: median(q), queryCount, latencyP50: median(lat), latencyP95: p95(lat), allP50: median(all), allP95: p95(all) };
  } finally {
    await db.remove();
  }
}

/**
 * Outpost in stages (open, insert, query, observe, close), so that bench/profile-client.ts can
 * profile each one alone; runOutpost runs them in order.
 */
let stage: { app: App; db: Database; name: string; n: number; rows: PlainWorkOrder[] } | undefined;

async function outpostOpen(n: number): Promise<void> {
  const app = new App({ baseUrl: location.origin, appId: unique('bench') });
  const name = unique('outpost');
  const db: Database = await app.open({ schema, name });
  stage = { app, db, name, n, rows: copy(workOrders(0, n)) };
}

async function outpostInsert(): Promise<{ insertMs: number; recordMs: number }> {
  const { db, rows } = stage!;
  let t0 = performance.now();
  const recorder = new WriteTransaction(db.schema);
  for (const r of copy(rows)) recorder.create(WORK_ORDER, r as unknown as Record<string, unknown>);
  const recordMs = performance.now() - t0;
  t0 = performance.now();
  await db.write((tx) => {
    for (const r of rows) tx.create(WORK_ORDER, r as unknown as Record<string, unknown>);
  });
  return { insertMs: performance.now() - t0, recordMs };
}

async function outpostQuery(): Promise<{ queryMs: number; queryCount: number }> {
  const { db } = stage!;
  const q: number[] = [];
  let queryCount = 0;
  for (let k = 0; k < 20; k++) {
    const t0 = performance.now();
    queryCount = (await db.objects(WORK_ORDER).filtered('status == $0', statusFor(k)).toArray()).length;
    q.push(performance.now() - t0);
  }
  return { queryMs: median(q), queryCount };
}

async function outpostObserve(kind: 'query' | 'all' | 'sorted', rounds: number): Promise<{ p50: number; p95: number }> {
  const { db, n } = stage!;
  const all$ = db.objects<Item>(WORK_ORDER);
  const write = (field: 'assignee' | 'title') => (id: string, value: string) => db.write((tx) => tx.update(WORK_ORDER, id, { [field]: value }));
  const observe: Observe = (status, next) => (status === null ? all$ : all$.filtered('status == $0', status)).observe().subscribe(next);
  const sortedObserve: Observe = (_status, next) => all$.sorted('title').observe().subscribe(next);
  const times =
    kind === 'sorted' ? await latencyRounds(rounds, n, true, sortedObserve, write('title'), 'title') : await latencyRounds(rounds, n, kind === 'all', observe, write('assignee'));
  return { p50: median(times), p95: p95(times) };
}

async function outpostClose(): Promise<void> {
  const s = stage!;
  stage = undefined;
  await s.db.close();
  indexedDB.deleteDatabase(s.name);
}

async function runOutpost(n: number, rounds: number): Promise<PeerRun> {
  await outpostOpen(n);
  try {
    const { insertMs, recordMs } = await outpostInsert();
    const { queryMs, queryCount } = await outpostQuery();
    const lat = await outpostObserve('query', rounds);
    const all = await outpostObserve('all', rounds);
    const sorted = await outpostObserve('sorted', rounds);
    return {
      insertMs,
      recordMs,
      queryMs,
      queryCount,
      latencyP50: lat.p50,
      latencyP95: lat.p95,
      allP50: all.p50,
      allP95: all.p95,
      sortedP50: sorted.p50,
      sortedP95: sorted.p95,
    };
  } finally {
    await outpostClose();
  }
}

// ---- initial sync and its floor -----------------------------------------------------------

/** A fresh client (new user, new local database) opens with a subscription to every work order. */
async function initialSync(expected: number, keepOpen = false): Promise<{ ms: number; count: number }> {
  const app = new App({ baseUrl: location.origin, appId: unique('sync') });
  const user = await app.logIn(Credentials.anonymous(false));
  const t0 = performance.now();
  const db = await app.open({
    schema,
    sync: { user, initialSubscriptions: (subs) => subs.add(WORK_ORDER, 'TRUEPREDICATE'), waitForDownload: { timeoutMs: 3_600_000, onTimeout: 'throw' } },
  });
  const ms = performance.now() - t0;
  // (bench/profile-client.ts keeps the worker running until its profile is taken.)
  if (keepOpen) return { ms, count: expected };
  await db.close();
  const name = `outpost:${app.id}:${user.id}`;
  const count = await countRows(name, 'objects');
  indexedDB.deleteDatabase(name);
  if (count !== expected) throw new Error(`initial sync stored ${count} objects, expected ${expected}`);
  return { ms, count };
}

/** The floor: the same objects as one JSON document over HTTP, stored with Dexie bulkPut. */
async function httpFloor(url: string, expected: number): Promise<{ ms: number; count: number }> {
  const name = unique('floor');
  const t0 = performance.now();
  const res = await fetch(url, { cache: 'no-store' });
  const rows = (await res.json()) as PlainWorkOrder[];
  const db = new Dexie(name);
  db.version(1).stores({ wo: '_id, status' });
  await db.table('wo').bulkPut(rows);
  const ms = performance.now() - t0;
  const count = await db.table('wo').count();
  db.close();
  await Dexie.delete(name);
  if (count !== expected) throw new Error(`floor stored ${count} objects, expected ${expected}`);
  return { ms, count };
}

function countRows(dbName: string, store: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(dbName);
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const c = db.transaction(store, 'readonly').objectStore(store).count();
      c.onsuccess = () => {
        db.close();
        resolve(c.result);
      };
      c.onerror = () => reject(c.error);
    };
  });
}

const bench = {
  peer(contestant: Contestant, n: number, rounds: number): Promise<PeerRun> {
    switch (contestant) {
      case 'outpost':
        return runOutpost(n, rounds);
      case 'idb':
        return runRaw(n, 'default');
      case 'idb-strict':
        return runRaw(n, 'strict');
      case 'dexie':
        return runDexie(n, rounds);
      case 'rxdb':
        return runRxdb(n, rounds);
    }
  },
  initialSync,
  httpFloor,
  outpostOpen,
  outpostInsert,
  outpostQuery,
  outpostObserve,
  outpostClose,
};

(window as unknown as { bench: typeof bench }).bench = bench;
document.getElementById('status')!.textContent = 'ready';
