import { describe, expect, it } from 'vitest';
import { runLoopbackScenario } from '../testing/loopback-fuzz.ts';

/*
 * The convergence fuzzer against the real engine and sessions (deterministic loopback): many
 * clients, random writes of every instruction kind, disconnects and reconnects (with connections
 * the server has not noticed are gone yet), messages delivered in a seeded order. Two variants:
 * every create uses a new primary key (as apps with ObjectId keys do), and clients create, erase
 * and re-create the same few keys concurrently. `npm run fuzz:server` runs more seeds.
 */
describe('convergence fuzzer against the real engine (loopback, deterministic)', () => {
  for (const sharedKeys of [false, true]) {
    for (let chunk = 0; chunk < 2; chunk++) {
      const from = chunk * 30 + 1;
      it(`${sharedKeys ? 'shared' : 'unique'} keys: seeds ${from}..${from + 29} converge`, async () => {
        const failures: string[] = [];
        for (let seed = from; seed < from + 30; seed++) {
          const r = await runLoopbackScenario(seed, 150, sharedKeys);
          const replay = `npm run fuzz:server -- ${sharedKeys ? '' : '--unique-keys '}--seed ${seed}`;
          if (r.problems.length) failures.push(`seed ${seed} (replay: ${replay}):\n  ${r.problems.slice(0, 4).join('\n  ')}`);
        }
        expect(failures, failures.join('\n')).toEqual([]);
      });
    }
  }
});
