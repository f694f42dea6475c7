import { runScenario } from './fuzz.ts';

/*
 * npm run fuzz -- --seeds 2000     runs seeds 1..2000 (or --from S to start elsewhere)
 * npm run fuzz -- --seed 1234      replays one seed and prints what went wrong
 */
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const single = arg('--seed');
const count = Number(arg('--seeds') ?? (single ? 1 : 300));
const from = single ? Number(single) : Number(arg('--from') ?? 1);
const steps = arg('--steps') ? Number(arg('--steps')) : undefined;
if (!Number.isSafeInteger(from) || !Number.isSafeInteger(count) || count < 1) {
  console.error('usage: npm run fuzz -- [--seeds N] [--from S] [--seed S] [--steps N]');
  process.exit(2);
}

const started = Date.now();
let converged = 0;
const failed: number[] = [];
let changesets = 0;
for (let seed = from; seed < from + count; seed++) {
  const r = runScenario(seed, steps === undefined ? {} : { steps });
  changesets += r.stats.changesets;
  if (r.ok) converged++;
  else {
    failed.push(seed);
    console.log(`seed ${seed} FAILED (${r.stats.clients} clients, ${r.stats.steps} steps) — replay: npm run fuzz -- --seed ${seed}`);
    for (const p of r.problems.slice(0, single ? 50 : 3)) console.log('  ' + p);
  }
}
const secs = ((Date.now() - started) / 1000).toFixed(1);
console.log(`converged ${converged}/${count} (${changesets} changesets, ${secs}s)`);
if (failed.length > 0) {
  console.log(`failing seeds: ${failed.slice(0, 50).join(' ')}`);
  process.exit(1);
}
