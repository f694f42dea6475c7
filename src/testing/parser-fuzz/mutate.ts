import fc from 'fast-check';

/*
 * Structure-aware mutations for the parser fuzzer. A mutation is drawn as data (an fc
 * arbitrary of "recipes") and applied deterministically, so fast-check's seed replays it.
 *
 * Text mutations work on the characters of an encoded input (byte flips, truncation,
 * insertion, duplication); JSON mutations pick a node of a decoded input and change its type,
 * delete or add a key, or swap in a hostile value (huge numbers and lengths, deep nesting,
 * prototype keys, Extended JSON lookalikes).
 */

export type TextMutation =
  | { kind: 'flip'; at: number; char: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number; times: number };

export const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), char: fc.oneof(fc.integer({ min: 0, max: 127 }), fc.integer({ min: 0, max: 0xffff })) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      text: fc.oneof(fc.constantFrom('"', '\\', '{', '}', '[', ']', ',', ':', '$', '\u0000', '\ud800', 'null', '-', 'e999', '.'), fc.string({ maxLength: 8 })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }), times: fc.integer({ min: 1, max: 200 }) }) },
);

export function applyTextMutation(text: string, m: TextMutation): string {
  const n = text.length;
  const at = n === 0 ? 0 : m.at % (n + 1);
  switch (m.kind) {
    case 'flip':
      return n === 0 ? String.fromCharCode(m.char) : text.slice(0, at % n) + String.fromCharCode(m.char) + text.slice((at % n) + 1);
    case 'truncate':
      return text.slice(0, at);
    case 'insert':
      return text.slice(0, at) + m.text + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + m.length);
    case 'duplicate': {
      const piece = text.slice(at, at + m.length);
      return text.slice(0, at) + piece.repeat(m.times) + text.slice(at);
    }
  }
}

/** Values that break assumptions: wrong types, edge numbers, huge sizes, deep nesting, lookalikes. */
export type Hostile =
  | { kind: 'scalar'; value: unknown }
  | { kind: 'longString'; length: number }
  | { kind: 'longArray'; length: number }
  | { kind: 'deepArray'; depth: number }
  | { kind: 'deepObject'; depth: number }
  | { kind: 'json'; value: unknown };

const EDGE_SCALARS: unknown[] = [
  null,
  true,
  false,
  0,
  -0,
  -1,
  1,
  0.5,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  1e308,
  -1e308,
  5e-324,
  '',
  ' ',
  '0',
  '-1',
  'NaN',
  'Infinity',
  'null',
  '\u0000',
  '\ud800',
  '__proto__',
  'constructor',
  'TRUEPREDICATE',
  [],
  {},
  [null],
  { $oid: '64b000000000000000000001' },
  { $oid: 'zz' },
  { $oid: 1 },
  { $date: '2026-01-01T00:00:00Z' },
  { $date: { $numberLong: '99999999999999999999' } },
  { $date: 'not a date' },
  { $numberLong: '9223372036854775807' },
  { $numberLong: 'x' },
  { $numberInt: '1e3' },
  { $numberDouble: 'NaN' },
  { $numberDouble: '-Infinity' },
  { $numberDecimal: '1E+6145' },
  { $numberDecimal: 'junk' },
  { $binary: { base64: 'AAEC', subType: '04' } },
  { $binary: { base64: '!!', subType: 'zz' } },
  { $binary: 'AAEC' },
  { $uuid: '00000000-0000-0000-0000-000000000000' },
  { $uuid: 'nope' },
  { $regularExpression: { pattern: '(a+)+$', options: '' } },
  { $oid: '64b000000000000000000001', x: 1 },
  { $unknown: 1 },
  { __proto__: { polluted: true } },
  JSON.parse('{"__proto__":{"polluted":true}}'),
  { constructor: { prototype: { polluted: true } } },
  { toString: 1, valueOf: 'x', hasOwnProperty: null },
];

const heavyHostile: fc.Arbitrary<Hostile> = fc.oneof(
  fc.record({ kind: fc.constant('longString' as const), length: fc.constantFrom(70_000, 300_000) }),
  fc.record({ kind: fc.constant('longArray' as const), length: fc.constantFrom(20_000, 100_001) }),
  fc.record({ kind: fc.constant('deepArray' as const), depth: fc.constant(2_000) }),
  fc.record({ kind: fc.constant('deepObject' as const), depth: fc.constant(2_000) }),
);

