import { describe, expect, it } from 'vitest';
import { applyChangeset, ObjectState, type Changeset, type Instruction } from '../changeset/index.ts';
import { parseSchema } from '../model/index.ts';
import { transformChangesets } from './transform.ts';
import { Random } from '../sim/random.ts';

/*
 * TP1, checked directly: for two changesets made on the same state, both arrival orders end in
 * the same state. Random lists (with nested embedded lists) and random operations.
 */
const schema = parseSchema([
  { name: 'Doc', primaryKey: '_id', properties: { _id: 'int', items: 'string[]', rows: 'Row[]', tags: 'string<>', n: 'int', d: 'string{}' } },
  { name: 'Row', embedded: true, properties: { label: 'string', cells: 'int[]' } },
]);

function randomOp(rng: Random, state: ObjectState, tag: string): Instruction {
  const doc = state.get('Doc', 1)!;
  const items = doc.items as string[];
  const rows = doc.rows as { cells: number[] }[];
  const base = { type: 'Doc', pk: 1 } as const;
  const pick = rng.int(12);
  if (pick < 5) {
    // structural op on items
    const k = rng.int(4);
    if (k === 0 || items.length === 0) return { op: 'ListInsert', ...base, path: ['items', rng.int(items.length + 1)], value: tag };
    if (k === 1) return { op: 'ListErase', ...base, path: ['items', rng.int(items.length)] };
    if (k === 2) return { op: 'Set', ...base, path: ['items', rng.int(items.length)], value: tag };
    return { op: 'ListMove', ...base, path: ['items', rng.int(items.length)], to: rng.int(items.length) };
  }
  if (pick < 8) {
    const k = rng.int(4);
    if (k === 0 || rows.length === 0) return { op: 'ListInsert', ...base, path: ['rows', rng.int(rows.length + 1)], value: { label: tag, cells: [] } as never };
    const r = rng.int(rows.length);
    const cells = rows[r]!.cells;
    if (k === 1) return { op: 'ListErase', ...base, path: ['rows', r] };
    if (k === 2) return { op: 'ListMove', ...base, path: ['rows', r], to: rng.int(rows.length) };
    const c = rng.int(3);
    if (c === 0 || cells.length === 0) return { op: 'ListInsert', ...base, path: ['rows', r, 'cells', rng.int(cells.length + 1)], value: rng.int(100) };
    if (c === 1) return { op: 'ListErase', ...base, path: ['rows', r, 'cells', rng.int(cells.length)] };
    return { op: 'ListMove', ...base, path: ['rows', r, 'cells', rng.int(cells.length)], to: rng.int(cells.length) };
  }
  if (pick === 8) return { op: 'Clear', ...base, path: [rng.bool() ? 'items' : 'rows'] };
  if (pick === 9) return { op: rng.bool() ? 'SetInsert' : 'SetErase', ...base, path: ['tags'], value: 'v' + rng.int(3) };
  if (pick === 10) return rng.bool() ? { op: 'AddInteger', ...base, path: ['n'], value: 1 + rng.int(5) } : { op: 'Set', ...base, path: ['n'], value: rng.int(50) };
  return rng.bool() ? { op: 'Set', ...base, path: ['d', 'k' + rng.int(2)], value: tag } : { op: 'Set', ...base, path: ['d', 'k' + rng.int(2)], value: null, erase: true };
}

function randomChangeset(rng: Random, start: ObjectState, origin: number, ts: number): Changeset {
  const s = start.clone();
  const instructions: Instruction[] = [];
  const n = 1 + rng.int(4);
  for (let k = 0; k < n; k++) {
    const op = randomOp(rng, s, `o${origin}-${k}`);
    applyChangeset(s, { origin, timestamp: ts, instructions: [op] });
    instructions.push(op);
  }
  return { origin, timestamp: ts, instructions };
}

describe('TP1 on random concurrent changesets', () => {
  it('both arrival orders converge (5,000 random pairs)', () => {
    for (let seed = 1; seed <= Number(process.env.TP1_SEEDS ?? 5000); seed++) {
      const rng = new Random(seed);
      const s0 = new ObjectState(schema);
      const setup: Instruction[] = [{ op: 'CreateObject', type: 'Doc', pk: 1 }];
      for (let k = 0; k < rng.int(6); k++) setup.push({ op: 'ListInsert', type: 'Doc', pk: 1, path: ['items', k], value: 'i' + k });
      for (let k = 0; k < rng.int(4); k++) setup.push({ op: 'ListInsert', type: 'Doc', pk: 1, path: ['rows', k], value: { label: 'r' + k, cells: [1, 2, 3].slice(0, rng.int(4)) } as never });
      applyChangeset(s0, { origin: 1, timestamp: 1, instructions: setup });
      const A = randomChangeset(rng, s0, 2, 10 + rng.int(3));
      const B = randomChangeset(rng, s0, 3, 10 + rng.int(3));
      const r = transformChangesets(A, B);
      const s1 = s0.clone();
      const s2 = s0.clone();
      try {
        applyChangeset(s1, A);
        applyChangeset(s1, { ...B, instructions: r.b });
        applyChangeset(s2, B);
        applyChangeset(s2, { ...A, instructions: r.a });
      } catch (err) {
        throw new Error(`seed ${seed}: ${(err as Error).message}\nA=${JSON.stringify(A.instructions)}\nB=${JSON.stringify(B.instructions)}`);
      }
      if (!s1.equals(s2)) {
        expect.fail(`seed ${seed} diverged\nA=${JSON.stringify(A.instructions)}\nB=${JSON.stringify(B.instructions)}\n1=${JSON.stringify(s1.toCanonical())}\n2=${JSON.stringify(s2.toCanonical())}`);
      }
    }
  });
});
