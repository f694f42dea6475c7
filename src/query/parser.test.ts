import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSchema } from '../model/index.ts';
import type { Descriptor, Expr, Literal, PathExpr, PathSegment, Predicate, QueryAst } from './ast.ts';
import { encodeBase64 } from './base64.ts';
import { compileQuery } from './compile.ts';
import { QueryError } from './errors.ts';
import { astEquals, formatQuery, formatStringLiteral } from './format.ts';
import { parseQuery } from './parser.ts';

function parseError(text: string, options?: Parameters<typeof parseQuery>[1]): QueryError {
  try {
    parseQuery(text, options);
  } catch (err) {
    if (err instanceof QueryError) return err;
    throw err;
  }
  throw new Error(`expected a QueryError for ${text.slice(0, 80)}`);
}

describe('parseQuery: grammar', () => {
  it('parses comparisons with every operator spelling', () => {
    const ops: [string, string][] = [
      ['==', '=='],
      ['=', '=='],
      ['!=', '!='],
      ['<>', '!='],
      ['<', '<'],
      ['<=', '<='],
      ['=<', '<='],
      ['>', '>'],
      ['>=', '>='],
      ['=>', '>='],
      ['beginsWith', 'BEGINSWITH'],
      ['ENDSWITH', 'ENDSWITH'],
      ['contains', 'CONTAINS'],
      ['like', 'LIKE'],
    ];
    for (const [spelled, op] of ops) {
      const ast = parseQuery(`a ${spelled} 'x'`);
      expect(ast.predicate).toMatchObject({ kind: 'compare', op });
    }
  });

  it('handles precedence: NOT binds tighter than AND, AND tighter than OR', () => {
    const ast = parseQuery('NOT a == 1 AND b == 2 || c == 3 && !d == 4');
    expect(formatQuery(ast)).toBe('NOT a == 1 AND b == 2 OR c == 3 AND NOT d == 4');
    const p = ast.predicate;
    expect(p.kind).toBe('or');
    if (p.kind === 'or') {
      expect(p.operands[0]!.kind).toBe('and');
      expect(p.operands[1]!.kind).toBe('and');
    }
  });

  it('keeps parenthesized groups', () => {
    expect(formatQuery(parseQuery('(a == 1 AND b == 2) AND c == 3'))).toBe('(a == 1 AND b == 2) AND c == 3');
    expect(formatQuery(parseQuery('a == 1 AND (b == 2 OR c == 3)'))).toBe('a == 1 AND (b == 2 OR c == 3)');
    expect(formatQuery(parseQuery('((a == 1))'))).toBe('a == 1');
  });

  it('parses literals', () => {
    const lit = (text: string): Literal => {
      const p = parseQuery(`a == ${text}`).predicate;
      if (p.kind !== 'compare' || p.right.kind !== 'literal') throw new Error('not a literal');
      return p.right.literal;
    };
    expect(lit('null')).toEqual({ type: 'null' });
    expect(lit('NIL')).toEqual({ type: 'null' });
    expect(lit('True')).toEqual({ type: 'bool', value: true });
    expect(lit('false')).toEqual({ type: 'bool', value: false });
    expect(lit('-12')).toEqual({ type: 'number', text: '-12' });
    expect(lit('0x1F')).toEqual({ type: 'number', text: '0x1F' });
    expect(lit('1.5e-3')).toEqual({ type: 'number', text: '1.5e-3' });
    expect(lit('.5')).toEqual({ type: 'number', text: '.5' });
    expect(lit('-inf')).toEqual({ type: 'number', text: '-inf' });
    expect(lit('NaN')).toEqual({ type: 'number', text: 'NaN' });
    expect(lit("'it\\'s'")).toEqual({ type: 'string', value: "it\\'s" });
    expect(lit('"say \\"hi\\""')).toEqual({ type: 'string', value: 'say \\"hi\\"' });
    expect(lit('oid(6001c033600510df3bbfd864)')).toEqual({ type: 'objectId', hex: '6001c033600510df3bbfd864' });
    expect(lit('uuid(D1B186E1-E9E0-4768-A1A7-C492519D47EE)')).toEqual({ type: 'uuid', hex: 'd1b186e1e9e04768a1a7c492519d47ee' });
    expect(lit('B64"AQID"')).toEqual({ type: 'binary', base64: 'AQID' });
    expect(lit('T12:345')).toEqual({ type: 'timestamp', seconds: 12, nanos: 345 });
    expect(lit('T-1:-5')).toEqual({ type: 'timestamp', seconds: -1, nanos: -5 });
    expect(lit('1970-01-01@00:00:01')).toEqual({ type: 'timestamp', seconds: 1, nanos: 0 });
    expect(lit('2021-02-03T04:05:06:7')).toEqual({ type: 'timestamp', seconds: Date.UTC(2021, 1, 3, 4, 5, 6) / 1000, nanos: 7 });
    expect(lit('1969-12-31@23:59:59:500000000')).toEqual({ type: 'timestamp', seconds: 0, nanos: -500000000 });
  });

  it('parses key paths, quantifiers, operators, dictionaries and SUBQUERY', () => {
    const ast = parseQuery(
      "ANY a.b.@count > 1 AND ALL tags.length > 2 AND NONE x.@values == 1 AND d['k'].z == 2 AND SOME t == 1 AND SUBQUERY(items, $i, $i.p > 1 AND $i.q.@sum == 2).@count == 0",
    );
    expect(formatQuery(ast)).toBe(
      "ANY a.b.@count > 1 AND ALL tags.length > 2 AND NONE x.@values == 1 AND d['k'].z == 2 AND ANY t == 1 AND SUBQUERY(items, $i, $i.p > 1 AND $i.q.@sum == 2).@count == 0",
    );
  });

  it('parses IN, BETWEEN, lists and arguments', () => {
    expect(formatQuery(parseQuery('a IN {1, 2, $0} AND 5 IN list AND b BETWEEN {1, $1} AND c in $2'))).toBe(
      'a IN {1, 2, $0} AND 5 IN list AND b BETWEEN {1, $1} AND c IN $2',
    );
    expect(formatQuery(parseQuery('a IN {}'))).toBe('a IN {}');
  });

  it('parses modifiers', () => {
    expect(formatQuery(parseQuery("a ==[c] 'x' AND b CONTAINS[cd] 'y' AND c LIKE[d] 'z' AND d IN[c] {'q'}"))).toBe(
      "a ==[c] 'x' AND b CONTAINS[cd] 'y' AND c LIKE[d] 'z' AND d IN[c] {'q'}",
    );
    expect(parseError("a >[c] 'x'").reason).toMatch(/modifiers do not apply/);
  });

  it('parses SORT, DISTINCT and LIMIT in any order, repeated, case-insensitively', () => {
    const ast = parseQuery('TRUEPREDICATE sort(a.b desc, c) Limit(5) DISTINCT(x, y.z) SORT(d ASCENDING) limit(2)');
    expect(ast.descriptors.map((d: Descriptor) => d.kind)).toEqual(['sort', 'limit', 'distinct', 'sort', 'limit']);
    expect(formatQuery(ast)).toBe('TRUEPREDICATE SORT(a.b DESC, c ASC) LIMIT(5) DISTINCT(x, y.z) SORT(d ASC) LIMIT(2)');
  });

  it('allows keywords as property names after a dot, and descriptor words as plain names', () => {
    expect(formatQuery(parseQuery('a.in == 1 AND limit == 2 AND sort.desc == 3'))).toBe('a.in == 1 AND limit == 2 AND sort.desc == 3');
  });

  it('accepts %% expansions only when asked to', () => {
    expect(parseError('owner == %%user.id').reason).toMatch(/only allowed in permission filters/);
    expect(formatQuery(parseQuery('owner == %%user.id AND team IN {%%user.custom_data.team}', { allowExpansions: true }))).toBe(
      'owner == %%user.id AND team IN {%%user.custom_data.team}',
    );
  });
});

