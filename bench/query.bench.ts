/**
 * Query benchmark: a typical subscription query over 100,000 objects, evaluated by a full scan
 * and through the planner's index plan (a MemoryIndex — sorted array + hash — standing in for the
 * worker's IndexedDB index), plus the cost of compiling a query.
 *
 *   npx tsx bench/query.bench.ts        (the lead wires this as `npm run bench:query`)
 */
import { ObjectId, parseSchema, validateObject, type ObjectRecord } from '../src/model/index.ts';
import { MemoryIndex, compileQuery, planIndexes, validateSubscription, type CompiledQuery } from '../src/query/index.ts';

const N = 100_000;
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

function timeIt(fn: () => number, minMs = 300): { perRunMs: number; result: number } {
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

function benchQuery(title: string, q: CompiledQuery): Row[] {
  const plan = planIndexes(q);
  if (!plan.index) throw new Error(`no index plan for ${title}`);
  const buildStart = performance.now();
  const index = new MemoryIndex(plan.index.field, tasks);
  const buildMs = performance.now() - buildStart;

  const full = timeIt(() => q.filter(tasks).length);
  const viaIndex = timeIt(() => {
    let n = 0;
    for (const rec of index.lookup(plan.index!)) if (plan.residualMatches(rec)) n++;
    return n;
  });
  if (full.result !== viaIndex.result) throw new Error(`index plan disagrees with the full scan for ${title}`);
  console.log(`\n${title}`);
  console.log(`  index: ${JSON.stringify(plan.index, (_k, v) => (v instanceof Date ? v.toISOString() : v))} (built in ${buildMs.toFixed(1)} ms)`);
  return [
    { label: 'evaluator, full scan', matches: full.result, ms: full.perRunMs },
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
printTable(benchQuery("subscription: owner_id == $0 AND status != 'done' AND priority >= 3", q1));

const q2 = compileQuery(schema, 'Task', "due >= $0 AND due < $1 AND status == 'open'", [new Date(T0 + 30 * DAY), new Date(T0 + 37 * DAY)]);
printTable(benchQuery("local query: due >= $0 AND due < $1 AND status == 'open'", q2));

const text = "owner_id == $0 AND status IN {'open', 'blocked'} AND (priority >= 3 OR tags CONTAINS[c] 'bug')";
for (let i = 0; i < 2000; i++) compileQuery(schema, 'Task', text, ['user-1']); // warm up the JIT
const compile = timeIt(() => (compileQuery(schema, 'Task', text, ['user-1']) ? 1 : 0), 500);
console.log(`\ncompile (parse + type-check + closure build): ${(compile.perRunMs * 1000).toFixed(1)} µs per query`);
