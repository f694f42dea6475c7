import { describe, expect, it } from 'vitest';
import { applyChangeset, ObjectState, type Changeset, type Instruction } from '../changeset/index.ts';
import { OutpostError } from '../errors.ts';
import { canonicalJson, parseSchema, type Value } from '../model/index.ts';
import { transformChangesets } from './transform.ts';
import { transform } from './rebase.ts';

/*
 * One test per row of the merge table (docs/merge-rules.md): two
 * concurrent changesets made on the same state, applied in both arrival orders (A then B
 * transformed, B then A transformed), must both give the outcome the row specifies.
 */

const schema = parseSchema([
  {
    name: 'Task',
    primaryKey: '_id',
    properties: {
      _id: 'string',
      title: 'string',
      status: 'string?',
      n: 'int',
      visits: 'counter',
      items: 'string[]',
      tags: 'string<>',
      attrs: 'string{}',
      address: 'Address',
    },
  },
  { name: 'Address', embedded: true, properties: { street: 'string', city: 'string' } },
]);

const T = { type: 'Task', pk: 't' } as const;
const EARLY = 1000;
const LATE = 2000;

function base(setup: Instruction[] = []): ObjectState {
  const s = new ObjectState(schema);
  applyChangeset(s, { origin: 1, timestamp: 1, instructions: [{ op: 'CreateObject', ...T }, ...setup] });
  return s;
}

function cs(origin: number, timestamp: number, ...instructions: Instruction[]): Changeset {
  return { origin, timestamp, instructions };
}

/** Applies A and B in both orders and returns the two resulting states (asserted equal). */
function bothOrders(s0: ObjectState, A: Changeset, B: Changeset): ObjectState {
  const r = transformChangesets(A, B);
  const ab = s0.clone();
  applyChangeset(ab, A);
  applyChangeset(ab, { ...B, instructions: r.b });
  const ba = s0.clone();
  applyChangeset(ba, B);
  applyChangeset(ba, { ...A, instructions: r.a });
  expect(ab.toCanonical()).toEqual(ba.toCanonical());
  return ab;
}

function field(s: ObjectState, name: string): unknown {
  const rec = s.get('Task', 't');
  return rec ? canonicalJson(rec[name] as Value) : undefined;
}