describe('parseQuery: errors carry positions', () => {
  const cases: [string, number, RegExp][] = [
    ['a == ', 5, /expected a value/],
    ['a == 1 AND', 10, /expected a value/],
    ["a == 'unterminated", 5, /unterminated string/],
    ['a == 1 )', 7, /unexpected/],
    ['(a == 1', 7, /expected '\)'/],
    ['a == oid(123)', 5, /24 hex/],
    ['a == uuid(xyz)', 5, /uuid/],
    ['a == B64"!!"', 5, /base64/],
    ['a == 2020-13-01@00:00:00', 5, /month/],
    ['a == T1:-1', 5, /same sign/],
    ['a # 1', 2, /unexpected character/],
    ['a.@bogus > 1', 2, /unknown operator/],
    ['a == 12abc', 5, /invalid number/],
    ['', 0, /empty query/],
    ['a == 1 LIMIT(-1)', 13, /LIMIT/],
    ['__proto__ == 1', 0, /not a valid property name/],
    ["d['__proto__'] == 1", 2, /not a valid property name/],
    ['AND == 1', 0, /keyword/],
  ];
  for (const [text, pos, re] of cases) {
    it(`${JSON.stringify(text)} → offset ${pos}`, () => {
      const e = parseError(text);
      expect(e.reason).toMatch(re);
      expect(e.position).toBe(pos);
      expect(e.message).toContain(`offset ${pos}`);
      expect(e.code).toBe('bad_query');
    });
  }

  it('reports line and column', () => {
    const e = parseError('a == 1 AND\n  b == ');
    expect(e.line).toBe(2);
    expect(e.column).toBe(8);
    expect(e.message).toContain('line 2, column 8');
  });
});

