import fc from 'fast-check';
import { applyChangeset, checkChangeset, ObjectState } from '../../changeset/index.ts';
import { decodeChangeset } from '../../changeset/encoding.ts';
import { ObjectId } from '../../model/index.ts';
import { OutpostError, isErrorCode, type ErrorCode } from '../../errors.ts';
import { parseClientMessage, parseServerMessage } from '../../protocol/messages/index.ts';
import { compileQuery, parseQuery, SUBSCRIPTION_QUERY_LIMITS } from '../../query/index.ts';
import { clientMessage, fuzzParserSchema, queryArgs, queryText, serverMessage, wireChangeset } from './inputs.ts';
import { applyJsonMutation, applyTextMutation, cloneJson, jsonMutation, textMutation } from './mutate.ts';

/*
 * The three parser targets. Each has an input arbitrary (random bytes or text, and valid inputs
 * with structure-aware mutations) and a run function that feeds one input through the parser
 * and what consumes its output. A run may return or throw an OutpostError whose code is in the
 * `as const` list and, for the decoder itself, one of the codes it documents; anything else is
 * a crash.
 */

export interface ParserTarget<T> {
  readonly name: 'message' | 'changeset' | 'query';
  readonly input: fc.Arbitrary<T>;
  run(input: T): void;
  /** A short printable form of an input, for crash reports. */
  show(input: T): string;
}

/** Throws `err` on unless it is a typed error with one of `codes` (any listed code when omitted). */
function expectTyped(err: unknown, codes?: readonly ErrorCode[]): void {
  if (err instanceof OutpostError && isErrorCode(err.code) && (!codes || codes.includes(err.code))) return;
  throw err;
}

function typed(codes: readonly ErrorCode[] | undefined, f: () => void): boolean {
  try {
    f();
    return true;
  } catch (err) {
    expectTyped(err, codes);
    return false;
  }
}

const preview = (s: string) => JSON.stringify(s.length > 300 ? s.slice(0, 300) + `… (${s.length} chars)` : s);

function deepText(depth: number, open: string, close: string, inner: string): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

const deepNesting = fc
  .tuple(fc.oneof({ weight: 20, arbitrary: fc.constantFrom(10, 33, 1000) }, { weight: 1, arbitrary: fc.constant(100_000) }), fc.constantFrom(['[', ']'], ['{"a":', '}'], ['{"t":"MARK","requestId":', '}'], ['(', ')']))
  .map(([d, [o, c]]) => deepText(d, o!, c!, '1'));

/** Mutations of one valid input: a few JSON-level changes, then a few text-level ones. */
function mutated(valid: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc
    .tuple(valid, fc.array(jsonMutation, { maxLength: 3 }), fc.array(textMutation, { maxLength: 3 }))
    .map(([v, jm, tm]) => {
      let root = cloneJson(v);
      for (const m of jm) root = applyJsonMutation(root, m);
      let text = JSON.stringify(root) ?? 'undefined';
      for (const m of tm) text = applyTextMutation(text, m);
      return text;
    });
}

const anyMessage = fc.oneof(clientMessage, serverMessage);

/** The socket edge: a frame's bytes, decoded as UTF-8 and parsed as a client and as a server message. */
export const messageTarget: ParserTarget<string | Uint8Array> = {
  name: 'message',
  input: fc.oneof(
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 256 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 128 }) },
    { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
    { weight: 1, arbitrary: deepNesting },
    { weight: 3, arbitrary: anyMessage.map((m) => JSON.stringify(m)) },
    { weight: 10, arbitrary: mutated(anyMessage) },
  ),
  run(input) {
    const text = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
    typed(['bad_message', 'unknown_message'], () => void parseClientMessage(text));
    typed(['bad_message', 'unknown_message'], () => void parseServerMessage(text));
  },
  show: (input) => (typeof input === 'string' ? preview(input) : `bytes ${Buffer.from(input).toString('hex').slice(0, 600)}`),
};

/** A state with a few objects for decoded changesets to apply to. */
function baseState(): ObjectState {
  const s = new ObjectState(fuzzParserSchema);
  applyChangeset(s, {
    origin: 1,
    timestamp: 1,
    instructions: [
      { op: 'CreateObject', type: 'Task', pk: 't1' },
      { op: 'ListInsert', type: 'Task', pk: 't1', path: ['items', 0], value: 'a' },
      { op: 'ListInsert', type: 'Task', pk: 't1', path: ['items', 1], value: 'b' },
      { op: 'ListInsert', type: 'Task', pk: 't1', path: ['rows', 0], value: { label: 'r', cells: [1, 2] } as never },
      { op: 'Set', type: 'Task', pk: 't1', path: ['address'], value: { street: 's', city: 'c' } as never },
      { op: 'CreateObject', type: 'User', pk: new ObjectId('64b000000000000000000002') },
    ],
  });
  return s;
}
const BASE = baseState();

