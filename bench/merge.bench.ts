import { performance } from 'node:perf_hooks';
import { decodeChangeset, encodeChangeset, type Changeset, type Instruction } from '../src/changeset/index.ts';
import { rebase } from '../src/merge/index.ts';
import { Random } from '../src/sim/random.ts';
import { curve, measure, parseBenchArgs, printResult, writeResult, type SuiteResult } from './lib/report.ts';
import { median } from './lib/stats.ts';

/*
 * bench:merge — the cost of integrating one changeset against H concurrent changesets (what the
 * server does for an upload from a client that was offline while H changes landed), for
 * H = 10 .. 10,000. The concurrent changesets write fields of 1,000 objects and insert into a
 * shared list; the incoming one edits 5 objects and that list, so part of the history conflicts.
 * Linear growth shows as a flat "µs per concurrent changeset" column.
 *
 * Baseline, in the same runs: decoding the same H changesets from their stored JSON, which the
 * server does anyway to read that window from its history (so the ratio says how much the
 * transform adds to work that cannot be avoided).
 * Run: npx tsx bench/merge.bench.ts [--smoke] [--json out.json]
 */
const args = parseBenchArgs();
const started = Date.now();
const rng = new Random(42);
const OBJECTS = 1000;

function changeset(origin: number, ts: number, objects: number[], listInserts: number): Changeset {
  const instructions: Instruction[] = [];
  for (const o of objects) {
    instructions.push({ op: 'Set', type: 'WorkOrder', pk: 'wo' + o, path: ['status'], value: 's' + rng.int(100) });
    instructions.push({ op: 'AddInteger', type: 'WorkOrder', pk: 'wo' + o, path: ['visits'], value: 1 });
  }
  for (let k = 0; k < listInserts; k++) {
    instructions.push({ op: 'ListInsert', type: 'Board', pk: 'main', path: ['cards', rng.int(50)], value: `c${origin}.${ts}.${k}` });
  }
  return { origin, timestamp: ts, instructions };
}

function history(h: number): Changeset[] {
  const out: Changeset[] = [];
  for (let i = 0; i < h; i++) {
    const objs = [rng.int(OBJECTS), rng.int(OBJECTS), rng.int(OBJECTS)];
    out.push(changeset(2 + (i % 50), 1_000_000 + i, objs, rng.bool(0.2) ? 1 : 0));
  }
  return out;
}

const rows: { h: number; ms: number; perItem: number; runs: number[]; decode: number[] }[] = [];
for (const h of args.smoke ? [10, 100, 1_000] : [10, 100, 1_000, 10_000]) {
  const concurrent = history(h);
  const stored = concurrent.map((c) => JSON.stringify(encodeChangeset(c)));
  const incoming = changeset(999, 1_000_000 + h / 2, [1, 2, 3, 4, 5], 3);
  const runs = args.smoke ? 3 : h >= 10_000 ? 7 : 15;
  const times: number[] = [];
  const decode: number[] = [];
  for (let r = 0; r < runs + 2; r++) {
    // Fresh arrays each run, as a server reading history from storage would have (no caches).
    const fresh = concurrent.map((c) => ({ ...c, instructions: c.instructions.slice() }));
    let t0 = performance.now();
    rebase(incoming, fresh);
    const dt = performance.now() - t0;
    t0 = performance.now();
    for (const s of stored) decodeChangeset(JSON.parse(s));
    const dd = performance.now() - t0;
    if (r >= 2) (times.push(dt), decode.push(dd)); // the first runs warm up the JIT
  }
  const ms = median(times);
  rows.push({ h, ms, perItem: (ms * 1000) / h, runs: times, decode });
}

console.log('\nbench:merge — integrate one changeset against H concurrent changesets (median)\n');
console.log('| H (concurrent) | time (ms) | µs per concurrent changeset | growth vs previous H (10x) |');
console.log('|---:|---:|---:|---:|');
rows.forEach((r, i) => {
  const growth = i === 0 ? '—' : (r.ms / rows[i - 1]!.ms).toFixed(1) + 'x';
  console.log(`| ${r.h.toLocaleString('en')} | ${r.ms.toFixed(3)} | ${r.perItem.toFixed(2)} | ${growth} |`);
});
const first = rows[1]!;
const last = rows[rows.length - 1]!;
const exponent = Math.log(last.ms / first.ms) / Math.log(last.h / first.h);
console.log(`\ngrowth exponent from H=${first.h} to H=${last.h}: ${exponent.toFixed(2)} (1.00 = linear)`);

const result: SuiteResult = {
  suite: 'bench:merge',
  smoke: args.smoke,
  startedAt: new Date(started).toISOString(),
  durationMs: Date.now() - started,
  info: {},
  measures: rows.map((r) =>
    measure({
      id: `merge.rebase.h${r.h}`,
      label: `rebase one changeset over ${r.h.toLocaleString('en-US')} concurrent changesets`,
      unit: 'ms',
      better: 'lower',
      runs: r.runs,
      baseline: { label: `decoding those ${r.h.toLocaleString('en-US')} from JSON`, runs: r.decode },
    }),
  ),
  curves: [
    curve({
      id: 'merge.rebase',
      label: 'Merge cost against concurrent history length',
      xLabel: 'concurrent changesets',
      yLabel: 'time (ms)',
      points: rows.map((r) => ({ x: r.h, y: r.ms, runs: r.runs, extra: { 'µs per changeset': r.perItem, 'decode baseline (ms)': median(r.decode) } })),
    }),
  ],
  notes: [],
};
if (args.json) {
  printResult(result);
  writeResult(result, args.json);
}