// ---- Round trip: random trees print and parse back equal -------------------------------------------

const NAMES = ['a', 'b', 'name', 'age', 'tags', 'x1', '_y', 'length', 'sort', 'limit', 'desc', 'T', 'B64', 'oid'];
const name = fc.constantFrom(...NAMES);
const printableString = fc
  .string({ unit: fc.constantFrom('a', 'b', ' ', "'", '"', '\\', 'é', '😀', '*', '?', '\n', 'Z') as fc.Arbitrary<string>, maxLength: 12 })
  .filter((s) => {
    try {
      formatStringLiteral(s);
      return true;
    } catch {
      return false;
    }
  });

const literal: fc.Arbitrary<Literal> = fc.oneof(
  fc.constant<Literal>({ type: 'null' }),
  fc.boolean().map((value): Literal => ({ type: 'bool', value })),
  fc.oneof(
    fc.integer().map(String),
    fc.double().map(String),
    fc.constantFrom('0x1F', '-0x10', '1.5e-3', '2E+10', 'inf', '-Infinity', 'nan', '+7'),
  ).map((text): Literal => ({ type: 'number', text })),
  printableString.map((value): Literal => ({ type: 'string', value })),
  fc
    .tuple(fc.integer({ min: -1e10, max: 1e10 }), fc.integer({ min: 0, max: 999_999_999 }))
    .map(([s, n]): Literal => ({ type: 'timestamp', seconds: s, nanos: s < 0 ? -n : s === 0 ? 0 : n })),
  fc.stringMatching(/^[0-9a-f]{24}$/).map((hex): Literal => ({ type: 'objectId', hex })),
  fc.stringMatching(/^[0-9a-f]{32}$/).map((hex): Literal => ({ type: 'uuid', hex })),
  fc.uint8Array({ maxLength: 8 }).map((b): Literal => ({ type: 'binary', base64: encodeBase64(b) })),
);

const objectRef: fc.Arbitrary<Expr> = fc
  .tuple(fc.constantFrom('Person', 'T'), fc.oneof(fc.nat(20).map((index): Expr => ({ kind: 'arg', index, pos: 0 })), fc.constantFrom<Expr>({ kind: 'literal', literal: { type: 'string', value: 'p1' }, pos: 0 }, { kind: 'literal', literal: { type: 'number', text: '7' }, pos: 0 })))
  .map(([objectType, key]): Expr => ({ kind: 'objectRef', objectType, key: key as never, pos: 0 }));
