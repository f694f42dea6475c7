import { describe, expect, it } from 'vitest';
import { ObjectId, parseSchema } from '../model/index.ts';
import { applyChangeset, decodeChangeset, encodeChangeset, HybridClock, hlcWall, ObjectState, type Changeset, type Instruction } from './index.ts';

const schema = parseSchema([
  {
    name: 'Task',
    primaryKey: '_id',
    properties: { _id: 'objectId', title: 'string', items: 'string[]', tags: 'int<>', attrs: 'string{}', rows: 'Row[]', n: 'int?' },
  },
  { name: 'Row', embedded: true, properties: { label: 'string' } },
]);
const id = new ObjectId('64b000000000000000000001');
const T = { type: 'Task', pk: id } as const;
const cs = (...instructions: Instruction[]): Changeset => ({ origin: 2, timestamp: 5, instructions });

function fresh(): ObjectState {
  const s = new ObjectState(schema);
  applyChangeset(s, cs({ op: 'CreateObject', ...T }, { op: 'Set', ...T, path: ['title'], value: 'a' }, { op: 'ListInsert', ...T, path: ['items', 0], value: 'x' }));
  return s;
}

describe('apply', () => {
  it('applies every instruction kind', () => {
    const s = fresh();
    const changes = applyChangeset(
      s,
      cs(
        { op: 'ListInsert', ...T, path: ['items', 1], value: 'y' },
        { op: 'ListMove', ...T, path: ['items', 0], to: 1 },
        { op: 'SetInsert', ...T, path: ['tags'], value: 3 },
        { op: 'SetInsert', ...T, path: ['tags'], value: 1 },
        { op: 'SetInsert', ...T, path: ['tags'], value: 3 },
        { op: 'Set', ...T, path: ['attrs', 'k'], value: 'v' },
        { op: 'ListInsert', ...T, path: ['rows', 0], value: { label: 'r' } as never },
        { op: 'Set', ...T, path: ['rows', 0, 'label'], value: 'R' },
        { op: 'AddInteger', ...T, path: ['n'], value: 2 },
      ),
    );
    const rec = s.get('Task', id)!;
    expect(rec.items).toEqual(['y', 'x']);
    expect(rec.tags).toEqual([1, 3]);
    expect({ ...(rec.attrs as object) }).toEqual({ k: 'v' });
    expect(rec.rows).toEqual([Object.assign(Object.create(null), { label: 'R' })]);
    expect(rec.n).toBe(null); // an unset optional int ignores increments
    expect(changes).toEqual([{ type: 'Task', pk: id, kind: 'modify' }]);
    applyChangeset(s, cs({ op: 'Set', ...T, path: ['attrs', 'k'], value: null, erase: true }, { op: 'Clear', ...T, path: ['items'] }));
    expect(rec.items).toEqual([]);
    expect(Object.keys(rec.attrs as object)).toEqual([]);
  });

  const bad: [string, Instruction, string][] = [
    ['unknown instruction', { op: 'Explode', ...T } as unknown as Instruction, 'bad_changeset'],
    ['unknown type', { op: 'Set', type: 'Ghost', pk: id, path: ['title'], value: 'b' }, 'unknown_type'],
    ['unknown field', { op: 'Set', ...T, path: ['ghost'], value: 'b' }, 'unknown_field'],
    ['wrong value type', { op: 'Set', ...T, path: ['title'], value: 7 }, 'schema_violation'],
    ['negative list index', { op: 'ListErase', ...T, path: ['items', -1] }, 'bad_changeset'],
    ['index past the end', { op: 'ListErase', ...T, path: ['items', 5] }, 'index_out_of_range'],
    ['missing object', { op: 'Set', type: 'Task', pk: new ObjectId(), path: ['title'], value: 'b' }, 'missing_object'],
    ['primary key change', { op: 'Set', ...T, path: ['_id'], value: new ObjectId() }, 'bad_changeset'],
    ['Set of a whole list', { op: 'Set', ...T, path: ['items'], value: [] as never }, 'bad_changeset'],
    ['wrong primary key type', { op: 'CreateObject', type: 'Task', pk: 'text' }, 'schema_violation'],
    ['dictionary key with a dot', { op: 'Set', ...T, path: ['attrs', 'a.b'], value: 'v' }, 'bad_changeset'],
  ];
  for (const [name, instr, code] of bad) {
    it(`rejects ${name} and leaves the state untouched`, () => {
      const s = fresh();
      const before = JSON.stringify(s.toCanonical());
      // The bad instruction comes after good ones: those must be rolled back too.
      const changeset = cs({ op: 'Set', ...T, path: ['title'], value: 'changed' }, { op: 'ListInsert', ...T, path: ['items', 0], value: 'z' }, instr);
      expect(() => applyChangeset(s, changeset)).toThrow(expect.objectContaining({ code }));
      expect(JSON.stringify(s.toCanonical())).toBe(before);
    });
  }

  it('rolls back objects created and erased in a failed changeset', () => {
    const s = fresh();
    const before = JSON.stringify(s.toCanonical());
    const other = new ObjectId();
    expect(() =>
      applyChangeset(s, cs({ op: 'EraseObject', ...T }, { op: 'CreateObject', type: 'Task', pk: other }, { op: 'Set', ...T, path: ['title'], value: 'x' })),
    ).toThrow(expect.objectContaining({ code: 'missing_object' }));
    expect(JSON.stringify(s.toCanonical())).toBe(before);
  });
});

