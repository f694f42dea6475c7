import type { Descriptor, Expr, Literal, PathExpr, Predicate, QueryAst } from './ast.ts';
import { QueryError } from './errors.ts';
import { RESERVED_WORDS } from './parser.ts';

/**
 * Whether `value` can sit between `quote` characters so that the lexer reads it back verbatim:
 * every quote must be protected by a backslash and the text must not end inside an escape.
 */
function fitsQuotes(value: string, quote: number): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 92) {
      // Only the escapes the lexer accepts (kept verbatim): \" \' \\ \/ \b \f \n \r \t \0 \uXXXX.
      if (i + 1 >= value.length) return false;
      const e = value[i + 1]!;
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(value.slice(i + 2, i + 6))) return false;
        i += 5;
      } else if ('"\'\\/bfnrt0'.includes(e)) i++;
      else return false;
    } else if (c === quote) return false;
  }
  return true;
}

/** A string literal reading back as `value`, or a QueryError when no quoting can express it. */
export function formatStringLiteral(value: string): string {
  if (fitsQuotes(value, 39)) return `'${value}'`;
  if (fitsQuotes(value, 34)) return `"${value}"`;
  throw new QueryError('this string cannot be written as a literal (string literals are verbatim); pass it as an argument', 0);
}

/** Whether a name can be printed as the first segment of a key path. */
export function isPrintableName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && name !== '__proto__';
}

function formatName(name: string, first: boolean): string {
  if (!isPrintableName(name) || (first && RESERVED_WORDS.has(name.toUpperCase()))) {
    throw new QueryError(`the name '${name}' cannot be written in a key path`, 0);
  }
  return name;
}

function formatUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function formatLiteral(l: Literal): string {
  switch (l.type) {
    case 'null':
      return 'null';
    case 'bool':
      return l.value ? 'true' : 'false';
    case 'number':
      return l.text;
    case 'string':
      return formatStringLiteral(l.value);
    case 'timestamp':
      return `T${l.seconds}:${l.nanos}`;
    case 'objectId':
      return `oid(${l.hex})`;
    case 'uuid':
      return `uuid(${formatUuid(l.hex)})`;
    case 'binary':
      return l.explicitBinary ? `bin(B64"${l.base64}")` : `B64"${l.base64}"`;
  }
}

function formatPath(p: PathExpr): string {
  let out = p.quantifier ? `${p.quantifier} ` : '';
  let first = true;
  if (p.variable !== null) {
    out += p.variable;
    first = false;
  }
  for (const s of p.segments) {
    if (s.type === 'field') {
      out += (first ? '' : '.') + formatName(s.name, first);
    } else if (s.type === 'op') {
      if (first && s.op !== '@links') throw new QueryError(`a key path cannot start with ${s.op}`, 0);
      out += (first ? '' : '.') + s.op;
    } else if (s.type === 'key') {
      if (first) throw new QueryError('a key path cannot start with a dictionary key', 0);
      out += `[${formatStringLiteral(s.key)}]`;
    } else {
      if (first) throw new QueryError('a key path cannot start with a list position', 0);
      const ix = s.index;
      out += `[${typeof ix === 'number' ? ix : ix === 'first' ? 'FIRST' : ix === 'last' ? 'LAST' : ix === 'all' ? '*' : `$${ix.arg}`}]`;
    }
    first = false;
  }
  if (first) throw new QueryError('empty key path', 0);
  return out;
}

export function formatExpr(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      return formatLiteral(e.literal);
    case 'arg':
      return `${e.quantifier ? `${e.quantifier} ` : ''}$${e.index}`;
    case 'expansion':
      return `%%${e.path.join('.')}`;
    case 'list':
      return `${e.quantifier ? `${e.quantifier} ` : ''}{${e.items.map(formatExpr).join(', ')}}`;
    case 'objectRef':
      return `obj(${formatStringLiteral(e.objectType)}, ${formatExpr(e.key)})`;
    case 'arith': {
      // The parser records written parentheses (`grouped`), so printing them back is enough.
      const body = `${formatExpr(e.left)} ${e.op} ${formatExpr(e.right)}`;
      return `${e.quantifier ? `${e.quantifier} ` : ''}${e.grouped ? `(${body})` : body}`;
    }
    case 'path':
      return formatPath(e);
    case 'subquery':
      return `SUBQUERY(${formatPath(e.collection)}, ${e.variable}, ${formatPredicate(e.predicate)}).${e.op}`;
    case 'geo': {
      const pt = (p: readonly [string, string]): string => `[${p[0]}, ${p[1]}]`;
      switch (e.shape) {
        case 'circle':
          return `geoCircle(${pt(e.center)}, ${e.radius})`;
        case 'box':
          return `geoBox(${pt(e.bottomLeft)}, ${pt(e.topRight)})`;
        case 'polygon':
          return `geoPolygon(${e.rings.map((r) => `{${r.map(pt).join(', ')}}`).join(', ')})`;
      }
    }
  }
}

function wrap(p: Predicate, parens: boolean): string {
  const s = formatPredicate(p);
  return parens ? `(${s})` : s;
}

export function formatPredicate(p: Predicate): string {
  switch (p.kind) {
    case 'constant':
      return p.value ? 'TRUEPREDICATE' : 'FALSEPREDICATE';
    case 'not':
      return `NOT ${wrap(p.operand, p.operand.kind === 'and' || p.operand.kind === 'or')}`;
    case 'and':
      return p.operands.map((o) => wrap(o, o.kind === 'and' || o.kind === 'or')).join(' AND ');
    case 'or':
      return p.operands.map((o) => wrap(o, o.kind === 'or')).join(' OR ');
    case 'compare': {
      const mod = p.caseInsensitive || p.diacriticInsensitive ? `[${p.caseInsensitive ? 'c' : ''}${p.diacriticInsensitive ? 'd' : ''}]` : '';
      return `${formatExpr(p.left)} ${p.op}${mod} ${formatExpr(p.right)}`;
    }
  }
}

function formatDescriptor(d: Descriptor): string {
  switch (d.kind) {
    case 'sort':
      return `SORT(${d.keys.map((k) => `${k.path.map((n, i) => formatName(n, i === 0)).join('.')} ${k.ascending ? 'ASC' : 'DESC'}`).join(', ')})`;
    case 'distinct':
      return `DISTINCT(${d.paths.map((p) => p.map((n, i) => formatName(n, i === 0)).join('.')).join(', ')})`;
    case 'limit':
      return `LIMIT(${d.count})`;
  }
}

/** Prints a syntax tree as query text that parses back to an equal tree (see `astEquals`). */
export function formatQuery(ast: QueryAst): string {
  let out = formatPredicate(ast.predicate);
  for (const d of ast.descriptors) out += ' ' + formatDescriptor(d);
  return out;
}

/** Structural equality of two syntax trees, ignoring positions. */
export function astEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    return a.every((x, i) => astEquals(x, bb[i]));
  }
  const ka = Object.keys(a).filter((k) => k !== 'pos');
  const kb = Object.keys(b).filter((k) => k !== 'pos');
  if (ka.length !== kb.length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(rb, k) && astEquals(ra[k], rb[k]));
}
