import { compareBytes, Decimal128, ObjectId, UUID } from '../model/index.ts';

/**
 * A date constant from a query. Query timestamps have nanoseconds but a stored date (a JS Date) has
 * whole milliseconds; a constant between two milliseconds is kept as `floor + 0.5` so that it
 * orders correctly against every stored date and equals none of them.
 */
export class QueryDate {
  constructor(readonly ms: number) {}
}

/** Runtime value kinds the comparisons know. */
export type Kind = 'null' | 'bool' | 'number' | 'decimal' | 'string' | 'date' | 'objectId' | 'uuid' | 'data' | 'other';

export function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
    case 'object':
      if (v instanceof Date || v instanceof QueryDate) return 'date';
      if (v instanceof Decimal128) return 'decimal';
      if (v instanceof UUID) return 'uuid';
      if (v instanceof ObjectId) return 'objectId';
      if (v instanceof Uint8Array) return 'data';
      return 'other';
    default:
      return 'other';
  }
}

export function dateMs(v: Date | QueryDate): number {
  return v instanceof Date ? v.getTime() : v.ms;
}

/** Code point order (the order of UTF-8 bytes, which SQLite and PostgreSQL's "C" collation use). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 puts surrogates (astral code points) below U+E000–U+FFFF; code point order puts them above.
    if (x >= 0xd800) x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
    if (y >= 0xd800) y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Number of code points (what SQL's length() counts). */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

// ---- Exact numeric comparison across number and Decimal128 -------------------------------------

interface DecimalParts {
  readonly special: 'nan' | 'inf' | null;
  readonly negative: boolean;
  /** Digits without leading or trailing zeros ('' for zero). */
  readonly digits: string;
  /** value = 0.digits × 10^exponent */
  readonly exponent: number;
}

const DECIMAL_TEXT_RE = /^([+-]?)(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;

/** Parses the text of a number (String(n), Decimal128#toString, a literal) into sign, digits and exponent. */
export function decimalParts(text: string): DecimalParts | undefined {
  const t = text.trim();
  const lower = t.toLowerCase();
  if (lower === 'nan' || lower === '+nan' || lower === '-nan') return { special: 'nan', negative: false, digits: '', exponent: 0 };
  const infMatch = /^([+-]?)(inf|infinity)$/.exec(lower);
  if (infMatch) return { special: 'inf', negative: infMatch[1] === '-', digits: '', exponent: 0 };
  const m = DECIMAL_TEXT_RE.exec(t);
  if (!m) return undefined;
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? m[4] ?? '';
  const exp = m[5] !== undefined ? Number(m[5]) : 0;
  let all = intPart + fracPart;
  let pointPos = intPart.length; // digits before the point
  let lead = 0;
  while (lead < all.length && all.charCodeAt(lead) === 48) lead++;
  all = all.slice(lead);
  pointPos -= lead;
  let end = all.length;
  while (end > 0 && all.charCodeAt(end - 1) === 48) end--;
  all = all.slice(0, end);
  return { special: null, negative: m[1] === '-' && all.length > 0, digits: all, exponent: all.length > 0 ? pointPos + exp : 0 };
}

function partsOf(v: number | Decimal128): DecimalParts {
  return decimalParts(typeof v === 'number' ? String(v) : v.toString())!;
}

/** Compares two magnitudes 0.d1 × 10^e1 and 0.d2 × 10^e2 (digits normalized). */
function compareMagnitude(a: DecimalParts, b: DecimalParts): number {
  if (a.digits === '' || b.digits === '') return a.digits === b.digits ? 0 : a.digits === '' ? -1 : 1;
  if (a.exponent !== b.exponent) return a.exponent < b.exponent ? -1 : 1;
  return a.digits < b.digits ? -1 : a.digits > b.digits ? 1 : 0; // same length prefix order works: trailing zeros stripped
}

/** Exact order of two numbers (number or Decimal128); NaN when either is NaN. */
export function compareNumeric(a: number | Decimal128, b: number | Decimal128): number {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a < b) return -1;
    if (a > b) return 1;
    if (a === b) return 0;
    return NaN;
  }
  const x = partsOf(a);
  const y = partsOf(b);
  if (x.special === 'nan' || y.special === 'nan') return NaN;
  const sx = x.special === 'inf' ? (x.negative ? -2 : 2) : x.digits === '' ? 0 : x.negative ? -1 : 1;
  const sy = y.special === 'inf' ? (y.negative ? -2 : 2) : y.digits === '' ? 0 : y.negative ? -1 : 1;
  if (sx !== sy || Math.abs(sx) !== 1) return sx < sy ? -1 : sx > sy ? 1 : 0;
  const m = compareMagnitude(x, y);
  return sx < 0 ? -m : m;
}

export function isNaNNumeric(v: number | Decimal128): boolean {
  return typeof v === 'number' ? Number.isNaN(v) : partsOf(v).special === 'nan';
}

/** A key equal for numerically equal numbers of any representation (for DISTINCT and IN sets). */
export function numericKey(v: number | Decimal128): string {
  if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 1e15) return 'n' + (v === 0 ? 0 : v);
  const p = partsOf(v);
  if (p.special === 'nan') return 'nNaN';
  if (p.special === 'inf') return p.negative ? 'n-inf' : 'n+inf';
  if (p.digits === '') return 'n0';
  // Re-express small integers the way the fast path above does.
  if (p.exponent >= p.digits.length && p.exponent <= 15) {
    return 'n' + (p.negative ? '-' : '') + p.digits + '0'.repeat(p.exponent - p.digits.length);
  }
  return `n${p.negative ? '-' : ''}0.${p.digits}e${p.exponent}`;
}

