import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright';
import { queryable, schema, workOrders } from './lib/data.ts';
import { buildPage, chromiumRss, launchBrowser } from './lib/browser.ts';
import { curve, measure, parseBenchArgs, printResult, progress, writeResult, type Curve, type CurvePoint, type Measure, type SuiteResult } from './lib/report.ts';
import { seed } from './lib/seed.ts';
import { nodeInitialSync } from './lib/node-sync.ts';
import { peakSampler, rssOf, startServerProcess, type ServerProcess } from './lib/server-proc.ts';
import { median } from './lib/stats.ts';

/*
 * bench:client — in headless Chromium, one page (bench/pages/client), one run:
 *   1. Outpost against its peers on 10,000 work orders: raw IndexedDB (the floor), Dexie and RxDB
 *      (Dexie storage): create them all, an indexed equality query, write → observer latency;
 *   2. initial sync of a fresh client from the real server (SQLite store, a child process) at
 *      10,000, 100,000 and 1,000,000 objects, against the floor of fetching the same objects as
 *      JSON over HTTP from the same server and storing them with Dexie bulkPut; time and memory
 *      (client: all Chromium processes; server: its process), and the curve's growth exponent.
 * Every initial-sync run starts from the same seeded database (a copy restored before the run):
 * each bootstrap appends the objects it sends to the history, so a second fresh client on the same
 * server is not the same measurement (lib/seed.ts loads the data the way a client would).
 * Run: npx tsx bench/client.bench.ts [--smoke] [--runs 5] [--json out.json] [--sizes 10000,100000]
 *      [--parts peers,sync] [--contestants idb,idb-strict,dexie,rxdb,outpost] [--no-node]
 * (--parts and --contestants run a subset, e.g. while working on one figure; raw IndexedDB is
 * always kept, since every ratio is against it.)
 */

const args = parseBenchArgs();
const started = Date.now();
const sizesArg = process.argv.indexOf('--sizes');
const size = args.smoke
  ? { peersN: 500, warmN: 200, rounds: 5, sync: [500, 2_000] }
  : { peersN: 10_000, warmN: 1_000, rounds: 30, sync: [10_000, 100_000, 1_000_000] };
/** The server's heap limit: Node's default (about 4 GiB here) below a million objects. */
const serverHeap = (n: number): string[] => (n >= 1_000_000 ? [`--max-old-space-size=${16 * 1024}`] : []);
const syncSizes = sizesArg > 0 ? process.argv[sizesArg + 1]!.split(',').map(Number) : size.sync;
const listArg = (name: string): string[] | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]!.split(',') : undefined;
};
const parts = new Set(listArg('--parts') ?? ['peers', 'sync']);
/** `--no-node`: the initial sync in the browser only (the Node client's curve is skipped). */
const nodeSync = !process.argv.includes('--no-node');

type Contestant = 'outpost' | 'idb' | 'idb-strict' | 'dexie' | 'rxdb';
interface PeerRun {
  insertMs: number;
  recordMs?: number;
  queryMs: number;
  queryCount: number;
  latencyP50?: number;
  latencyP95?: number;
  allP50?: number;
  allP95?: number;
  sortedP50?: number;
  sortedP95?: number;
}
type BenchApi = {
  peer(c: Contestant, n: number, rounds: number): Promise<PeerRun>;
  initialSync(n: number): Promise<{ ms: number; count: number }>;
  httpFloor(url: string, n: number): Promise<{ ms: number; count: number }>;
};
const call = <K extends keyof BenchApi>(page: Page, name: K, ...a: Parameters<BenchApi[K]>): ReturnType<BenchApi[K]> =>
  page.evaluate(([n, xs]) => (window as unknown as { bench: Record<string, (...v: unknown[]) => unknown> }).bench[n]!(...xs), [name, a] as const) as ReturnType<BenchApi[K]>;

const measures: Measure[] = [];
const curves: Curve[] = [];
const notes: string[] = [];
const temp: string[] = [];
const tempDir = (p = 'outpost-bench-') => {
  const d = mkdtempSync(join(tmpdir(), p));
  temp.push(d);
  return d;
};

