import Dexie from 'dexie';
import { App, ObjectId, WriteTransaction, type ObjectSchemaInput } from '../../src/client/index.ts';

/*
 * The client benchmark's page (bench/client.bench.ts drives it): Outpost through its real worker
 * against raw IndexedDB and Dexie, on work orders.
 */

const schema: ObjectSchemaInput[] = [
  {
    name: 'WorkOrder',
    primaryKey: '_id',
    properties: {
      _id: 'objectId',
      title: 'string',
      status: { type: 'string', indexed: true },
      priority: 'int',
      dueAt: 'date',
      assignee: 'string',
      visits: 'counter',
    },
  },
];

interface Plain {
  _id: ObjectId;
  title: string;
  status: string;
  priority: number;
  dueAt: Date;
  assignee: string;
}

function values(n: number): Plain[] {
  return Array.from({ length: n }, (_, i) => ({
    _id: new ObjectId(),
    title: `Work order ${String(i).padStart(6, '0')}`,
    status: `status-${i % 100}`,
    priority: i % 5,
    dueAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
    assignee: `user-${i % 37}`,
  }));
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

function rawPut(name: string, rows: Plain[], durability: 'default' | 'strict'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => req.result.createObjectStore('wo', { keyPath: '_id' }).createIndex('status', 'status');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const idb = req.result;
      const t0 = performance.now();
      const tx = idb.transaction('wo', 'readwrite', { durability });
      const store = tx.objectStore('wo');
      for (const r of rows) store.put({ ...r, _id: r._id.toHexString() });
      tx.oncomplete = () => {
        const ms = performance.now() - t0;
        idb.close();
        resolve(ms);
      };
      tx.onerror = () => reject(tx.error);
    };
  });
}

async function runBench(n = 10_000) {
  const stamp = Date.now();
  const rows = values(n);
  const out: Record<string, number> = { n };

  // 1. Creating n objects: one db.write, raw IndexedDB in one transaction, Dexie bulkPut.
  const app = new App({ baseUrl: location.origin, appId: `bench-${stamp}` });
  const db = await app.open({ schema });
  // Warm up every path (JIT, worker start, IndexedDB files) on other databases and objects.
  {
    const warm = values(1000);
    const wdb = await app.open({ schema, name: `bench-warm-${stamp}` });
    await wdb.write((tx) => {
      for (const r of warm) tx.create('WorkOrder', r);
    });
    await wdb.close();
    await rawPut(`bench-warm-raw-${stamp}`, warm, 'default');
    const wd = new Dexie(`bench-warm-dexie-${stamp}`);
    wd.version(1).stores({ wo: '_id, status' });
    await wd.table('wo').bulkPut(warm.map((r) => ({ ...r, _id: r._id.toHexString() })));
    wd.close();
  }
  let t0 = performance.now();
  const recorder = new WriteTransaction(db.schema);
  for (const r of rows) recorder.create('WorkOrder', r);
  out.recordOnly = performance.now() - t0;
  t0 = performance.now();
  await db.write((tx) => {
    for (const r of rows) tx.create('WorkOrder', r);
  });
  out.writeOutpost = performance.now() - t0;
  out.rawDefault = await rawPut(`bench-raw-${stamp}`, rows, 'default');
  out.rawStrict = await rawPut(`bench-raw-strict-${stamp}`, rows, 'strict');
  const dexie = new Dexie(`bench-dexie-${stamp}`);
  dexie.version(1).stores({ wo: '_id, status' });
  await dexie.open();
  t0 = performance.now();
  await dexie.table('wo').bulkPut(rows.map((r) => ({ ...r, _id: r._id.toHexString() })));
  out.dexieBulkPut = performance.now() - t0;

  // 2. Write-to-observer latency with n objects in the observed collection.
  async function latency(results: ReturnType<typeof db.objects>, update: (i: number) => Record<string, unknown>, check: (o: Record<string, unknown>, i: number) => boolean, rounds: number) {
    let waiting: { i: number; resolve: () => void } | undefined;
    const sub = results.changes().subscribe((c) => {
      if (!waiting) return;
      for (const idx of [...c.insertions, ...c.modifications]) {
        if (check(c.results[idx]!, waiting.i)) {
          const w = waiting;
          waiting = undefined;
          w.resolve();
          return;
        }
      }
    });
    await new Promise<void>((resolve) => {
      const s = results.observe().subscribe((items) => items.length >= n && resolve());
      void s;
    });
    const times: number[] = [];
    for (let k = 0; k < rounds; k++) {
      const i = (k * 7919) % n;
      const done = new Promise<void>((resolve) => (waiting = { i: k, resolve }));
      const start = performance.now();
      await db.write((tx) => tx.update('WorkOrder', rows[i]!._id, update(k)));
      await done;
      times.push(performance.now() - start);
    }
    sub.unsubscribe();
    return times;
  }
  const all = db.objects('WorkOrder');
  const field = await latency(all, (k) => ({ assignee: `bench-${k}` }), (o, k) => o.assignee === `bench-${k}`, 60);
  out.latencyFieldP50 = percentile(field, 50);
  out.latencyFieldP95 = percentile(field, 95);
  const sorted = db.objects('WorkOrder').sorted('title');
  const moved = await latency(sorted, (k) => ({ title: `Moved ${String(k).padStart(3, '0')}` }), (o, k) => o.title === `Moved ${String(k).padStart(3, '0')}`, 60);
  out.latencySortedP50 = percentile(moved, 50);
  out.latencySortedP95 = percentile(moved, 95);

  // 3. An indexed equality query (1 % of the objects) against Dexie where().equals().
  const q = db.objects('WorkOrder').filtered('status == $0', 'status-7');
  const ours: number[] = [];
  const theirs: number[] = [];
  let count = 0;
  for (let k = 0; k < 20; k++) {
    t0 = performance.now();
    count = (await q.toArray()).length;
    ours.push(performance.now() - t0);
    t0 = performance.now();
    await dexie.table('wo').where('status').equals('status-7').toArray();
    theirs.push(performance.now() - t0);
  }
  out.queryOutpost = percentile(ours, 50);
  out.queryDexie = percentile(theirs, 50);
  out.queryCount = count;
  dexie.close();
  await db.close();
  return out;
}

(window as unknown as { runBench: typeof runBench }).runBench = runBench;
document.getElementById('status')!.textContent = 'ready';
