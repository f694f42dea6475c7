import { describe, expect, it } from 'vitest';
import type { Changeset, Instruction } from '../../changeset/index.ts';
import { rebase } from '../../merge/index.ts';
import { detectConcurrentConflicts, journalValue, MAX_JOURNALED_VALUE, type ConcurrentRow } from './conflicts.ts';

/*
 * The journal's decisions read off the transform (src/server/sync/conflicts.ts), on the shapes
 * the process tests do not reach: embedded and dictionary locations, defaults, equal values, a
 * later concurrent row replacing an earlier one, and large values kept by size.
 */

const set = (path: (string | number)[], value: unknown, extra: Partial<Instruction> = {}): Instruction => ({ op: 'Set', type: 'T', pk: 'o', path, value: value as never, ...extra }) as Instruction;
const cs = (origin: number, timestamp: number, instructions: Instruction[]): Changeset => ({ origin, timestamp, instructions });

function decide(upload: Changeset, others: { version: number; changeset: Changeset }[]) {
  const r = rebase(upload, others.map((o) => o.changeset));
  const rows: ConcurrentRow[] = others.map((o, n) => ({ version: o.version, origin: o.changeset.origin, originVersion: 1, before: o.changeset, after: r.concurrent[n]! }));
  return detectConcurrentConflicts({ origin: upload.origin, clientVersion: 4, version: 20, before: upload, after: r.changeset, applied: r.changeset }, rows, new Map(), () => true);
}

describe('conflict detection', () => {
  it('journals the loser of a Set against a Set, whichever side uploads, and nothing for equal values or defaults', () => {
    const late = decide(cs(5, 100, [set(['title'], 'mine')]), [{ version: 10, changeset: cs(6, 200, [set(['title'], 'theirs')]) }]);
    expect(late).toEqual([
      expect.objectContaining({ kind: 'overwritten', path: ['title'], loser: { origin: 5, version: 20, clientVersion: 4 }, winner: { origin: 6, version: 10, clientVersion: 1 }, lost: { value: 'mine' }, won: { value: 'theirs' } }),
    ]);
    const wins = decide(cs(5, 300, [set(['title'], 'mine')]), [{ version: 10, changeset: cs(6, 200, [set(['title'], 'theirs')]) }]);
    expect(wins).toEqual([expect.objectContaining({ loser: expect.objectContaining({ origin: 6 }), winner: expect.objectContaining({ origin: 5 }), lost: { value: 'theirs' }, won: { value: 'mine' } })]);
    expect(decide(cs(5, 100, [set(['title'], 'same')]), [{ version: 10, changeset: cs(6, 200, [set(['title'], 'same')]) }])).toEqual([]);
    // A default value nobody chose loses without a journal entry.
    expect(decide(cs(5, 300, [set(['title'], '', { default: true } as never)]), [{ version: 10, changeset: cs(6, 200, [set(['title'], 'theirs')]) }])).toEqual([]);
    // Different fields do not conflict.
    expect(decide(cs(5, 100, [set(['title'], 'a')]), [{ version: 10, changeset: cs(6, 200, [set(['body'], 'b')]) }])).toEqual([]);
  });

  it('names only the last of several concurrent rows, and a dictionary key or embedded field inside a replaced whole', () => {
    const two = decide(cs(5, 300, [set(['title'], 'mine')]), [
      { version: 10, changeset: cs(6, 100, [set(['title'], 'first')]) },
      { version: 11, changeset: cs(7, 200, [set(['title'], 'second')]) },
    ]);
    expect(two).toEqual([expect.objectContaining({ loser: expect.objectContaining({ origin: 7, version: 11 }), lost: { value: 'second' } })]);
    // The upload replaces the whole embedded address after a concurrent change of its city.
    const inner = decide(cs(5, 300, [set(['site'], { city: 'Porto', street: 'Rua 1' })]), [{ version: 10, changeset: cs(6, 200, [set(['site', 'city'], 'Lisboa')]) }]);
    expect(inner).toEqual([expect.objectContaining({ path: ['site', 'city'], loser: expect.objectContaining({ origin: 6 }), lost: { value: 'Lisboa' }, won: { value: { city: 'Porto', street: 'Rua 1' } } })]);
    // A list index names no single location: not journaled.
    expect(decide(cs(5, 100, [set(['tags', 0], 'x')]), [{ version: 10, changeset: cs(6, 200, [set(['tags', 0], 'y')]) }])).toEqual([]);
  });

  it('journals writes erased by a concurrent delete, per field, with inserted list elements as what was lost', () => {
    const erased = decide(cs(5, 300, [set(['title'], 'mine'), { op: 'ListInsert', type: 'T', pk: 'o', path: ['notes', 0], value: { text: 'a note' } as never }]), [
      { version: 10, changeset: cs(6, 100, [{ op: 'EraseObject', type: 'T', pk: 'o' }]) },
    ]);
    expect(erased.map((e) => [e.kind, e.path, e.lost])).toEqual([
      ['erased', ['title'], { value: 'mine' }],
      ['erased', ['notes'], { value: [{ text: 'a note' }] }],
    ]);
    expect(erased[0]!.loserSaw).toBe(true);
    expect(erased[0]!.won).toBeUndefined();
  });

  it('keeps a large value by its size only', () => {
    expect(journalValue('x'.repeat(10))).toEqual({ value: 'x'.repeat(10) });
    expect(journalValue('é'.repeat(MAX_JOURNALED_VALUE))).toEqual({ size: Buffer.byteLength(JSON.stringify('é'.repeat(MAX_JOURNALED_VALUE))) });
  });
});
