import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseSchema } from '../src/model/index.ts';
import { ProtocolClient } from '../src/server/testing/protocol-client.ts';
import { createInstructions, queryable, schema, WORK_ORDER, workOrders } from './lib/data.ts';
import { fanout } from './lib/fanout.ts';
import { LightSession } from './lib/light-session.ts';
import { curve, measure, parseBenchArgs, printResult, progress, writeResult, type Curve, type Measure, type SuiteResult } from './lib/report.ts';
import { startServerProcess } from './lib/server-proc.ts';
import { median } from './lib/stats.ts';
import { mergedThroughput } from './lib/throughput.ts';

/*
 * bench:server — the sync server under load, over loopback, with the server in a child process:
 *   1. upload-to-other-client latency (p50, p99) with 1, 100, 1,000 and 5,000 connected sessions,
 *      against a plain WebSocket broadcast of the same frame to the same sockets (lib/fanout.ts);
 *   2. memory per idle session at the largest level (RSS and heap delta ÷ sessions);
 *   3. merged changesets per second on SQLite and on PostgreSQL, against raw inserts of the same
 *      rows into the same database (lib/throughput.ts);
 *   4. the cost of connecting a fresh session against the number of sessions that bootstrapped
 *      before it (what makes connecting thousands of fresh clients slow).
 * Run: npx tsx bench/server.bench.ts [--smoke] [--runs 5] [--json out.json] [--part fanout,merge,connect] [--levels 1,100,1000,5000]
 *   [--stores sqlite,postgres] [--writers 1,8,64]
 * (BENCH_SERVER_PROF=<dir> writes a CPU profile of each server child there.)
 */

const args = parseBenchArgs();
const flag = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const parts = new Set((flag('--part') ?? 'fanout,merge,connect').split(','));
for (const p of parts) if (!['fanout', 'merge', 'connect'].includes(p)) throw new Error(`--part: unknown part ${p} (fanout, merge, connect)`);
const stores = (flag('--stores') ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[];
const started = Date.now();
const size = args.smoke
  ? { levels: [1, 5], rounds: () => 3, writers: 2, perWriter: 5, connect: [2, 4, 8], connectProbe: 2 }
  : { levels: [1, 100, 1000, 5000], rounds: (n: number) => (n <= 1 ? 100 : n <= 100 ? 20 : n <= 1000 ? 8 : 5), writers: 8, perWriter: 60, connect: [25, 50, 100, 200, 400], connectProbe: 5 };
// --levels 1000,5000: only these fan-out levels (profiling one level without the others).
const levelsFlag = flag('--levels');
if (levelsFlag !== undefined) size.levels = levelsFlag.split(',').map(Number);

const measures: Measure[] = [];
const curves: Curve[] = [];
const notes: string[] = [];
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'outpost-bench-'));
  dirs.push(d);
  return d;
};

