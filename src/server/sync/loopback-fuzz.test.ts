import { describe, expect, it } from 'vitest';
import { runLoopbackScenario } from './loopback-fuzz.ts';

/*
 * The convergence fuzzer against the real engine and sessions (deterministic loopback). Every
 * create uses a new primary key, as apps with ObjectId keys do; `npm run fuzz:server` also runs
 * the harder variant where clients create, erase and re-create the same keys concurrently.
 */
describe('convergence fuzzer against the real engine (loopback, deterministic)', () => {
  for (let chunk = 0; chunk < 4; chunk++) {
    it(`seeds ${chunk * 25 + 1}..${chunk * 25 + 25} converge`, async () => {
      const failures: string[] = [];
      for (let seed = chunk * 25 + 1; seed <= chunk * 25 + 25; seed++) {
        const r = await runLoopbackScenario(seed, 150, false);
        if (r.problems.length) failures.push(`seed ${seed} (replay: npm run fuzz:server -- --unique-keys --seed ${seed}):\n  ${r.problems.slice(0, 4).join('\n  ')}`);
      }
      expect(failures, failures.join('\n')).toEqual([]);
    });
  }
});