const constExpr: fc.Arbitrary<Expr> = fc.oneof(
  literal.map((l): Expr => ({ kind: 'literal', literal: l, pos: 0 })),
  fc.nat(20).map((index): Expr => ({ kind: 'arg', index, pos: 0 })),
  fc.array(name, { minLength: 1, maxLength: 3 }).map((p): Expr => ({ kind: 'expansion', path: ['user', ...p], pos: 0 })),
  objectRef,
);
const quantifier = fc.constantFrom<'ANY' | 'ALL' | 'NONE' | null>(null, null, 'ANY', 'ALL', 'NONE');
const listExpr: fc.Arbitrary<Expr> = fc
  .tuple(fc.array(constExpr, { maxLength: 4 }), quantifier)
  .map(([items, q]): Expr => ({ kind: 'list', items: items as never, ...(q ? { quantifier: q } : {}), pos: 0 }));
const quantifiedArg: fc.Arbitrary<Expr> = fc
  .tuple(fc.nat(20), fc.constantFrom('ANY' as const, 'ALL' as const, 'NONE' as const))
  .map(([index, q]): Expr => ({ kind: 'arg', index, quantifier: q, pos: 0 }));

const segment: fc.Arbitrary<PathSegment> = fc.oneof(
  name.map((n): PathSegment => ({ type: 'field', name: n, pos: 0 })),
  printableString.map((key): PathSegment => ({ type: 'key', key, pos: 0 })),
  fc.constantFrom('@count', '@size', '@sum', '@avg', '@min', '@max', '@keys', '@values').map((op): PathSegment => ({ type: 'op', op: op as never, pos: 0 })),
  fc
    .oneof(fc.nat(20), fc.constantFrom('first' as const, 'last' as const, 'all' as const), fc.nat(9).map((arg) => ({ arg })))
    .map((index): PathSegment => ({ type: 'index', index, pos: 0 })),
);
const pathExpr = (allowQuantifier: boolean): fc.Arbitrary<PathExpr> =>
  fc
    .tuple(
      allowQuantifier ? fc.constantFrom(null, 'ANY', 'ALL', 'NONE') : fc.constant(null),
      fc.option(fc.constantFrom('$x', '$item'), { nil: null }),
      name,
      fc.array(segment, { maxLength: 3 }),
    )
    .map(([quantifier, variable, first, rest]): PathExpr => ({
      kind: 'path',
      quantifier: quantifier as PathExpr['quantifier'],
      variable,
      segments: variable ? rest : [{ type: 'field', name: first, pos: 0 }, ...rest],
      pos: 0,
    }));

const { predicate } = fc.letrec<{ predicate: Predicate; expr: Expr; compare: Predicate; operand: Expr }>((tie) => ({
  // An arithmetic operand: no quantifier (it would belong to the whole side); nested arithmetic is grouped.
  operand: fc.oneof(
    { weight: 3, arbitrary: constExpr },
    { weight: 3, arbitrary: pathExpr(false) },
    { weight: 1, arbitrary: fc.array(constExpr, { maxLength: 3 }).map((items): Expr => ({ kind: 'list', items: items as never, pos: 0 })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(tie('operand'), fc.constantFrom('+' as const, '-' as const, '*' as const, '/' as const), tie('operand'))
        .map(([left, op, right]): Expr => ({ kind: 'arith', op, left, right, grouped: true, pos: 0 })),
    },
  ),
  expr: fc.oneof(
    { weight: 4, arbitrary: constExpr },
    { weight: 1, arbitrary: listExpr },
    { weight: 1, arbitrary: quantifiedArg },
    { weight: 4, arbitrary: pathExpr(true) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(tie('operand'), fc.constantFrom('+' as const, '-' as const, '*' as const, '/' as const), tie('operand'), quantifier, fc.boolean())
        .map(([left, op, right, q, grouped]): Expr => ({ kind: 'arith', op, left, right, ...(q ? { quantifier: q } : {}), ...(grouped || q ? { grouped: true as const } : {}), pos: 0 })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(pathExpr(false), fc.constantFrom('$s', '$t'), tie('predicate'), fc.constantFrom('@count' as const, '@size' as const))
        .map(([collection, variable, p, op]): Expr => ({ kind: 'subquery', collection, variable, predicate: p, op, pos: 0 })),
    },
  ),
  compare: fc
    .tuple(
      tie('expr'),
      fc.constantFrom('==', '!=', '<', '<=', '>', '>=', 'BEGINSWITH', 'ENDSWITH', 'CONTAINS', 'LIKE', 'IN', 'BETWEEN'),
      tie('expr'),
      fc.boolean(),
      fc.boolean(),
      fc.tuple(constExpr, constExpr),
    )
    .map(([left, op, right, c, d, pair]): Predicate => {
      const modifiable = ['==', '!=', 'BEGINSWITH', 'ENDSWITH', 'CONTAINS', 'LIKE', 'IN'].includes(op);
      const rightSide: Expr = op === 'BETWEEN' ? { kind: 'list', items: pair as never, pos: 0 } : right;
      return {
        kind: 'compare',
        op: op as never,
        left,
        right: rightSide,
        caseInsensitive: modifiable && c,
        diacriticInsensitive: modifiable && d,
        pos: 0,
      };
    }),
  predicate: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 5, arbitrary: tie('compare') },
    { weight: 1, arbitrary: fc.boolean().map((value): Predicate => ({ kind: 'constant', value, pos: 0 })) },
    { weight: 2, arbitrary: tie('predicate').map((operand): Predicate => ({ kind: 'not', operand, pos: 0 })) },
    { weight: 2, arbitrary: fc.array(tie('predicate'), { minLength: 2, maxLength: 3 }).map((operands): Predicate => ({ kind: 'and', operands, pos: 0 })) },
    { weight: 2, arbitrary: fc.array(tie('predicate'), { minLength: 2, maxLength: 3 }).map((operands): Predicate => ({ kind: 'or', operands, pos: 0 })) },
  ),
}));

