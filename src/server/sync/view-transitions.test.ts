import { describe, expect, it } from 'vitest';
import { Random } from '../../sim/random.ts';
import { ViewTransitions } from './view-transitions.ts';

describe('ViewTransitions', () => {
  it('answers as a sorted list of changes per object would, one change or many (seeded)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rng = new Random(seed);
      const t = new ViewTransitions();
      const lists = new Map<string, { version: number; in: boolean }[]>();
      for (let n = rng.int(12); n > 0; n--) {
        const key = 'k' + rng.int(4);
        const version = rng.int(8);
        const isIn = rng.bool(0.5);
        t.add(key, version, isIn);
        const list = lists.get(key) ?? [];
        let i = list.length;
        while (i > 0 && list[i - 1]!.version > version) i--;
        list.splice(i, 0, { version, in: isIn });
        lists.set(key, list);
      }
      for (const key of ['k0', 'k1', 'k2', 'k3']) {
        for (const initially of [false, true]) {
          for (let v = 0; v < 9; v++) {
            let want = initially;
            for (const c of lists.get(key) ?? []) if (c.version <= v) want = c.in;
            expect(t.stateAt(key, initially, v), `seed ${seed} ${key} at ${v}`).toBe(want);
          }
        }
      }
    }
  });
});
