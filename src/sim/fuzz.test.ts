import { describe, expect, it } from 'vitest';
import { runScenario } from './fuzz.ts';

/*
 * The convergence fuzzer inside the test suite: 300 seeds (npm run fuzz runs more). A failure
 * names its seed; replay it with `npm run fuzz -- --seed S`.
 */
describe('convergence fuzzer', () => {
  for (let chunk = 0; chunk < 6; chunk++) {
    it(`seeds ${chunk * 50 + 1}..${chunk * 50 + 50} converge and match the oracle`, () => {
      const failures: string[] = [];
      for (let seed = chunk * 50 + 1; seed <= chunk * 50 + 50; seed++) {
        const r = runScenario(seed);
        if (!r.ok) failures.push(`seed ${seed} (replay: npm run fuzz -- --seed ${seed}):\n  ${r.problems.slice(0, 3).join('\n  ')}`);
      }
      expect(failures, failures.join('\n')).toEqual([]);
    });
  }
});