// ---- Equality and order over query values ------------------------------------------------------

/** Equality with the query's meaning: same kind (numbers across int/double/decimal), NaN equals NaN. */
export function queryEquals(a: unknown, b: unknown): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === 'number' && kb === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if ((ka === 'number' || ka === 'decimal') && (kb === 'number' || kb === 'decimal')) {
    const c = compareNumeric(a as number | Decimal128, b as number | Decimal128);
    if (Number.isNaN(c)) return isNaNNumeric(a as number | Decimal128) && isNaNNumeric(b as number | Decimal128);
    return c === 0;
  }
  if (ka !== kb) return false;
  switch (ka) {
    case 'null':
      return true;
    case 'string':
    case 'bool':
      return a === b;
    case 'date':
      return dateMs(a as Date) === dateMs(b as Date);
    case 'objectId':
      return (a as ObjectId).toHexString() === (b as ObjectId).toHexString();
    case 'uuid':
      return (a as UUID).toHexString(false) === (b as UUID).toHexString(false);
    case 'data':
      return bytesEqual(a as Uint8Array, b as Uint8Array);
    default:
      return false;
  }
}

/**
 * Order of two values for <, <=, >, >=: a number, or NaN when they are not comparable (different
 * kinds, null, NaN). Strings compare by code point, booleans false < true.
 */
export function queryOrder(a: unknown, b: unknown): number {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if ((ka === 'number' || ka === 'decimal') && (kb === 'number' || kb === 'decimal')) {
    return compareNumeric(a as number | Decimal128, b as number | Decimal128);
  }
  if (ka !== kb) return NaN;
  switch (ka) {
    case 'string':
      return compareStrings(a as string, b as string);
    case 'bool':
      return a === b ? 0 : a ? 1 : -1;
    case 'date': {
      const x = dateMs(a as Date);
      const y = dateMs(b as Date);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'objectId':
      return compareStrings((a as ObjectId).toHexString(), (b as ObjectId).toHexString());
    case 'uuid':
      // As in Realm: uuids order by their bytes (the order of their hex text).
      return compareStrings((a as UUID).toHexString(false), (b as UUID).toHexString(false));
    case 'data':
      return compareBytes(a as Uint8Array, b as Uint8Array);
    default:
      return NaN;
  }
}

const SORT_RANK: Record<Kind, number> = {
  null: 0,
  bool: 1,
  number: 2,
  decimal: 2,
  date: 3,
  string: 4,
  data: 5,
  objectId: 6,
  uuid: 7,
  other: 8,
};

/** A total order for SORT: null first, then by kind, then by value (NaN before other numbers). */
export function sortCompare(a: unknown, b: unknown): number {
  const ka = kindOf(a);
  const kb = kindOf(b);
  const ra = SORT_RANK[ka];
  const rb = SORT_RANK[kb];
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (ka === 'uuid') return compareStrings((a as UUID).toHexString(false), (b as UUID).toHexString(false));
  if (ra === 2) {
    const na = isNaNNumeric(a as number);
    const nb = isNaNNumeric(b as number);
    if (na || nb) return na === nb ? 0 : na ? -1 : 1;
  }
  const c = queryOrder(a, b);
  return Number.isNaN(c) ? 0 : c;
}

/** A string key identifying a value under `queryEquals` (for DISTINCT and constant sets). */
export function equalityKey(v: unknown): string {
  const k = kindOf(v);
  switch (k) {
    case 'null':
      return 'z';
    case 'number':
    case 'decimal':
      return numericKey(v as number);
    case 'string':
      return 's' + (v as string);
    case 'bool':
      return v ? 'b1' : 'b0';
    case 'date':
      return 't' + dateMs(v as Date);
    case 'objectId':
      return 'o' + (v as ObjectId).toHexString();
    case 'uuid':
      return 'u' + (v as UUID).toHexString(false);
    case 'data': {
      let s = 'x';
      for (const byte of v as Uint8Array) s += byte < 16 ? '0' + byte.toString(16) : byte.toString(16);
      return s;
    }
    default:
      return '?' + String(v);
  }
}

// ---- Case and diacritic folding ----------------------------------------------------------------

const COMBINING_MARKS = /\p{Mn}/gu;

/** The folded form used by [c] (Unicode lower case) and [d] (decomposed, nonspacing marks removed). */
export function foldString(s: string, caseInsensitive: boolean, diacriticInsensitive: boolean): string {
  let out = s;
  if (diacriticInsensitive) out = out.normalize('NFD').replace(COMBINING_MARKS, '');
  if (caseInsensitive) out = out.toLowerCase();
  return out;
}

/** Whether every character is ASCII (then both folds are plain ASCII lower-casing or nothing). */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

// ---- Substring operations ----------------------------------------------------------------------

export function bytesStartWith(h: Uint8Array, n: Uint8Array): boolean {
  if (n.length > h.length) return false;
  for (let i = 0; i < n.length; i++) if (h[i] !== n[i]) return false;
  return true;
}

export function bytesEndWith(h: Uint8Array, n: Uint8Array): boolean {
  if (n.length > h.length) return false;
  const off = h.length - n.length;
  for (let i = 0; i < n.length; i++) if (h[off + i] !== n[i]) return false;
  return true;
}

export function bytesContain(h: Uint8Array, n: Uint8Array): boolean {
  if (n.length === 0) return true;
  outer: for (let i = 0; i + n.length <= h.length; i++) {
    for (let j = 0; j < n.length; j++) if (h[i + j] !== n[j]) continue outer;
    return true;
  }
  return false;
}
