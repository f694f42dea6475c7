import { decodeBase64 } from './base64.ts';
import { QueryError } from './errors.ts';
import type { QueryLimits } from './limits.ts';

export type Token =
  | { readonly kind: 'ident'; readonly text: string; readonly upper: string; readonly pos: number }
  | { readonly kind: 'variable'; readonly name: string; readonly pos: number }
  | { readonly kind: 'arg'; readonly index: number; readonly pos: number }
  | { readonly kind: 'number'; readonly text: string; readonly pos: number }
  | { readonly kind: 'string'; readonly value: string; readonly pos: number }
  | { readonly kind: 'timestamp'; readonly seconds: number; readonly nanos: number; readonly pos: number }
  | { readonly kind: 'objectId'; readonly hex: string; readonly pos: number }
  | { readonly kind: 'uuid'; readonly hex: string; readonly pos: number }
  | { readonly kind: 'binary'; readonly base64: string; readonly pos: number }
  | { readonly kind: 'at'; readonly name: string; readonly pos: number }
  | { readonly kind: 'expansion'; readonly path: readonly string[]; readonly pos: number }
  | { readonly kind: 'modifier'; readonly caseInsensitive: boolean; readonly diacriticInsensitive: boolean; readonly pos: number }
  | { readonly kind: 'punct'; readonly text: string; readonly pos: number }
  | { readonly kind: 'eof'; readonly pos: number };

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isIdentStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isIdentPart = (c: number): boolean => isIdentStart(c) || isDigit(c);
const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

// Fixed patterns (never built from user text), applied with the sticky flag at one offset.
const NUMBER_RE = /[+-]?(?:0[xX][0-9a-fA-F]+|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)/y;
const SPECIAL_NUMBER_RE = /[+-]?(?:infinity|inf|nan)(?![A-Za-z0-9_])/iy;
const DATE_RE = /([0-9]{1,9})-([0-9]{1,2})-([0-9]{1,2})[@T]([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?::([0-9]{1,9}))?(?![A-Za-z0-9_.:@-])/y;
const T_TIMESTAMP_RE = /T([+-]?[0-9]{1,16}):([+-]?[0-9]{1,10})(?![A-Za-z0-9_.:])/y;
const MODIFIER_RE = /\[([cdCD]{1,2})\]/y;

const PUNCT2: Record<string, string> = {
  '==': '==',
  '!=': '!=',
  '<>': '!=',
  '<=': '<=',
  '=<': '<=',
  '>=': '>=',
  '=>': '>=',
  '&&': '&&',
  '||': '||',
};
const PUNCT1 = new Set(['=', '<', '>', '!', '(', ')', '{', '}', ',', '.', '[', ']', '+', '-', '*', '/']);

/** Milliseconds representable by a JS Date: ±8.64e15. Larger timestamps are refused. */
const MAX_SECONDS = 8_640_000_000_000;

function timestampFromParts(seconds: number, nanos: number, pos: number, text: string): Token {
  if (!(Math.abs(seconds) <= MAX_SECONDS)) throw new QueryError('timestamp out of range', pos, text);
  if (Math.abs(nanos) > 999_999_999) throw new QueryError('timestamp nanoseconds must be below 1,000,000,000', pos, text);
  if ((seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0)) {
    throw new QueryError('timestamp seconds and nanoseconds must have the same sign', pos, text);
  }
  return { kind: 'timestamp', seconds, nanos: nanos === 0 ? 0 : nanos, pos };
}

function daysInMonth(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0);
  return d.getUTCDate();
}

function readableTimestamp(m: RegExpExecArray, pos: number, text: string): Token {
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  const nanos = m[7] !== undefined ? Number(m[7]) : 0;
  if (month! < 1 || month! > 12) throw new QueryError('invalid month in date', pos, text);
  if (day! < 1 || day! > daysInMonth(year!, month!)) throw new QueryError('invalid day in date', pos, text);
  if (hour! > 23 || minute! > 59 || second! > 59) throw new QueryError('invalid time of day in date', pos, text);
  if (nanos > 999_999_999) throw new QueryError('date nanoseconds must be below 1,000,000,000', pos, text);
  const d = new Date(0);
  d.setUTCFullYear(year!, month! - 1, day!);
  d.setUTCHours(hour!, minute!, second!, 0);
  const ms = d.getTime();
  if (Number.isNaN(ms)) throw new QueryError('date out of range', pos, text);
  let seconds = ms / 1000;
  let n = nanos;
  // Keep seconds and nanoseconds on the same side of zero (1969-12-31@23:59:59:5 is -0.5 s).
  if (seconds < 0 && n > 0) {
    seconds += 1;
    n -= 1_000_000_000;
  }
  return timestampFromParts(seconds, n, pos, text);
}

/**
 * The length of the escape sequence at `j` (a backslash). As in Realm, only `\" \' \\ \/ \b \f \n
 * \r \t \0` and `\u` with four hex digits are valid; the literal keeps them verbatim.
 */
