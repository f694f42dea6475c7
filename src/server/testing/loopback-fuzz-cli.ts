import { runLoopbackScenario } from './loopback-fuzz.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const single = arg('--seed');
const count = Number(arg('--seeds') ?? (single ? 1 : 100));
const from = single ? Number(single) : Number(arg('--from') ?? 1);
const steps = Number(arg('--steps') ?? 150);
const sharedKeys = !process.argv.includes('--unique-keys');
let ok = 0;
const failed: number[] = [];
const started = Date.now();
for (let seed = from; seed < from + count; seed++) {
  // A long run says how far it got (several runs over disjoint ranges share the cores).
  if (count >= 200 && seed > from && (seed - from) % 100 === 0) console.log(`  ${seed - from}/${count} seeds, ${failed.length} failed, ${Math.round((Date.now() - started) / 1000)}s`);
  const r = await runLoopbackScenario(seed, steps, sharedKeys);
  if (r.problems.length === 0) ok++;
  else {
    failed.push(seed);
    console.log(`seed ${seed} FAILED — replay: npm run fuzz:server -- --seed ${seed}`);
    for (const p of r.problems.slice(0, single ? 40 : 3)) console.log('  ' + p);
  }
}
console.log(`converged ${ok}/${count} seeds ${from}..${from + count - 1} (${steps} steps, ${sharedKeys ? 'shared' : 'unique'} keys, ${((Date.now() - started) / 1000).toFixed(1)}s)`);
if (failed.length) process.exit(1);