/** The changeset decoder, then the schema check and apply that run on every decoded upload. */
export const changesetTarget: ParserTarget<string> = {
  name: 'changeset',
  // Inputs are JSON texts (as they arrive inside a frame); text that no longer parses is decoded as a string.
  input: fc.oneof(
    { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
    { weight: 3, arbitrary: wireChangeset.map((c) => JSON.stringify(c)) },
    { weight: 10, arbitrary: mutated(wireChangeset) },
    { weight: 1, arbitrary: deepNesting },
  ),
  run(text) {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      raw = text;
    }
    let decoded: ReturnType<typeof decodeChangeset> | undefined;
    if (!typed(['bad_changeset'], () => void (decoded = decodeChangeset(raw)))) return;
    let checked: ReturnType<typeof checkChangeset> | undefined;
    if (!typed(undefined, () => void (checked = checkChangeset(fuzzParserSchema, decoded!)))) return;
    const state = BASE.clone();
    typed(undefined, () => void applyChangeset(state, checked!));
  },
  show: preview,
};

const TOKENS = [
  'a', 'n', 'title', 'tags', 'owner', 'owner.name', 'items', 'AND', 'OR', 'NOT', '!', '&&', '||', 'ANY', 'ALL', 'NONE', 'SUBQUERY', '(', ')', '{', '}', '[', ']', ',', '.', '==', '!=', '<', '>=',
  'BEGINSWITH', 'CONTAINS', 'LIKE', 'IN', 'BETWEEN', '[c]', '[cd]', '@count', '@size', '@sum', '@keys', '@type', '$0', '$9999999', '$x', '%%user.id', '%%', '1', '-1', '0x', '1e', '"', "'", '\\', 'T1:2', '2026-01-01@00:00:00',
  'oid(', 'uuid(', 'B64"', 'SORT(', 'DISTINCT(', 'LIMIT(', 'ASC', 'DESC', 'TRUEPREDICATE', 'FALSEPREDICATE', 'null', 'true', ' ', '\n', '\u0000', '\ud800', 'é',
];

const nestedQuery = (depths: number[]) =>
  fc
    .tuple(fc.constantFrom(...depths), fc.constantFrom(['(', ')'], ['NOT ', ''], ['!', ''], ['SUBQUERY(items, $x, ', ') .@count > 0'], ['{', '}']))
    .map(([d, [o, c]]) => deepText(d, o!, c!, 'n == 1'));

/** Deep nesting and sizes at and past the limits; the huge ones are rare (they cost milliseconds each). */
const heavyQuery: fc.Arbitrary<string> = fc.oneof(
  { weight: 40, arbitrary: nestedQuery([31, 33, 101]) },
  { weight: 20, arbitrary: fc.constantFrom(17, 65).map((k) => 'owner' + '.friends'.repeat(k) + '.age > 1') },
  { weight: 10, arbitrary: fc.constantFrom(200, 513).map((k) => Array.from({ length: k }, (_, i) => `n == ${i}`).join(' OR ')) },
  { weight: 10, arbitrary: fc.constantFrom(257, 1001).map((k) => `n IN {${Array.from({ length: k }, (_, i) => i).join(',')}}`) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      nestedQuery([5000, 300_000]),
      fc.constant(5000).map((k) => Array.from({ length: k }, (_, i) => `n == ${i}`).join(' OR ')),
      fc.constant(10_001).map((k) => `n IN {${Array.from({ length: k }, (_, i) => i).join(',')}}`),
    ),
  },
);

/** The query lexer and parser (default and subscription limits), then type-check and compile. */
export const queryTarget: ParserTarget<{ text: string; args: unknown[]; type: 'Task' | 'User' }> = {
  name: 'query',
  input: fc.record({
    text: fc.oneof(
      { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
      { weight: 3, arbitrary: fc.array(fc.constantFrom(...TOKENS), { maxLength: 24 }).map((ts) => ts.join(' ')) },
      { weight: 2, arbitrary: fc.array(fc.constantFrom(...TOKENS), { maxLength: 24 }).map((ts) => ts.join('')) },
      { weight: 4, arbitrary: queryText },
      { weight: 8, arbitrary: fc.tuple(queryText, fc.array(textMutation, { minLength: 1, maxLength: 3 })).map(([t, ms]) => ms.reduce(applyTextMutation, t)) },
      { weight: 1, arbitrary: fc.oneof({ weight: 1, arbitrary: heavyQuery }, { weight: 9, arbitrary: queryText }) },
    ),
    args: queryArgs,
    type: fc.constantFrom('Task' as const, 'Task' as const, 'User' as const),
  }),
  run({ text, args, type }) {
    const parsed = typed(['bad_query'], () => void parseQuery(text));
    typed(['bad_query'], () => void parseQuery(text, { limits: SUBSCRIPTION_QUERY_LIMITS, allowExpansions: true }));
    if (!parsed && !text.includes('%%')) return;
    typed(['bad_query'], () => void compileQuery(fuzzParserSchema, type, text, args));
    typed(['bad_query'], () =>
      void compileQuery(fuzzParserSchema, type, text, args, {
        limits: SUBSCRIPTION_QUERY_LIMITS,
        allowExpansions: true,
        expansion: (path) => (path[0] === 'user' ? (path[1] === 'id' ? 'u1' : ['a', 'b']) : undefined),
      }),
    );
  },
  show: ({ text, args, type }) => `${type} ${preview(text)} args ${preview(String(args.map((a) => (typeof a === 'symbol' ? 'Symbol' : typeof a === 'bigint' ? `${a}n` : JSON.stringify(a)))))}`,
};

export const TARGETS = { message: messageTarget, changeset: changesetTarget, query: queryTarget } as const;
export type TargetName = keyof typeof TARGETS;
