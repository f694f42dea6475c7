import { describe, expect, it } from 'vitest';
import { runTarget } from './run.ts';
import { TARGETS, type TargetName } from './targets.ts';

/*
 * The parser fuzzer inside the test suite, at a small size (npm run fuzz:parsers runs a million
 * inputs per parser). PARSER_FUZZ_SEED picks another seed; a failure prints the seed, batch and
 * index that replay the input (see cli.ts).
 */
const seed = Number(process.env.PARSER_FUZZ_SEED ?? 20261203);
const INPUTS = 1500;

describe(`parser fuzzer (seed ${seed})`, () => {
  for (const name of Object.keys(TARGETS) as TargetName[]) {
    it(`${name}: ${INPUTS} inputs, every rejection a typed error`, () => {
      const r = runTarget(TARGETS[name] as never, { count: INPUTS, seed, maxInputMs: Number.POSITIVE_INFINITY });
      const crashes = r.crashes.map((c) => `${c.count}× ${c.kind} — seed ${seed} batch ${c.first.batch} index ${c.first.index}: ${c.first.input}\n${c.first.stack}`);
      expect(r.inputs).toBe(INPUTS);
      expect(crashes, crashes.join('\n\n')).toEqual([]);
    }, 60_000);
  }
});
