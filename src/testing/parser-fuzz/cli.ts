import { Worker } from 'node:worker_threads';
import { BATCH, type TargetReport } from './run.ts';
import type { TargetName } from './targets.ts';

/*
 * npm run fuzz:parsers                         1,000,000 inputs for each parser
 * npm run fuzz:parsers -- --inputs 50000 --seed 7 --only query --workers 2
 *
 * Each parser runs in its own worker thread with a memory limit; the main thread watches its
 * position and stops it when one input takes longer than --hang-ms (a hang). Crashes (anything
 * thrown that is not the typed error) are printed with the batch and index that replays them:
 * input i of batch b is fc.sample(target.input, { seed: seed + b, numRuns: 1000 })[i].
 */
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const ALL: TargetName[] = ['message', 'changeset', 'query'];
const count = Number(arg('--inputs') ?? 1_000_000);
const seed = Number(arg('--seed') ?? 1);
const workers = Number(arg('--workers') ?? 1);
const hangMs = Number(arg('--hang-ms') ?? 30_000);
const maxInputMs = Number(arg('--max-input-ms') ?? 5_000);
const memoryMb = Number(arg('--memory-mb') ?? 1024);
const only = arg('--only')?.split(',') as TargetName[] | undefined;
const targets = only ?? ALL;
if (![count, seed, workers, hangMs, maxInputMs, memoryMb].every(Number.isSafeInteger) || count < 1 || workers < 1 || targets.some((t) => !ALL.includes(t))) {
  console.error('usage: npm run fuzz:parsers -- [--inputs N] [--seed S] [--only message,changeset,query] [--workers N] [--hang-ms MS] [--max-input-ms MS] [--memory-mb MB]');
  process.exit(2);
}

interface Outcome {
  target: TargetName;
  report?: TargetReport;
  failure?: string;
}

function runOne(target: TargetName): Promise<Outcome> {
  const position = new SharedArrayBuffer(8);
  const where = new Int32Array(position);
  // Worker threads do not inherit the tsx loader of the main thread: load the TypeScript entry through it.
  const entry = new URL('./worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`;
  const worker = new Worker(boot, {
    eval: true,
    workerData: { target, count, seed, maxInputMs, position },
    resourceLimits: { maxOldGenerationSizeMb: memoryMb },
  });
  const started = Date.now();
  return new Promise((resolve) => {
    let last = -1;
    let lastChange = Date.now();
    let done = false;
    const finish = (o: Outcome) => {
      if (done) return;
      done = true;
      clearInterval(watch);
      resolve(o);
    };
    const at = () => `batch ${Atomics.load(where, 0)} index ${Atomics.load(where, 1)} (input ${Atomics.load(where, 0) * BATCH + Atomics.load(where, 1)})`;
    const watch = setInterval(() => {
      const now = Atomics.load(where, 0) * BATCH + Atomics.load(where, 1);
      if (now !== last) {
        last = now;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > hangMs) {
        const failure = `HANG: no progress for ${hangMs} ms at ${at()}`;
        void worker.terminate();
        finish({ target, failure });
      }
    }, 1000);
    worker.on('message', (m: { progress?: number; crashes?: number; report?: TargetReport }) => {
      if (m.progress !== undefined) console.log(`  ${target}: ${m.progress} inputs, ${m.crashes} crashes, ${((Date.now() - started) / 1000).toFixed(0)}s`);
      if (m.report) finish({ target, report: m.report });
    });
    worker.on('error', (err) => finish({ target, failure: `CRASH of the worker (${err.message}) at ${at()}` }));
    worker.on('exit', (code) => finish({ target, failure: `worker exited with ${code} at ${at()}` }));
  });
}

const started = Date.now();
const queue = [...targets];
const outcomes: Outcome[] = [];
await Promise.all(
  Array.from({ length: Math.min(workers, queue.length) }, async () => {
    for (let t = queue.shift(); t; t = queue.shift()) outcomes.push(await runOne(t));
  }),
);

let failed = false;
for (const target of targets) {
  const o = outcomes.find((x) => x.target === target)!;
  if (o.failure || !o.report) {
    failed = true;
    console.log(`${target}: ${o.failure ?? 'no report'}`);
    continue;
  }
  const r = o.report;
  const crashes = r.crashes.reduce((n, c) => n + c.count, 0);
  if (crashes > 0 || r.overTime > 0) failed = true;
  console.log(
    `${target}: ${r.inputs} inputs tried, ${crashes} crashes, ${r.overTime} over ${maxInputMs} ms, slowest ${r.slowest.ms.toFixed(1)} ms (batch ${r.slowest.batch} index ${r.slowest.index}), peak heap ${r.peakHeapMb} MB, ${r.seconds.toFixed(1)}s`,
  );
  for (const c of r.crashes) {
    console.log(`  ${c.count}× ${c.kind}\n    first at batch ${c.first.batch} index ${c.first.index}: ${c.first.input}\n    ${c.first.stack.split('\n').slice(0, 8).join('\n    ')}`);
  }
}
console.log(`seed ${seed}, ${((Date.now() - started) / 1000).toFixed(1)}s in all`);
process.exit(failed ? 1 : 0);
