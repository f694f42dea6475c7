import { Worker } from 'node:worker_threads';
import { runRange, type RangeReport } from './fuzz-range.ts';

/*
 * npm run fuzz -- --seeds 2000               runs seeds 1..2000 (or --from S to start elsewhere)
 * npm run fuzz -- --seeds 100000 --workers 2 splits the range over 2 worker threads in chunks
 * npm run fuzz -- --seed 1234                replays one seed and prints what went wrong
 */
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const single = arg('--seed');
const count = Number(arg('--seeds') ?? (single ? 1 : 300));
const from = single ? Number(single) : Number(arg('--from') ?? 1);
const steps = arg('--steps') ? Number(arg('--steps')) : undefined;
const workers = single ? 1 : Number(arg('--workers') ?? 1);
if (!Number.isSafeInteger(from) || !Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(workers) || workers < 1) {
  console.error('usage: npm run fuzz -- [--seeds N] [--from S] [--seed S] [--steps N] [--workers N]');
  process.exit(2);
}

const started = Date.now();
let seedsDone = 0;
let converged = 0;
let changesets = 0;
const failed: number[] = [];

function take(report: RangeReport): void {
  seedsDone += report.seeds;
  converged += report.converged;
  changesets += report.changesets;
  for (const f of report.failures) {
    failed.push(f.seed);
    console.log(`seed ${f.seed} FAILED (${f.clients} clients, ${f.steps} steps) — replay: npm run fuzz -- --seed ${f.seed}`);
    for (const p of f.problems) console.log('  ' + p);
  }
}

if (workers === 1) {
  // In-thread in chunks, so a long run shows progress.
  for (let at = from; at < from + count; at += 1000) {
    take(runRange(at, Math.min(1000, from + count - at), steps, single ? 50 : 3));
    if (count > 1000) progress();
  }
} else {
  await runInWorkers();
}

function progress(): void {
  const secs = (Date.now() - started) / 1000;
  console.log(`  ${seedsDone}/${count} seeds, ${failed.length} failed, ${secs.toFixed(0)}s`);
}

async function runInWorkers(): Promise<void> {
  // Chunks small enough to balance the threads, large enough that messaging costs nothing.
  const chunk = Math.max(1, Math.min(500, Math.ceil(count / (workers * 4))));
  let next = from;
  let lastProgress = Date.now();
  await Promise.all(
    Array.from({ length: Math.min(workers, Math.ceil(count / chunk)) }, () => {
      // Worker threads do not inherit the tsx loader of the main thread: load the TypeScript entry through it.
      const entry = new URL('./fuzz-worker.ts', import.meta.url).href;
      const boot = `import('tsx/esm/api').then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`;
      const worker = new Worker(boot, { eval: true, workerData: { steps } });
      const give = () => {
        if (next >= from + count) return worker.postMessage(null);
        const size = Math.min(chunk, from + count - next);
        worker.postMessage({ from: next, count: size });
        next += size;
      };
      return new Promise<void>((resolve, reject) => {
        worker.on('message', (m: { ready: true } | { report: RangeReport }) => {
          if ('report' in m) {
            take(m.report);
            if (Date.now() - lastProgress > 30_000) {
              lastProgress = Date.now();
              progress();
            }
          }
          give();
        });
        worker.on('error', reject);
        worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`fuzz worker exited with ${code}`))));
      });
    }),
  );
}

const secs = ((Date.now() - started) / 1000).toFixed(1);
console.log(`converged ${converged}/${count} seeds ${from}..${from + count - 1} (${changesets} changesets, ${secs}s, ${workers} worker${workers === 1 ? '' : 's'})`);
if (failed.length > 0 || seedsDone !== count) {
  if (failed.length > 0) console.log(`failing seeds: ${failed.sort((a, b) => a - b).slice(0, 50).join(' ')}`);
  process.exit(1);
}