try {
  // ---- 1 + 2: fan-out latency and memory per session ------------------------------------------
  if (parts.has('fanout')) {
    const srv = await startServerProcess({ store: tempDir(), schema, queryable, maxSessions: 20_000 });
    try {
      const r = await fanout(srv, { levels: size.levels, runs: args.runs, rounds: size.rounds });
      for (const l of r.levels) {
        const s = `${l.sessions.toLocaleString('en-US')} session${l.sessions > 1 ? 's' : ''}`;
        measures.push(measure({ id: `server.fanout.s${l.sessions}.p50`, label: `upload → other client, ${s}: p50`, unit: 'ms', better: 'lower', runs: l.p50, baseline: { label: 'ws broadcast', runs: l.floorP50 } }));
        measures.push(measure({ id: `server.fanout.s${l.sessions}.p99`, label: `upload → other client, ${s}: p99`, unit: 'ms', better: 'lower', runs: l.p99, baseline: { label: 'ws broadcast', runs: l.floorP99 } }));
      }
      curves.push(
        curve({
          id: 'server.fanout',
          label: 'Fan-out: upload → other client latency p50 against connected sessions',
          xLabel: 'sessions',
          yLabel: 'p50 (ms)',
          points: r.levels.map((l) => ({
            x: l.sessions,
            y: median(l.p50),
            runs: l.p50,
            extra: { 'p99 (ms)': median(l.p99), 'last receiver (ms)': median(l.last), 'ws floor p50 (ms)': median(l.floorP50), 'connect ms/session': l.connectMsPerSession, 'server RSS (MiB)': l.memory.rss / 2 ** 20 },
          })),
        }),
      );
      const top = r.levels[r.levels.length - 1]!;
      const n = top.sessions;
      const per = (a: number, b: number) => (a - b) / n;
      measures.push(measure({ id: 'server.memory.rssPerSession', label: `memory per idle session at ${n.toLocaleString('en-US')}: RSS delta ÷ sessions`, unit: 'bytes', better: 'lower', runs: [per(top.memory.rss, r.before.rss)] }));
      measures.push(measure({ id: 'server.memory.heapPerSession', label: `memory per idle session at ${n.toLocaleString('en-US')}: JS heap delta ÷ sessions`, unit: 'bytes', better: 'lower', runs: [per(top.memory.heapUsed, r.before.heapUsed)] }));
      measures.push(measure({ id: 'server.memory.externalPerSession', label: `memory per idle session at ${n.toLocaleString('en-US')}: external (buffers) delta ÷ sessions`, unit: 'bytes', better: 'lower', runs: [per(top.memory.external, r.before.external)] }));
      measures.push(
        measure({ id: 'server.memory.rssPerSessionDeflate', label: `… after one compressed (> 1 KiB) frame to every session: RSS delta ÷ sessions`, unit: 'bytes', better: 'lower', runs: [per(r.afterLargeFrame.rss, r.before.rss)] }),
      );
      const slope = fitLine(r.levels.map((l) => ({ x: l.sessions, y: l.memory.rss })));
      notes.push(
        `memory per session: one snapshot (after two forced GCs in the server process), so 1 run; the least-squares slope of server RSS over the levels ${r.levels.map((l) => l.sessions).join(', ')} is ${(slope / 1024).toFixed(1)} KiB per session.`,
      );
    } finally {
      await srv.stop();
    }
  }

  // ---- 3: merged changesets per second, SQLite and PostgreSQL --------------------------------
  if (parts.has('merge')) {
    const writerLevels = (flag('--writers') ?? (args.smoke ? String(size.writers) : '1,8,64')).split(',').map(Number);
    // About the same number of changesets per run at every level (at least 15 per writer).
    const perWriter = (w: number) => (args.smoke ? size.perWriter : Math.max(15, Math.round(480 / w)));
    const storeLabel = (kind: 'sqlite' | 'postgres') => (kind === 'sqlite' ? 'embedded store (SQLite)' : 'PostgreSQL');
    for (const kind of stores) {
      const points = [];
      for (const w of writerLevels) {
        progress(`merge: ${kind}, ${w} writer(s)`);
        const r = await mergedThroughput(kind, { dir: tempDir(), writers: w, perWriter: perWriter(w), runs: args.runs });
        // The 8-writer figure keeps its historical id; other levels carry theirs.
        const id = w === size.writers ? `server.merge.${kind}` : `server.merge.${kind}.w${w}`;
        measures.push(
          measure({
            id,
            label: `merged changesets/s, ${storeLabel(kind)}, ${r.writers} writer${r.writers > 1 ? 's' : ''}`,
            unit: 'changesets/s',
            better: 'higher',
            runs: r.outpost,
            baseline: { label: 'raw inserts of the same rows, 1 tx each', runs: r.raw },
          }),
        );
        points.push({ x: w, y: median(r.outpost), runs: r.outpost, extra: { 'raw inserts/s': median(r.raw), ratio: median(r.outpost.map((v, i) => v / r.raw[i]!)) } });
      }
      if (points.length > 1) {
        curves.push(curve({ id: `server.merge.${kind}.writers`, label: `Merged changesets/s against writers, ${storeLabel(kind)}`, xLabel: 'writers', yLabel: 'changesets/s', points }));
      }
    }
    if (stores.includes('postgres') && !args.smoke && flag('--writers') === undefined) {
      progress('merge: postgres, 2 nodes, 8 writers');
      const w = size.writers;
      const r = await mergedThroughput('postgres', { dir: tempDir(), writers: w, perWriter: perWriter(w), runs: args.runs, nodes: 2 });
      measures.push(
        measure({
          id: 'server.merge.postgres.2nodes',
          label: `merged changesets/s, PostgreSQL, 2 nodes (${w} writers split between them), total`,
          unit: 'changesets/s',
          better: 'higher',
          runs: r.outpost,
          baseline: { label: 'raw inserts of the same rows, 1 tx each', runs: r.raw },
        }),
      );
    }
  }

  // ---- 4: connecting a fresh session against sessions that bootstrapped before --------------
  if (parts.has('connect')) {
    const srv = await startServerProcess({ store: tempDir(), schema, queryable, maxSessions: 20_000 });
    const sessions: LightSession[] = [];
    try {
      const token = await srv.login();
      const seeder = new ProtocolClient({ url: srv.wsUrl, token, schema: parseSchema(schema) });
      await seeder.connect();
      await seeder.subscribe([{ objectType: WORK_ORDER, query: 'TRUEPREDICATE', args: [] }]);
      seeder.write(workOrders(0, 10).flatMap(createInstructions));
      await seeder.sync();
      seeder.disconnect();
      const all = [{ objectType: WORK_ORDER, query: 'TRUEPREDICATE', args: [] }];
      const points = [];
      for (const k of size.connect) {
        while (sessions.length < k - size.connectProbe) {
          const n = Math.min(10, k - size.connectProbe - sessions.length);
          sessions.push(...(await Promise.all(Array.from({ length: n }, () => LightSession.open(srv.wsUrl, token, schema, all)))));
        }
        // Probes one at a time, on an otherwise idle server.
        const times: number[] = [];
        for (let i = 0; i < size.connectProbe; i++) {
          const t0 = performance.now();
          sessions.push(await LightSession.open(srv.wsUrl, token, schema, all));
          times.push(performance.now() - t0);
        }
        points.push({ x: k, y: median(times), runs: times });
      }
      curves.push(
        curve({
          id: 'server.connect',
          label: 'Connecting a fresh session (BIND → bootstrap of a 10-object view) against sessions that bootstrapped before',
          xLabel: 'sessions before',
          yLabel: 'connect (ms)',
          points,
          note: 'each earlier bootstrap appended history entries private to its client, which every later session passes over',
        }),
      );
    } finally {
      for (const s of sessions) s.close();
      await srv.stop();
    }
  }

  const result: SuiteResult = {
    suite: 'bench:server',
    smoke: args.smoke,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    info: { 'server store (latency, memory)': 'SQLite (embedded), temp directory', transport: 'WebSocket over loopback, server in a child process' },
    measures,
    curves,
    notes,
  };
  printResult(result);
  writeResult(result, args.json);
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

/** Least-squares slope of y over x. */
function fitLine(pts: { x: number; y: number }[]): number {
  const mx = pts.reduce((a, p) => a + p.x, 0) / pts.length;
  const my = pts.reduce((a, p) => a + p.y, 0) / pts.length;
  const sxy = pts.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const sxx = pts.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}