function escapeLength(text: string, j: number, start: number): number {
  const e = text[j + 1]!;
  if ('"\'\\/bfnrt0'.includes(e)) return 2;
  if (e === 'u') {
    for (let k = j + 2; k < j + 6; k++) {
      if (k >= text.length || !isHex(text.charCodeAt(k))) throw new QueryError('\\u in a string needs four hex digits', start, text);
    }
    return 6;
  }
  throw new QueryError(`invalid escape sequence \\${e} in a string literal`, start, text);
}

/** Whether a `+` or `-` at `i` starts a number (`-5`, `+.5`, `-inf`) rather than being an operator. */
function startsSignedNumber(text: string, i: number): boolean {
  const d = text.charCodeAt(i + 1);
  if (isDigit(d)) return true;
  if (d === 46) return isDigit(text.charCodeAt(i + 2));
  SPECIAL_NUMBER_RE.lastIndex = i;
  return SPECIAL_NUMBER_RE.exec(text) !== null;
}

/**
 * Splits a query text into tokens. The length limit is checked first, so the work is bounded by
 * `maxQueryLength`; every loop advances by at least one character.
 */
export function tokenize(text: string, limits: QueryLimits): Token[] {
  if (typeof text !== 'string') throw new QueryError('a query must be a string', 0);
  if (text.length > limits.maxQueryLength) {
    throw new QueryError(`query is longer than ${limits.maxQueryLength} characters`, limits.maxQueryLength);
  }
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  const prevAllowsPathDot = (): boolean => {
    const t = tokens[tokens.length - 1];
    if (!t) return false;
    return (
      t.kind === 'ident' ||
      t.kind === 'variable' ||
      t.kind === 'at' ||
      (t.kind === 'punct' && (t.text === ']' || t.text === ')'))
    );
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    // Strings: a backslash protects the next character from ending the literal; like Realm, the
    // value is the text between the quotes verbatim (escapes are not decoded).
    if (c === 34 || c === 39) {
      let j = i + 1;
      for (;;) {
        if (j >= n) throw new QueryError('unterminated string literal', start, text);
        const d = text.charCodeAt(j);
        if (d === 92) {
          if (j + 1 >= n) throw new QueryError('unterminated string literal', start, text);
          j += escapeLength(text, j, start);
          continue;
        }
        if (d === c) break;
        j++;
      }
      tokens.push({ kind: 'string', value: text.slice(i + 1, j), pos: start });
      i = j + 1;
      continue;
    }
    if (isDigit(c) || ((c === 43 || c === 45) && startsSignedNumber(text, i)) || (c === 46 && !prevAllowsPathDot() && i + 1 < n && isDigit(text.charCodeAt(i + 1)))) {
      if (isDigit(c)) {
        DATE_RE.lastIndex = i;
        const dm = DATE_RE.exec(text);
        if (dm) {
          tokens.push(readableTimestamp(dm, start, text));
          i = DATE_RE.lastIndex;
          continue;
        }
      }
      SPECIAL_NUMBER_RE.lastIndex = i;
      const sm = c === 43 || c === 45 ? SPECIAL_NUMBER_RE.exec(text) : null;
      if (sm) {
        tokens.push({ kind: 'number', text: sm[0], pos: start });
        i = SPECIAL_NUMBER_RE.lastIndex;
        continue;
      }
      NUMBER_RE.lastIndex = i;
      const m = NUMBER_RE.exec(text);
      if (!m) throw new QueryError(`unexpected character '${text[i]}'`, start, text);
      const end = NUMBER_RE.lastIndex;
      if (end < n) {
        const e = text.charCodeAt(end);
        if (isIdentPart(e) || e === 46 || e === 45 || e === 58) throw new QueryError(`invalid number '${text.slice(i, end + 1)}'`, start, text);
      }
      tokens.push({ kind: 'number', text: m[0], pos: start });
      i = end;
      continue;
    }
    if (isIdentStart(c)) {
      if (c === 84 /* T */) {
        T_TIMESTAMP_RE.lastIndex = i;
        const tm = T_TIMESTAMP_RE.exec(text);
        if (tm) {
          tokens.push(timestampFromParts(Number(tm[1]), Number(tm[2]), start, text));
          i = T_TIMESTAMP_RE.lastIndex;
          continue;
        }
      }
      let j = i + 1;
      while (j < n && isIdentPart(text.charCodeAt(j))) j++;
      const word = text.slice(i, j);
      const upper = word.toUpperCase();
      if (word === 'B64' && text.charCodeAt(j) === 34) {
        let k = j + 1;
        while (k < n && text.charCodeAt(k) !== 34) k++;
        if (k >= n) throw new QueryError('unterminated B64 literal', start, text);
        const b64 = text.slice(j + 1, k);
        if (decodeBase64(b64) === undefined) throw new QueryError('invalid base64 in B64 literal', start, text);
        tokens.push({ kind: 'binary', base64: b64, pos: start });
        i = k + 1;
        continue;
      }
      if ((upper === 'OID' || upper === 'UUID') && text.charCodeAt(j) === 40) {
        const close = text.indexOf(')', j);
        if (close < 0) throw new QueryError(`unterminated ${word}(…)`, start, text);
        const inner = text.slice(j + 1, close).trim();
        if (upper === 'OID') {
          if (inner.length !== 24 || ![...inner].every((ch) => isHex(ch.charCodeAt(0)))) {
            throw new QueryError('oid(…) needs 24 hex digits', start, text);
          }
          tokens.push({ kind: 'objectId', hex: inner.toLowerCase(), pos: start });
        } else {
          const plain = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(inner)
            ? inner.replace(/-/g, '')
            : /^[0-9a-fA-F]{32}$/.test(inner)
              ? inner
              : undefined;
          if (plain === undefined) throw new QueryError('uuid(…) needs a UUID like 01234567-89ab-cdef-0123-456789abcdef', start, text);
          tokens.push({ kind: 'uuid', hex: plain.toLowerCase(), pos: start });
        }
        i = close + 1;
        continue;
      }
      tokens.push({ kind: 'ident', text: word, upper, pos: start });
      i = j;
      continue;
    }
    if (c === 36 /* $ */) {
      let j = i + 1;
      if (j < n && isDigit(text.charCodeAt(j))) {
        while (j < n && isDigit(text.charCodeAt(j))) j++;
        const digits = text.slice(i + 1, j);
        const index = digits.length > 9 ? Infinity : Number(digits);
        if (index >= limits.maxArguments) {
          throw new QueryError(`argument $${digits} is past the limit of ${limits.maxArguments} arguments`, start, text);
        }
        if (j < n && isIdentPart(text.charCodeAt(j))) throw new QueryError('invalid argument reference', start, text);
        tokens.push({ kind: 'arg', index, pos: start });
        i = j;
        continue;
      }
      if (j < n && isIdentStart(text.charCodeAt(j))) {
        // As in Realm, a SUBQUERY variable may also contain '-' ($anyNAME_-01).
        while (j < n && (isIdentPart(text.charCodeAt(j)) || text.charCodeAt(j) === 45)) j++;
        tokens.push({ kind: 'variable', name: text.slice(i, j), pos: start });
        i = j;
        continue;
      }
      throw new QueryError("'$' must be followed by an argument number or a variable name", start, text);
    }
    if (c === 37 /* % */) {
      if (text.charCodeAt(i + 1) !== 37) throw new QueryError("unexpected character '%'", start, text);
      let j = i + 2;
      const parts: string[] = [];
      for (;;) {
        if (j >= n || !isIdentStart(text.charCodeAt(j))) throw new QueryError("'%%' must be followed by a name such as %%user.id", start, text);
        const s = j;
        while (j < n && isIdentPart(text.charCodeAt(j))) j++;
        parts.push(text.slice(s, j));
        if (text.charCodeAt(j) === 46 && j + 1 < n && isIdentStart(text.charCodeAt(j + 1))) {
          j++;
          continue;
        }
        break;
      }
      tokens.push({ kind: 'expansion', path: parts, pos: start });
      i = j;
      continue;
    }
    if (c === 64 /* @ */) {
      let j = i + 1;
      while (j < n && isIdentPart(text.charCodeAt(j))) j++;
      if (j === i + 1) throw new QueryError("'@' must be followed by an operator name such as @count", start, text);
      tokens.push({ kind: 'at', name: text.slice(i, j), pos: start });
      i = j;
      continue;
    }
    if (c === 91 /* [ */) {
      MODIFIER_RE.lastIndex = i;
      const mm = MODIFIER_RE.exec(text);
      if (mm) {
        const letters = mm[1]!.toLowerCase();
        if (letters === 'cc' || letters === 'dd') throw new QueryError(`invalid modifier [${mm[1]}]`, start, text);
        tokens.push({ kind: 'modifier', caseInsensitive: letters.includes('c'), diacriticInsensitive: letters.includes('d'), pos: start });
        i = MODIFIER_RE.lastIndex;
        continue;
      }
    }
    const two = text.slice(i, i + 2);
    const p2 = PUNCT2[two];
    if (p2 !== undefined) {
      tokens.push({ kind: 'punct', text: p2, pos: start });
      i += 2;
      continue;
    }
    const one = text[i]!;
    if (PUNCT1.has(one)) {
      tokens.push({ kind: 'punct', text: one === '=' ? '==' : one, pos: start });
      i++;
      continue;
    }
    const cp = text.codePointAt(i)!;
    throw new QueryError(`unexpected character '${String.fromCodePoint(cp)}'`, start, text);
  }
  tokens.push({ kind: 'eof', pos: n });
  return tokens;
}