describe('encoding', () => {
  it('round-trips every instruction and value type', () => {
    const c: Changeset = {
      origin: 9,
      timestamp: 123456789,
      instructions: [
        { op: 'CreateObject', ...T },
        { op: 'Set', ...T, path: ['title'], value: 'ü', default: true },
        { op: 'Set', ...T, path: ['attrs', 'k'], value: null, erase: true },
        { op: 'AddInteger', ...T, path: ['n'], value: -3 },
        { op: 'ListInsert', ...T, path: ['rows', 0], value: Object.assign(Object.create(null), { label: 'r' }) },
        { op: 'ListMove', ...T, path: ['items', 0], to: 2 },
        { op: 'ListErase', ...T, path: ['items', 1] },
        { op: 'Clear', ...T, path: ['items'] },
        { op: 'SetInsert', ...T, path: ['tags'], value: 4 },
        { op: 'SetErase', ...T, path: ['tags'], value: 4 },
        { op: 'AddField', type: 'Task', field: 'due', property: 'date?' },
      ],
    };
    const wire = JSON.parse(JSON.stringify(encodeChangeset(c)));
    expect(decodeChangeset(wire)).toEqual(c);
  });

  it('rejects malformed wire changesets', () => {
    const ok = JSON.parse(JSON.stringify(encodeChangeset(cs({ op: 'CreateObject', ...T }))));
    const cases: unknown[] = [
      null,
      [],
      { ...ok, origin: -1 },
      { ...ok, ts: 'x' },
      { ...ok, ops: {} },
      { ...ok, ops: [{ op: 'Nope', type: 'Task', pk: 1 }] },
      { ...ok, ops: [{ op: 'Set', type: 'Task', pk: 1, path: [] , value: 1}] },
      { ...ok, ops: [{ op: 'Set', type: 'Task', pk: 1, path: ['x', -2], value: 1 }] },
      { ...ok, ops: [{ op: 'Set', type: 'Task', pk: 1, path: ['x'], value: JSON.parse('{"__proto__": {"polluted": 1}}') }] },
      { ...ok, ops: [{ op: 'Set', type: 'Task', pk: 1, path: ['x'], value: { $where: 'x' } }] },
      { ...ok, ops: [{ op: 'Set', type: 'Task', pk: 1, path: ['x'] }] },
      { ...ok, ops: [{ op: 'CreateObject', type: 'Task', pk: 1.5 }] },
    ];
    for (const c of cases) expect(() => decodeChangeset(c), JSON.stringify(c)).toThrow(expect.objectContaining({ code: 'bad_changeset' }));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('encoding: integers past 2^53', () => {
  // Found while building the parser fuzzer: relaxed EJSON decoded {$numberLong: "9223372036854775807"} to the
  // double 9223372036854775808, so a wire integer changed value instead of being refused.
  it('refuses a $numberLong outside the safe range, keeps one inside it', () => {
    const set = (value: unknown) => ({ origin: 1, ts: 1, ops: [{ op: 'Set', type: 'Task', pk: 't', path: ['n'], value }] });
    for (const big of ['9223372036854775807', '-9007199254740993', '9007199254740992']) {
      expect(() => decodeChangeset(set({ $numberLong: big })), big).toThrow(expect.objectContaining({ code: 'bad_changeset' }));
    }
    const ok = decodeChangeset(set({ $numberLong: '9007199254740991' })).instructions[0]!;
    expect(ok).toMatchObject({ op: 'Set', value: 9007199254740991 });
  });
});

describe('hybrid logical clock', () => {
  it('is monotonic and moves past what it observes, bounded when asked', () => {
    let now = Date.UTC(2026, 0, 1);
    const c = new HybridClock({ now: () => now });
    const a = c.tick();
    const b = c.tick();
    expect(b).toBeGreaterThan(a);
    now -= 60_000; // the wall clock steps back
    expect(c.tick()).toBeGreaterThan(b);
    const ahead = new HybridClock({ now: () => now + 3_600_000 }).tick();
    c.observe(ahead);
    expect(c.tick()).toBeGreaterThan(ahead);
    const bounded = new HybridClock({ now: () => now, maxAheadMs: 60_000 });
    bounded.observe(ahead);
    expect(hlcWall(bounded.tick())).toBeLessThanOrEqual(now + 60_000 + 1);
  });
});