/** Hostile values; the huge ones are rare so that a million inputs stay affordable. */
export const hostile: fc.Arbitrary<Hostile> = fc.oneof(
  { weight: 1200, arbitrary: fc.record({ kind: fc.constant('scalar' as const), value: fc.constantFrom(...EDGE_SCALARS) }) },
  { weight: 600, arbitrary: fc.record({ kind: fc.constant('json' as const), value: fc.jsonValue({ maxDepth: 3 }) }) },
  { weight: 60, arbitrary: fc.record({ kind: fc.constant('longString' as const), length: fc.constantFrom(65, 257, 4_097) }) },
  { weight: 60, arbitrary: fc.record({ kind: fc.constant('longArray' as const), length: fc.constantFrom(101, 1_001) }) },
  { weight: 60, arbitrary: fc.record({ kind: fc.constant('deepArray' as const), depth: fc.constantFrom(33, 200) }) },
  { weight: 60, arbitrary: fc.record({ kind: fc.constant('deepObject' as const), depth: fc.constantFrom(33, 200) }) },
  { weight: 1, arbitrary: heavyHostile },
);

export function hostileValue(h: Hostile): unknown {
  switch (h.kind) {
    case 'scalar':
    case 'json':
      // A copy: later mutations of the same input may add keys to it.
      return h.value !== null && typeof h.value === 'object' ? cloneJson(h.value) : h.value;
    case 'longString':
      return 'x'.repeat(h.length);
    case 'longArray':
      return new Array<number>(h.length).fill(1);
    case 'deepArray': {
      let v: unknown = 1;
      for (let i = 0; i < h.depth; i++) v = [v];
      return v;
    }
    case 'deepObject': {
      let v: unknown = 1;
      for (let i = 0; i < h.depth; i++) v = { a: v };
      return v;
    }
  }
}

export type JsonMutation =
  | { kind: 'replace'; node: number; with: Hostile }
  | { kind: 'deleteKey'; node: number }
  | { kind: 'addKey'; node: number; key: string; with: Hostile }
  | { kind: 'wrapArray'; node: number }
  | { kind: 'stringify'; node: number };

export const jsonMutation: fc.Arbitrary<JsonMutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('replace' as const), node: fc.nat(), with: hostile }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deleteKey' as const), node: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('addKey' as const),
      node: fc.nat(),
      key: fc.oneof(fc.constantFrom('__proto__', 'constructor', '$oid', '$date', 't', 'op', 'path', 'value', 'erase', 'default', 'x'), fc.string({ maxLength: 6 })),
      with: hostile,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wrapArray' as const), node: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stringify' as const), node: fc.nat() }) },
);

type Slot = { parent: Record<string, unknown> | unknown[]; key: string | number } | null;

/** Every node of a JSON tree, as the slot that holds it (null for the root). */
function slots(root: unknown): { slot: Slot; value: unknown }[] {
  const out: { slot: Slot; value: unknown }[] = [{ slot: null, value: root }];
  for (let i = 0; i < out.length && out.length < 10_000; i++) {
    const v = out[i]!.value;
    if (Array.isArray(v)) v.forEach((x, k) => out.push({ slot: { parent: v, key: k }, value: x }));
    else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) out.push({ slot: { parent: v as Record<string, unknown>, key: k }, value: (v as Record<string, unknown>)[k] });
  }
  return out;
}

function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty, not assignment: a "__proto__" key must become an own property, as JSON.parse makes it.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Applies a mutation to a JSON tree (mutated in place; the new root is returned). */
export function applyJsonMutation(root: unknown, m: JsonMutation): unknown {
  const all = slots(root);
  const { slot, value } = all[m.node % all.length]!;
  const put = (v: unknown): unknown => {
    if (slot === null) return v;
    if (Array.isArray(slot.parent)) slot.parent[slot.key as number] = v;
    else defineOwn(slot.parent, slot.key as string, v);
    return root;
  };
  switch (m.kind) {
    case 'replace':
      return put(hostileValue(m.with));
    case 'wrapArray':
      return put([value]);
    case 'stringify':
      return put(JSON.stringify(value) ?? 'undefined');
    case 'deleteKey':
      if (slot === null) return root;
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else delete slot.parent[slot.key as string];
      return root;
    case 'addKey':
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) defineOwn(value as Record<string, unknown>, m.key, hostileValue(m.with));
      else if (Array.isArray(value)) value.push(hostileValue(m.with));
      return root;
  }
}

/** A deep copy of a JSON tree that keeps own "__proto__" keys. */
export function cloneJson<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