describe('merge table', () => {
  it('Set vs Set, same path: the later write wins', () => {
    const s = bothOrders(
      base(),
      cs(2, LATE, { op: 'Set', ...T, path: ['title'], value: 'late' }),
      cs(3, EARLY, { op: 'Set', ...T, path: ['title'], value: 'early' }),
    );
    expect(field(s, 'title')).toBe('late');
    // Equal timestamps: the higher origin file ident decides.
    const tie = bothOrders(
      base(),
      cs(2, LATE, { op: 'Set', ...T, path: ['title'], value: 'from 2' }),
      cs(3, LATE, { op: 'Set', ...T, path: ['title'], value: 'from 3' }),
    );
    expect(field(tie, 'title')).toBe('from 3');
  });

  it('Set vs Set: a default value loses to an explicit one, whatever the timestamps', () => {
    const s = bothOrders(
      base(),
      cs(2, LATE, { op: 'Set', ...T, path: ['status'], value: 'new', default: true }),
      cs(3, EARLY, { op: 'Set', ...T, path: ['status'], value: 'assigned' }),
    );
    expect(field(s, 'status')).toBe('assigned');
  });

  it('EraseObject vs anything inside that object: the erase wins', () => {
    const inside: Instruction[] = [
      { op: 'Set', ...T, path: ['title'], value: 'x' },
      { op: 'AddInteger', ...T, path: ['visits'], value: 2 },
      { op: 'ListInsert', ...T, path: ['items', 0], value: 'i' },
      { op: 'SetInsert', ...T, path: ['tags'], value: 'a' },
      { op: 'Set', ...T, path: ['attrs', 'k'], value: 'v' },
      { op: 'Set', ...T, path: ['address'], value: { street: 's', city: 'c' } as never },
    ];
    for (const instr of inside) {
      for (const [eraseTs, otherTs] of [
        [EARLY, LATE],
        [LATE, EARLY],
      ]) {
        const s = bothOrders(base(), cs(2, eraseTs!, { op: 'EraseObject', ...T }), cs(3, otherTs!, instr));
        expect(s.has('Task', 't')).toBe(false);
      }
    }
  });

  it('EraseObject vs CreateObject, same key: the erase wins', () => {
    const s = bothOrders(
      base(),
      cs(2, EARLY, { op: 'EraseObject', ...T }),
      cs(3, LATE, { op: 'CreateObject', ...T }, { op: 'Set', ...T, path: ['title'], value: 'again' }),
    );
    expect(s.has('Task', 't')).toBe(false);
  });

  it('CreateObject vs CreateObject, same key: one object with both sides\u2019 fields', () => {
    const s0 = new ObjectState(schema);
    const s = bothOrders(
      s0,
      cs(2, EARLY, { op: 'CreateObject', ...T }, { op: 'Set', ...T, path: ['title'], value: 'a' }),
      cs(3, LATE, { op: 'CreateObject', ...T }, { op: 'AddInteger', ...T, path: ['visits'], value: 1 }),
    );
    expect(s.count('Task')).toBe(1);
    expect(field(s, 'title')).toBe('a');
    expect(field(s, 'visits')).toBe(1);
  });

  it('AddInteger vs AddInteger: both apply', () => {
    const s = bothOrders(
      base([{ op: 'AddInteger', ...T, path: ['visits'], value: 10 }]),
      cs(2, LATE, { op: 'AddInteger', ...T, path: ['visits'], value: 3 }),
      cs(3, EARLY, { op: 'AddInteger', ...T, path: ['visits'], value: -1 }),
    );
    expect(field(s, 'visits')).toBe(12);
  });

  it('AddInteger vs an earlier Set of that int: the increment is folded into the Set', () => {
    const s = bothOrders(
      base([{ op: 'Set', ...T, path: ['n'], value: 5 }]),
      cs(2, LATE, { op: 'AddInteger', ...T, path: ['n'], value: 3 }),
      cs(3, EARLY, { op: 'Set', ...T, path: ['n'], value: 100 }),
    );
    expect(field(s, 'n')).toBe(103);
  });

  it('AddInteger vs a later Set: the increment is dropped', () => {
    const s = bothOrders(
      base([{ op: 'Set', ...T, path: ['n'], value: 5 }]),
      cs(2, EARLY, { op: 'AddInteger', ...T, path: ['n'], value: 3 }),
      cs(3, LATE, { op: 'Set', ...T, path: ['n'], value: 100 }),
    );
    expect(field(s, 'n')).toBe(100);
  });

  const items = (...v: string[]) => v.map((value, i): Instruction => ({ op: 'ListInsert', ...T, path: ['items', i], value }));

  it('ListInsert vs ListInsert: indices shift; at the same index the earlier insert ends first', () => {
    const shifted = bothOrders(
      base(items('a', 'b', 'c')),
      cs(2, EARLY, { op: 'ListInsert', ...T, path: ['items', 0], value: 'x' }),
      cs(3, LATE, { op: 'ListInsert', ...T, path: ['items', 2], value: 'y' }),
    );
    expect(field(shifted, 'items')).toEqual(['x', 'a', 'b', 'y', 'c']);
    const same = bothOrders(
      base(items('a', 'b')),
      cs(2, LATE, { op: 'ListInsert', ...T, path: ['items', 1], value: 'late' }),
      cs(3, EARLY, { op: 'ListInsert', ...T, path: ['items', 1], value: 'early' }),
    );
    expect(field(same, 'items')).toEqual(['a', 'early', 'late', 'b']);
  });

  it('ListErase vs ListInsert / ListErase: indices shift; two erases of one element erase it once', () => {
    const s1 = bothOrders(
      base(items('a', 'b', 'c')),
      cs(2, EARLY, { op: 'ListErase', ...T, path: ['items', 0] }),
      cs(3, LATE, { op: 'ListInsert', ...T, path: ['items', 2], value: 'y' }),
    );
    expect(field(s1, 'items')).toEqual(['b', 'y', 'c']);
    const s2 = bothOrders(
      base(items('a', 'b', 'c')),
      cs(2, EARLY, { op: 'ListErase', ...T, path: ['items', 0] }),
      cs(3, LATE, { op: 'ListErase', ...T, path: ['items', 2] }),
    );
    expect(field(s2, 'items')).toEqual(['b']);
    const s3 = bothOrders(
      base(items('a', 'b', 'c')),
      cs(2, EARLY, { op: 'ListErase', ...T, path: ['items', 1] }),
      cs(3, LATE, { op: 'ListErase', ...T, path: ['items', 1] }),
    );
    expect(field(s3, 'items')).toEqual(['a', 'c']);
  });

  it('ListErase vs Set / ListMove of that element: the erase wins', () => {
    for (const [eTs, oTs] of [
      [EARLY, LATE],
      [LATE, EARLY],
    ]) {
      const s1 = bothOrders(
        base(items('a', 'b', 'c')),
        cs(2, eTs!, { op: 'ListErase', ...T, path: ['items', 1] }),
        cs(3, oTs!, { op: 'Set', ...T, path: ['items', 1], value: 'B' }),
      );
      expect(field(s1, 'items')).toEqual(['a', 'c']);
      const s2 = bothOrders(
        base(items('a', 'b', 'c')),
        cs(2, eTs!, { op: 'ListErase', ...T, path: ['items', 1] }),
        cs(3, oTs!, { op: 'ListMove', ...T, path: ['items', 1], to: 2 }),
      );
      expect(field(s2, 'items')).toEqual(['a', 'c']);
    }
  });

  it('ListMove vs ListMove of the same element: the later move wins', () => {
    const s = bothOrders(
      base(items('a', 'b', 'c', 'd')),
      cs(2, LATE, { op: 'ListMove', ...T, path: ['items', 0], to: 3 }),
      cs(3, EARLY, { op: 'ListMove', ...T, path: ['items', 0], to: 1 }),
    );
    expect(field(s, 'items')).toEqual(['b', 'c', 'd', 'a']);
    // Moves of different elements both take effect.
    const t = bothOrders(
      base(items('a', 'b', 'c', 'd')),
      cs(2, LATE, { op: 'ListMove', ...T, path: ['items', 0], to: 3 }),
      cs(3, EARLY, { op: 'ListMove', ...T, path: ['items', 3], to: 0 }),
    );
    expect(field(t, 'items')).toEqual(['d', 'b', 'c', 'a']);
  });

  it('Clear vs anything inside the collection: the clear wins, whatever the timestamps', () => {
    const cases: [Instruction[], Instruction, Instruction, string, unknown][] = [
      [items('a'), { op: 'Clear', ...T, path: ['items'] }, { op: 'ListInsert', ...T, path: ['items', 1], value: 'x' }, 'items', []],
      [items('a'), { op: 'Clear', ...T, path: ['items'] }, { op: 'Set', ...T, path: ['items', 0], value: 'x' }, 'items', []],
      [[], { op: 'Clear', ...T, path: ['tags'] }, { op: 'SetInsert', ...T, path: ['tags'], value: 'x' }, 'tags', []],
      [[], { op: 'Clear', ...T, path: ['attrs'] }, { op: 'Set', ...T, path: ['attrs', 'k'], value: 'x' }, 'attrs', {}],
    ];
    for (const [setup, clear, inside, f, expected] of cases) {
      for (const [cTs, iTs] of [
        [EARLY, LATE],
        [LATE, EARLY],
      ]) {
        const s = bothOrders(base(setup), cs(2, cTs!, clear), cs(3, iTs!, inside));
        expect(field(s, f)).toEqual(expected);
      }
    }
    // Two clears replacing a list's contents: the later replacement wins whole.
    const r = bothOrders(
      base(items('a')),
      cs(2, LATE, { op: 'Clear', ...T, path: ['items'] }, ...items('x', 'y')),
      cs(3, EARLY, { op: 'Clear', ...T, path: ['items'] }, ...items('z')),
    );
    expect(field(r, 'items')).toEqual(['x', 'y']);
  });

  it('SetInsert vs SetErase of the same value: the later one wins', () => {
    const s1 = bothOrders(
      base([{ op: 'SetInsert', ...T, path: ['tags'], value: 'a' }]),
      cs(2, LATE, { op: 'SetInsert', ...T, path: ['tags'], value: 'a' }),
      cs(3, EARLY, { op: 'SetErase', ...T, path: ['tags'], value: 'a' }),
    );
    expect(field(s1, 'tags')).toEqual(['a']);
    const s2 = bothOrders(
      base([{ op: 'SetInsert', ...T, path: ['tags'], value: 'a' }]),
      cs(2, EARLY, { op: 'SetInsert', ...T, path: ['tags'], value: 'a' }),
      cs(3, LATE, { op: 'SetErase', ...T, path: ['tags'], value: 'a' }),
    );
    expect(field(s2, 'tags')).toEqual([]);
  });

  it('Dictionary key removal is a Set of "erased": the later wins', () => {
    const setup: Instruction[] = [{ op: 'Set', ...T, path: ['attrs', 'k'], value: 'v0' }];
    const s1 = bothOrders(
      base(setup),
      cs(2, LATE, { op: 'Set', ...T, path: ['attrs', 'k'], value: null, erase: true }),
      cs(3, EARLY, { op: 'Set', ...T, path: ['attrs', 'k'], value: 'v1' }),
    );
    expect(field(s1, 'attrs')).toEqual({});
    const s2 = bothOrders(
      base(setup),
      cs(2, EARLY, { op: 'Set', ...T, path: ['attrs', 'k'], value: null, erase: true }),
      cs(3, LATE, { op: 'Set', ...T, path: ['attrs', 'k'], value: 'v1' }),
    );
    expect(field(s2, 'attrs')).toEqual({ k: 'v1' });
  });

  it('AddType / AddField vs the same: must agree exactly, else a bad-changeset error', () => {
    const s0 = base();
    const addType = (street: string): Instruction => ({
      op: 'AddType',
      type: 'Part',
      schema: { name: 'Part', primaryKey: '_id', properties: { _id: 'string', name: street } },
    });
    const s = bothOrders(s0, cs(2, EARLY, addType('string')), cs(3, LATE, addType('string')));
    expect(s.schema.get('Part')).toBeDefined();
    expect(() => transformChangesets(cs(2, EARLY, addType('string')), cs(3, LATE, addType('int')))).toThrow(
      expect.objectContaining({ code: 'bad_changeset' }),
    );
    const addField = (t: string): Instruction => ({ op: 'AddField', type: 'Task', field: 'priority', property: t });
    const f = bothOrders(s0, cs(2, EARLY, addField('int')), cs(3, LATE, addField('int')));
    expect(field(f, 'priority')).toBe(0);
    expect(() => transformChangesets(cs(2, EARLY, addField('int')), cs(3, LATE, addField('string')))).toThrow(OutpostError);
  });

  it('replacing an embedded object wins over concurrent edits inside it', () => {
    const setup: Instruction[] = [{ op: 'Set', ...T, path: ['address'], value: { street: 's0', city: 'c0' } as never }];
    for (const [rTs, iTs] of [
      [EARLY, LATE],
      [LATE, EARLY],
    ]) {
      const s = bothOrders(
        base(setup),
        cs(2, rTs!, { op: 'Set', ...T, path: ['address'], value: { street: 's1', city: 'c1' } as never }),
        cs(3, iTs!, { op: 'Set', ...T, path: ['address', 'city'], value: 'inner' }),
      );
      expect(field(s, 'address')).toEqual({ street: 's1', city: 'c1' });
    }
  });
});

describe('transform rejects malformed changesets', () => {
  const good = cs(2, EARLY, { op: 'Set', ...T, path: ['title'], value: 'x' });
  const bad: [string, Instruction, string][] = [
    ['unknown instruction', { op: 'Frobnicate', ...T } as unknown as Instruction, 'bad_changeset'],
    ['unknown type', { op: 'Set', type: 'Nope', pk: 't', path: ['title'], value: 'x' }, 'unknown_type'],
    ['unknown field', { op: 'Set', ...T, path: ['nope'], value: 'x' }, 'unknown_field'],
    ['wrong value type', { op: 'Set', ...T, path: ['title'], value: 42 }, 'schema_violation'],
    ['negative list index', { op: 'ListInsert', ...T, path: ['items', -1], value: 'x' }, 'bad_changeset'],
    ['path into a scalar', { op: 'Set', ...T, path: ['title', 'x'], value: 'x' }, 'bad_changeset'],
  ];
  for (const [name, instr, code] of bad) {
    it(name, () => {
      expect(() => transform(schema, good, cs(3, LATE, instr))).toThrow(expect.objectContaining({ code }));
      expect(() => transform(schema, cs(3, LATE, instr), good)).toThrow(expect.objectContaining({ code }));
    });
  }
});