// The page and Chromium only when a browser figure runs (`--parts sync --sizes 1000000` needs neither).
const browserMax = args.smoke ? 2_000 : 1_000_000;
const needBrowser = parts.has('peers') || (parts.has('sync') && syncSizes.some((n) => n <= browserMax));
const pageDir = needBrowser ? await buildPage(resolve(import.meta.dirname, 'pages/client')) : tempDir();
temp.push(pageDir);
const browserOrNone = needBrowser ? await launchBrowser() : undefined;
const browser = { newPage: () => browserOrNone!.newPage(), close: async () => browserOrNone?.close() };
const info: Record<string, string | number> = { chromium: browserOrNone?.version() ?? 'not launched' };
let srv: ServerProcess | undefined;

async function openPage(url: string): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  page.on('console', (m) => {
    // (The server has no favicon: that 404 is noise.)
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) console.error('page console:', m.text());
  });
  await page.goto(url + '/');
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  return page;
}

try {
  // ---- 1. peers ----------------------------------------------------------------------------------
  if (parts.has('peers')) {
    srv = await startServerProcess({ store: tempDir(), schema, queryable, staticDir: pageDir });
    const page = await openPage(srv.url);
    const all: Contestant[] = ['idb', 'idb-strict', 'dexie', 'rxdb', 'outpost'];
    const wanted = new Set(['idb', 'idb-strict', ...(listArg('--contestants') ?? all)]);
    const contestants = all.filter((c) => wanted.has(c));
    // Warm-up: every path once (JIT, worker start, IndexedDB files) on other databases.
    for (const c of contestants) {
      progress(`peers: warm-up ${c}`);
      await call(page, 'peer', c, size.warmN, 3);
    }
    const runs = new Map<Contestant, PeerRun[]>(all.map((c) => [c, []]));
    for (let i = 0; i < args.runs; i++) {
      // Rotate the order so that no contestant always runs first (or last) in a run.
      const order = contestants.map((_, k) => contestants[(k + i) % contestants.length]!);
      for (const c of order) {
        progress(`peers: run ${i + 1}/${args.runs}, ${c}`);
        runs.get(c)!.push(await call(page, 'peer', c, size.peersN, size.rounds));
      }
    }
    await page.close();
    await srv.stop();
    srv = undefined;
    const n = size.peersN.toLocaleString('en-US');
    const label: Record<Contestant, string> = {
      idb: 'raw IndexedDB (default durability)',
      'idb-strict': 'raw IndexedDB (strict durability)',
      dexie: 'Dexie',
      rxdb: 'RxDB (Dexie storage)',
      outpost: 'Outpost',
    };
    const op: Record<Contestant, [string, string, string]> = {
      idb: ['put × n, one transaction', 'index getAll', ''],
      'idb-strict': ['put × n, one transaction', 'index getAll', ''],
      dexie: ['bulkPut', 'where().equals()', 'liveQuery'],
      rxdb: ['bulkInsert', 'find().exec()', 'find().$'],
      outpost: ['one db.write (strict)', 'filtered().toArray()', 'filtered().observe()'],
    };
    const base = runs.get('idb')!;
    const strict = runs.get('idb-strict')!;
    for (const c of contestants) {
      const r = runs.get(c)!;
      // Outpost writes with strict durability: its floor is raw IndexedDB with strict durability.
      const b = c === 'outpost' ? { label: 'raw IndexedDB (strict)', runs: strict.map((x) => x.insertMs) } : { label: 'raw IndexedDB', runs: base.map((x) => x.insertMs) };
      measures.push(measure({ id: `client.insert.${c}`, label: `create ${n}: ${label[c]} ${op[c][0]}`, unit: 'ms', better: 'lower', runs: r.map((x) => x.insertMs), ...(c !== 'idb' ? { baseline: b } : {}) }));
    }
    for (const c of contestants) {
      const r = runs.get(c)!;
      const hits = r[0]!.queryCount;
      measures.push(measure({ id: `client.query.${c}`, label: `indexed equality (${hits} of ${n}): ${label[c]} ${op[c][1]}`, unit: 'ms', better: 'lower', runs: r.map((x) => x.queryMs), ...(c !== 'idb' ? { baseline: { label: 'raw IndexedDB', runs: base.map((x) => x.queryMs) } } : {}) }));
    }
    const o = runs.get('outpost')!;
    if (o.length) measures.push(measure({ id: 'client.insert.outpost.record', label: `  of which recording the ${n} creates on the page (validation)`, unit: 'ms', better: 'lower', runs: o.map((x) => x.recordMs!) }));
    const dexie = runs.get('dexie')!;
    const observers = (['dexie', 'rxdb', 'outpost'] as const).filter((c) => wanted.has(c));
    const cases = [
      ['latencyP50', 'p50', 'a 1 % query'],
      ['latencyP95', 'p95', 'a 1 % query'],
      ['allP50', 'p50', `all ${n} objects`],
      ['allP95', 'p95', `all ${n} objects`],
    ] as const;
    for (const [key, p, what] of cases) {
      for (const c of observers) {
        const r = runs.get(c)!;
        measures.push(
          measure({
            id: `client.observe.${key.startsWith('all') ? 'all' : 'query'}.${c}.${p}`,
            label: `write → observer of ${what}: ${label[c]} ${op[c][2]}, ${p}`,
            unit: 'ms',
            better: 'lower',
            runs: r.map((x) => x[key]!),
            ...(c !== 'dexie' && dexie.length ? { baseline: { label: 'Dexie liveQuery', runs: dexie.map((x) => x[key]!) } } : {}),
          }),
        );
      }
    }
    for (const [key, p] of [['sortedP50', 'p50'], ['sortedP95', 'p95']] as const) {
      if (o.length) measures.push(measure({ id: `client.observe.sorted.outpost.${p}`, label: `write → observer of all ${n} sorted by title, the write moves one: Outpost, ${p}`, unit: 'ms', better: 'lower', runs: o.map((x) => x[key]!) }));
    }
  }

  // ---- 2. initial sync ---------------------------------------------------------------------------
  // The browser client applies a bootstrap download by download as it arrives, out of the app's
  // sight, and makes it visible at once when it is complete (docs/client.md), so it runs at every
  // size, a million included; so does the protocol-level client in Node (lib/node-sync.ts), so
  // that its growth exponent compares like with like.
  const browserPoints: CurvePoint[] = [];
  const nodePoints: CurvePoint[] = [];
  const serverMemPoints: CurvePoint[] = [];
  for (const n of parts.has('sync') ? syncSizes : []) {
    const dataDir = tempDir();
    const snapshot = tempDir();
    // Seeding: flood limits raised (loading data is not what is measured).
    srv = await startServerProcess({ store: dataDir, schema, queryable, messagesPerSecond: 100_000, bytesPerSecond: 1024 ** 3, execArgv: serverHeap(n) });
    progress(`initial sync ${n}: seeding`);
    const seeded = await seed(srv.wsUrl, await srv.login(), n);
    progress(`initial sync ${n}: seeded in ${(seeded.ms / 1000).toFixed(1)} s`);
    await srv.stop();
    srv = undefined;
    cpSync(dataDir, snapshot, { recursive: true });
    /** A server on a fresh copy of the seeded database (every bootstrap appends to the history). */
    const fresh = async (staticDir?: string) => {
      rmSync(dataDir, { recursive: true, force: true });
      cpSync(snapshot, dataDir, { recursive: true });
      srv = await startServerProcess({ store: dataDir, schema, queryable, execArgv: serverHeap(n), ...(staticDir ? { staticDir } : {}) });
      return srv;
    };
    const stop = async () => {
      await srv?.stop();
      srv = undefined;
    };
    const label = n.toLocaleString('en-US');
    // Warm-up runs only where the client side has not run at a smaller size yet in this process.
    const first = n === syncSizes[0] ? -1 : 0;

    // Browser: Outpost and the HTTP + Dexie floor, on the same server, alternating which goes first.
    if (n <= browserMax) {
      writeFileSync(join(pageDir, `data-${n}.json`), JSON.stringify(workOrders(0, n)));
      const outpost: number[] = [];
      const floor: number[] = [];
      const clientMem: number[] = [];
      const serverMem: number[] = [];
      const floorMem: number[] = [];
      for (let i = first; i < args.runs; i++) {
        const s = await fresh(pageDir);
        const page = await openPage(s.url);
        progress(`initial sync ${n}, browser: ${i < 0 ? 'warm-up' : `run ${i + 1}/${args.runs}`}`);
        const runOutpost = async () => {
          const c0 = chromiumRss();
          const s0 = s.rss();
          const cs = peakSampler(chromiumRss, 100);
          const ss = peakSampler(() => s.rss(), 100);
          const r = await call(page, 'initialSync', n);
          const [cp, sp] = [cs.stop(), ss.stop()];
          if (i >= 0) (outpost.push(r.ms), clientMem.push(cp - c0), serverMem.push(sp - s0));
        };
        const runFloor = async () => {
          const c0 = chromiumRss();
          const cs = peakSampler(chromiumRss, 100);
          const r = await call(page, 'httpFloor', `/data-${n}.json?run=${i}`, n);
          const cp = cs.stop();
          if (i >= 0) (floor.push(r.ms), floorMem.push(cp - c0));
        };
        if (i % 2 === 0) await runOutpost().then(runFloor);
        else await runFloor().then(runOutpost);
        await page.close();
        await stop();
      }
      rmSync(join(pageDir, `data-${n}.json`), { force: true });
      measures.push(
        measure({
          id: `client.initialSync.${n}`,
          label: `initial sync of ${label} objects into a fresh browser client: objects/s`,
          unit: 'objects/s',
          better: 'higher',
          runs: outpost.map((ms) => n / (ms / 1000)),
          baseline: { label: 'HTTP JSON + Dexie bulkPut', runs: floor.map((ms) => n / (ms / 1000)) },
        }),
      );
      browserPoints.push({
        x: n,
        y: median(outpost) / 1000,
        runs: outpost.map((ms) => ms / 1000),
        extra: {
          'objects/s': n / (median(outpost) / 1000),
          'floor (s)': median(floor) / 1000,
          'client peak Δ (MiB)': median(clientMem) / 2 ** 20,
          'server peak Δ (MiB)': median(serverMem) / 2 ** 20,
          'floor client peak Δ (MiB)': median(floorMem) / 2 ** 20,
        },
      });
    }

    // Node: the protocol-level client, every size.
    if (!nodeSync) {
      rmSync(snapshot, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
      continue;
    }
    const nodeMs: number[] = [];
    const nodeServerMem: number[] = [];
    const nodeClientMem: number[] = [];
    for (let i = first; i < args.runs; i++) {
      const s = await fresh();
      progress(`initial sync ${n}, node client: ${i < 0 ? 'warm-up' : `run ${i + 1}/${args.runs}`}`);
      const token = await s.login();
      const c0 = rssOf(process.pid);
      const s0 = s.rss();
      const cs = peakSampler(() => rssOf(process.pid), 100);
      const ss = peakSampler(() => s.rss(), 100);
      const ms = await nodeInitialSync(s.wsUrl, token, n);
      const [cp, sp] = [cs.stop(), ss.stop()];
      if (i >= 0) (nodeMs.push(ms), nodeServerMem.push(sp - s0), nodeClientMem.push(cp - c0));
      await stop();
    }
    measures.push(
      measure({ id: `client.initialSyncNode.${n}`, label: `initial sync of ${label} objects into a fresh protocol-level client (Node): objects/s`, unit: 'objects/s', better: 'higher', runs: nodeMs.map((ms) => n / (ms / 1000)) }),
    );
    nodePoints.push({
      x: n,
      y: median(nodeMs) / 1000,
      runs: nodeMs.map((ms) => ms / 1000),
      extra: { 'objects/s': n / (median(nodeMs) / 1000), 'server peak Δ (MiB)': median(nodeServerMem) / 2 ** 20, 'client peak Δ (MiB)': median(nodeClientMem) / 2 ** 20, 'seed (s)': seeded.ms / 1000 },
    });
    serverMemPoints.push({ x: n, y: median(nodeServerMem) / 2 ** 20, runs: nodeServerMem.map((b) => b / 2 ** 20) });
    rmSync(snapshot, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (browserPoints.length) {
    curves.push(curve({ id: 'client.initialSync', label: 'Initial sync into a fresh browser client (Chromium): time against objects', xLabel: 'objects', yLabel: 'time (s)', points: browserPoints }));
  }
  if (nodePoints.length) curves.push(
    curve({ id: 'client.initialSyncNode', label: 'Initial sync into a fresh protocol-level client (Node): time against objects', xLabel: 'objects', yLabel: 'time (s)', points: nodePoints }),
    curve({ id: 'client.initialSyncServerMemory', label: 'Server memory during an initial sync (peak RSS growth)', xLabel: 'objects', yLabel: 'server peak Δ (MiB)', points: serverMemPoints }),
  );
  if (parts.has('sync') && syncSizes.some((n) => n > browserMax)) {
    notes.push(`initial sync above ${browserMax.toLocaleString('en-US')} objects runs only with the protocol-level client in Node (src/server/testing/protocol-client.ts, objects in memory).`);
  }

  const result: SuiteResult = {
    suite: 'bench:client',
    smoke: args.smoke,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    info,
    measures,
    curves,
    notes,
  };
  printResult(result);
  writeResult(result, args.json);
} finally {
  await srv?.stop();
  await browser.close();
  for (const d of temp) rmSync(d, { recursive: true, force: true });
}