const descriptor: fc.Arbitrary<Descriptor> = fc.oneof(
  fc
    .array(fc.tuple(fc.array(name, { minLength: 1, maxLength: 2 }), fc.boolean()), { minLength: 1, maxLength: 2 })
    .map((keys): Descriptor => ({ kind: 'sort', keys: keys.map(([path, ascending]) => ({ path, ascending })), pos: 0 })),
  fc.array(fc.array(name, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 2 }).map((paths): Descriptor => ({ kind: 'distinct', paths, pos: 0 })),
  fc.nat(1000).map((count): Descriptor => ({ kind: 'limit', count, pos: 0 })),
);

const queryAst: fc.Arbitrary<QueryAst> = fc
  .tuple(predicate, fc.array(descriptor, { maxLength: 3 }))
  .map(([p, descriptors]) => ({ kind: 'query' as const, predicate: p, descriptors }));

describe('round trip', () => {
  it('formatQuery(ast) parses back to an equal tree', () => {
    fc.assert(
      fc.property(queryAst, (ast) => {
        const text = formatQuery(ast);
        const back = parseQuery(text, { allowExpansions: true });
        if (!astEquals(back, ast)) throw new Error(`round trip changed the tree for: ${text}`);
        expect(formatQuery(back)).toBe(text);
      }),
      { numRuns: 1500 },
    );
  });
});

// ---- Robustness --------------------------------------------------------------------------------

const fuzzSchema = parseSchema([
  {
    name: 'T',
    primaryKey: 'id',
    properties: { id: 'int', a: 'string', b: 'int?', tags: 'string[]', d: 'double{}', e: 'E', l: 'T[]', m: 'mixed' },
  },
  { name: 'E', embedded: true, properties: { x: 'int' } },
]);

function onlyQueryErrors(text: string): void {
  try {
    parseQuery(text);
  } catch (err) {
    if (!(err instanceof QueryError)) throw new Error(`parser threw ${String(err)} for ${JSON.stringify(text.slice(0, 200))}`);
    return;
  }
  try {
    compileQuery(fuzzSchema, 'T', text, [1, 'x', null]);
  } catch (err) {
    if (!(err instanceof QueryError)) throw new Error(`compiler threw ${String(err)} for ${JSON.stringify(text.slice(0, 200))}`);
  }
}

