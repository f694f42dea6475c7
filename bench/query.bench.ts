/**
 * Query benchmark: a typical subscription query over 100,000 objects, evaluated by a full scan
 * and through the planner's index plan (a MemoryIndex — sorted array + hash — standing in for the
 * worker's IndexedDB index), plus the cost of compiling a query. The baseline, in the same run:
 * the same condition hand-written as a JavaScript closure over the same array (the floor of a
 * scan: no query language at all). Each figure is the median of 7 samples (each sample the mean
 * over at least 100 ms of repetitions).
 *
 *   npx tsx bench/query.bench.ts [--smoke] [--json out.json]
 */
import { ObjectId, parseSchema, validateObject, type ObjectRecord } from '../src/model/index.ts';
import { MemoryIndex, compileQuery, planIndexes, validateSubscription, type CompiledQuery } from '../src/query/index.ts';
import { measure, parseBenchArgs, printResult, writeResult, type Measure } from './lib/report.ts';
import { median } from './lib/stats.ts';

const args = parseBenchArgs();
const started = Date.now();
const N = args.smoke ? 5_000 : 100_000;
const SAMPLES = args.smoke ? 3 : 7;
const measures: Measure[] = [];
const OWNERS = 1_000;

const schema = parseSchema([
  {
    name: 'Task',
    primaryKey: '_id',
    properties: {
      _id: 'objectId',
      owner_id: { type: 'string', indexed: true },
      status: 'string',
      priority: 'int',
      due: { type: 'date', indexed: true },
      title: 'string',
      tags: 'string[]',
    },
  },
]);

let seed = 42;
const rnd = (): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

const STATUSES = ['open', 'in-progress', 'done', 'blocked'];
const WORDS = ['fix', 'bug', 'write', 'docs', 'ship', 'release', 'test', 'review'];
const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);

const tasks: ObjectRecord[] = [];
for (let i = 0; i < N; i++) {
  tasks.push(
    validateObject(schema, 'Task', {
      _id: new ObjectId(),
      owner_id: `user-${Math.floor(rnd() * OWNERS)}`,
      status: pick(STATUSES),
      priority: Math.floor(rnd() * 5),
      due: new Date(T0 + Math.floor(rnd() * 365) * DAY),
      title: `${pick(WORDS)} ${pick(WORDS)} ${i}`,
      tags: [pick(WORDS), pick(WORDS)],
    }),
  );
}

/** The median of SAMPLES samples of `sample` (each the mean over at least `minMs`). */
function timeIt(fn: () => number, minMs = 100): { perRunMs: number; result: number; samples: number[] } {
  const samples: number[] = [];
  let result = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const s = sample(fn, minMs);
    samples.push(s.perRunMs);
    result = s.result;
  }
  return { perRunMs: median(samples), result, samples };
}

function sample(fn: () => number, minMs: number): { perRunMs: number; result: number } {
  let runs = 0;
  let result = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs || runs < 3) {
    result = fn();
    runs++;
    elapsed = performance.now() - start;
  }
  return { perRunMs: elapsed / runs, result };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

interface Row {
  label: string;
  matches: number;
  ms: number;
}

function benchQuery(id: string, title: string, q: CompiledQuery, handWritten: (r: ObjectRecord) => boolean): Row[] {
  const plan = planIndexes(q);
  if (!plan.index) throw new Error(`no index plan for ${title}`);
  const buildStart = performance.now();
  const index = new MemoryIndex(plan.index.field, tasks);
  const buildMs = performance.now() - buildStart;

  const hand = timeIt(() => {
    let n = 0;
    for (const r of tasks) if (handWritten(r)) n++;
    return n;
  });
  const full = timeIt(() => q.filter(tasks).length);
  const viaIndex = timeIt(() => {
    let n = 0;
    for (const rec of index.lookup(plan.index!)) if (plan.residualMatches(rec)) n++;
    return n;
  });
  if (full.result !== viaIndex.result) throw new Error(`index plan disagrees with the full scan for ${title}`);
  if (full.result !== hand.result) throw new Error(`the hand-written filter disagrees with the evaluator for ${title}`);
  const baseline = { label: 'hand-written JS filter, full scan', runs: hand.samples };
  measures.push(measure({ id: `query.${id}.scan`, label: `${title}: evaluator, full scan of ${fmt(N)}`, unit: 'ms', better: 'lower', runs: full.samples, baseline }));
  measures.push(measure({ id: `query.${id}.index`, label: `${title}: index plan + residual`, unit: 'ms', better: 'lower', runs: viaIndex.samples, baseline }));
  console.log(`\n${title}`);
  console.log(`  index: ${JSON.stringify(plan.index, (_k, v) => (v instanceof Date ? v.toISOString() : v))} (built in ${buildMs.toFixed(1)} ms)`);
  return [
    { label: 'evaluator, full scan', matches: full.result, ms: full.perRunMs },
    { label: 'hand-written JS filter, full scan (baseline)', matches: hand.result, ms: hand.perRunMs },
    { label: `index plan (${plan.index.kind} on ${plan.index.field}) + residual`, matches: viaIndex.result, ms: viaIndex.perRunMs },
  ];
}

function printTable(rows: Row[]): void {
  const base = rows[0]!.ms;
  const header = ['method', 'matches', 'ms/query', 'objects/s', 'speed-up'];
  const body = rows.map((r) => [r.label, fmt(r.matches), r.ms.toFixed(3), fmt((N / r.ms) * 1000), `${(base / r.ms).toFixed(1)}x`]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log('  ' + line(header));
  for (const b of body) console.log('  ' + line(b));
}

console.log(`rql bench: ${fmt(N)} Task objects (${OWNERS} owners); objects/s = objects in the data set / time per query`);

const q1 = validateSubscription(schema, 'Task', "owner_id == $0 AND status != 'done' AND priority >= 3", ['user-7'], {
  byType: { Task: ['owner_id', 'status', 'priority'] },
});
printTable(
  benchQuery('subscription', "subscription: owner_id == $0 AND status != 'done' AND priority >= 3", q1, (r) => r.owner_id === 'user-7' && r.status !== 'done' && (r.priority as number) >= 3),
);

const q2 = compileQuery(schema, 'Task', "due >= $0 AND due < $1 AND status == 'open'", [new Date(T0 + 30 * DAY), new Date(T0 + 37 * DAY)]);
const [from, to] = [T0 + 30 * DAY, T0 + 37 * DAY];
printTable(
  benchQuery('local', "local query: due >= $0 AND due < $1 AND status == 'open'", q2, (r) => {
    const due = (r.due as Date).getTime();
    return due >= from && due < to && r.status === 'open';
  }),
);

const text = "owner_id == $0 AND status IN {'open', 'blocked'} AND (priority >= 3 OR tags CONTAINS[c] 'bug')";
for (let i = 0; i < 2000; i++) compileQuery(schema, 'Task', text, ['user-1']); // warm up the JIT
const compile = timeIt(() => (compileQuery(schema, 'Task', text, ['user-1']) ? 1 : 0));
console.log(`\ncompile (parse + type-check + closure build): ${(compile.perRunMs * 1000).toFixed(1)} µs per query`);
measures.push(measure({ id: 'query.compile', label: 'compile a query (parse + type-check + closure build)', unit: 'µs', better: 'lower', runs: compile.samples.map((ms) => ms * 1000) }));

const result = { suite: 'bench:query', smoke: args.smoke, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, info: { objects: N }, measures, curves: [], notes: [] };
if (args.json) {
  printResult(result);
  writeResult(result, args.json);
}
