import { performance } from 'node:perf_hooks';
import type { Changeset, Instruction } from '../src/changeset/index.ts';
import { rebase } from '../src/merge/index.ts';
import { Random } from '../src/sim/random.ts';

/*
 * bench:merge — the cost of integrating one changeset against H concurrent changesets (what the
 * server does for an upload from a client that was offline while H changes landed), for
 * H = 10 .. 10,000. The concurrent changesets write fields of 1,000 objects and insert into a
 * shared list; the incoming one edits 5 objects and that list, so part of the history conflicts.
 * Linear growth shows as a flat "µs per concurrent changeset" column.
 */
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const rows: { h: number; ms: number; perItem: number }[] = [];
for (const h of [10, 100, 1_000, 10_000]) {
  const concurrent = history(h);
  const incoming = changeset(999, 1_000_000 + h / 2, [1, 2, 3, 4, 5], 3);
  const runs = h >= 10_000 ? 7 : 15;
  const times: number[] = [];
  for (let r = 0; r < runs + 2; r++) {
    // Fresh arrays each run, as a server reading history from storage would have (no caches).
    const fresh = concurrent.map((c) => ({ ...c, instructions: c.instructions.slice() }));
    const t0 = performance.now();
    rebase(incoming, fresh);
    const dt = performance.now() - t0;
    if (r >= 2) times.push(dt); // the first runs warm up the JIT
  }
  const ms = median(times);
  rows.push({ h, ms, perItem: (ms * 1000) / h });
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