describe('robustness', () => {
  it('random byte strings only ever produce QueryError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        onlyQueryErrors(new TextDecoder('utf-8', { fatal: false }).decode(bytes));
        onlyQueryErrors(String.fromCharCode(...bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it('random token soups only ever produce QueryError', () => {
    const tokens = [
      'a', 'b', 'tags', 'd', 'e', 'l', 'm', 'x', '.', '@count', '@sum', '@keys', '@values', '@min', 'length', '==', '!=', '<', '>=', 'IN', 'BETWEEN',
      'BEGINSWITH', 'LIKE', '[c]', 'AND', 'OR', 'NOT', '!', '(', ')', '{', '}', ',', '$0', '$1', '$2', '$9', '$x', "'s'", '"q\\"', '1', '-2.5', '0x1',
      'null', 'true', 'ANY', 'ALL', 'NONE', 'SUBQUERY', 'SORT', 'DISTINCT', 'LIMIT', 'ASC', 'TRUEPREDICATE', 'T1:2', '2020-01-01@00:00:00', "['k']",
      'oid(6001c033600510df3bbfd864)', 'B64"AA=="', '%%user.id', '__proto__', 'inf', 'nan',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...tokens), { maxLength: 25 }), (soup) => {
        onlyQueryErrors(soup.join(' '));
        onlyQueryErrors(soup.join(''));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('hostile queries end in a QueryError', () => {
  const expectQueryError = (fn: () => unknown, re: RegExp): void => {
    let caught: unknown;
    try {
      fn();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(QueryError);
    expect((caught as QueryError).reason).toMatch(re);
  };
  const big = { maxQueryLength: 10_000_000 };

  it('10,000 nested parentheses', () => {
    const text = '('.repeat(10_000) + 'a == 1' + ')'.repeat(10_000);
    expectQueryError(() => parseQuery(text), /nested deeper/);
    expectQueryError(() => parseQuery(text, { limits: big }), /nested deeper/);
  });

  it('100,000 NOTs and 100,000 nested SUBQUERYs', () => {
    expectQueryError(() => parseQuery('NOT '.repeat(100_000) + 'a == 1', { limits: big }), /nested deeper/);
    expectQueryError(() => parseQuery('!'.repeat(100_000) + 'a == 1', { limits: big }), /nested deeper/);
    const sub = 'SUBQUERY(l, $x, '.repeat(20_000) + 'a == 1' + ').@count > 0'.repeat(20_000);
    expectQueryError(() => parseQuery(sub, { limits: big }), /nested deeper/);
  });

  it('a 1 MB string literal', () => {
    const text = `a == '${'x'.repeat(1 << 20)}'`;
    expectQueryError(() => parseQuery(text), /longer than/);
    expectQueryError(() => compileQuery(fuzzSchema, 'T', text), /longer than/);
  });

  it('an IN list of a million items, in text and as an argument', () => {
    const text = `b IN {${Array.from({ length: 1_000_000 }, (_, i) => i).join(',')}}`;
    expectQueryError(() => parseQuery(text), /longer than/);
    expectQueryError(() => parseQuery(text, { limits: big }), /more than 10000 items/);
    expectQueryError(() => compileQuery(fuzzSchema, 'T', 'b IN $0', [new Array(1_000_000).fill(1)]), /more than 10000 items/);
  });

  it('__proto__ and friends as names', () => {
    expectQueryError(() => parseQuery('__proto__ == 1'), /not a valid property name/);
    expectQueryError(() => parseQuery('a.__proto__ == 1'), /not a valid property name/);
    expectQueryError(() => compileQuery(fuzzSchema, 'T', 'constructor == 1'), /no property 'constructor'/);
    expectQueryError(() => compileQuery(fuzzSchema, 'T', 'toString == 1'), /no property 'toString'/);
    expectQueryError(() => compileQuery(fuzzSchema, 'T', 'e.hasOwnProperty == 1'), /no property 'hasOwnProperty'/);
  });

  it('too many arguments, huge argument numbers, long key paths, huge AND chains', () => {
    expectQueryError(() => parseQuery('a == $99999999999999999999'), /past the limit/);
    expectQueryError(() => compileQuery(fuzzSchema, 'T', 'b == $0', new Array(5000).fill(1)), /more than 1000 arguments/);
    expectQueryError(() => parseQuery('a' + '.b'.repeat(1000) + ' == 1'), /longer than 64 segments/);
    expectQueryError(() => parseQuery(Array.from({ length: 60_000 }, () => 'a == 1').join(' AND '), { limits: big }), /more than 100000 nodes/);
  });

  it('a LIKE with many stars over a long string finishes', () => {
    const q = compileQuery(fuzzSchema, 'T', `a LIKE '${'*a'.repeat(2000)}*b'`);
    const rec = { id: 1, a: 'a'.repeat(20_000), b: null, tags: [], d: {}, e: null, l: [], m: null } as never;
    const start = Date.now();
    expect(q.matches(rec)).toBe(false);
    expect(Date.now() - start).toBeLessThan(5000);
  });
});

describe('Realm forms in the grammar', () => {
  const compareOf = (text: string) => {
    const p = parseQuery(text).predicate;
    if (p.kind !== 'compare') throw new Error(`not a comparison: ${text}`);
    return p;
  };
  const syntaxError = (text: string): QueryError => {
    try {
      parseQuery(text);
    } catch (err) {
      if (err instanceof QueryError) return err;
      throw err;
    }
    throw new Error(`parsed: ${text}`);
  };

  it('arithmetic: * and / bind tighter than + and -, left to right', () => {
    const c = compareOf('a + b * 2 - c == 1');
    expect(c.left).toMatchObject({ kind: 'arith', op: '-', left: { kind: 'arith', op: '+', right: { kind: 'arith', op: '*' } } });
    expect(compareOf('2 * (age - 5) == 70').left).toMatchObject({ kind: 'arith', op: '*', right: { kind: 'arith', op: '-', grouped: true } });
  });
  it('a parenthesis groups a value when an operator follows it, a predicate otherwise', () => {
    expect(compareOf('(age - 5) * 2 == 70').left).toMatchObject({ kind: 'arith', op: '*' });
    expect(syntaxError('(age) == 70').reason).toMatch(/must hold arithmetic/);
    expect(parseQuery('(age > 5) && (b == 1)').predicate.kind).toBe('and');
    expect(syntaxError('age -5 == 1').reason).toMatch(/comparison operator/);
  });
  it('quantifiers on either side, before key paths, lists and arguments', () => {
    expect(compareOf('x == ALL {1, 2}').right).toMatchObject({ kind: 'list', quantifier: 'ALL' });
    expect(compareOf('x IN ANY $0').right).toMatchObject({ kind: 'arg', quantifier: 'ANY' });
    expect(compareOf('NONE {1} IN ALL items.price')).toMatchObject({ left: { quantifier: 'NONE' }, right: { kind: 'path', quantifier: 'ALL' } });
    expect(syntaxError('ANY 5.5 IN items.price').reason).toMatch(/key path, a list or a list argument/);
    expect(syntaxError('{8, 10}.@size >= 1').reason).toMatch(/comparison operator/);
  });
  it('list positions, bin(), obj(), operator words as names', () => {
    const path = compareOf('items[FIRST].tags[$1][*] == 1').left as PathExpr;
    expect(path.segments.map((s) => (s.type === 'index' ? s.index : s.type))).toEqual(['field', 'first', 'field', { arg: 1 }, 'all']);
    expect(compareOf("d == bin('ab')").right).toMatchObject({ kind: 'literal', literal: { type: 'binary', base64: 'YWI=', explicitBinary: true } });
    expect(compareOf("o == obj('Dog', $2)").right).toMatchObject({ kind: 'objectRef', objectType: 'Dog', key: { kind: 'arg', index: 2 } });
    expect(compareOf('in == 3').left).toMatchObject({ kind: 'path', segments: [{ name: 'in' }] });
    expect(compareOf("in in 'in'")).toMatchObject({ op: 'IN', left: { kind: 'path' } });
  });
  it('string escapes are validated, and kept verbatim', () => {
    expect(syntaxError("a == '\\a'").reason).toMatch(/invalid escape/);
    expect(syntaxError("a == '\\u0'").reason).toMatch(/four hex digits/);
    expect(compareOf("a == '\\u0041\\n'").right).toMatchObject({ literal: { type: 'string', value: '\\u0041\\n' } });
  });
  it('deeply nested value parentheses stop at the depth limit', () => {
    const deep = `${'('.repeat(10_000)}a + 1${')'.repeat(10_000)} == 1`;
    expect(syntaxError(deep).reason).toMatch(/nested deeper/);
  });
});
