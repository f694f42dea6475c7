/**
 * Full-text search (`TEXT`), with Realm's semantics: text is split into words made of letters and
 * digits of ASCII and Latin-1 (every other character, `-` and `_` included, separates words); words
 * compare without case and without diacritics. A search is words that must all appear, `word*`
 * for any word starting so, and `-word` / `-word*` for words that must not appear.
 */

export interface TextSearch {
  readonly words: readonly string[];
  readonly prefixes: readonly string[];
  readonly excluded: readonly string[];
  readonly excludedPrefixes: readonly string[];
}

/** Latin-1 letters with diacritics, folded to their base letter (ß and æ as two letters, as Realm). */
const FOLD: Record<string, string> = {};
for (const [base, chars] of Object.entries({
  a: 'àáâãäå',
  c: 'ç',
  e: 'èéêë',
  i: 'ìíîï',
  n: 'ñ',
  o: 'òóôõöø',
  u: 'ùúûü',
  y: 'ýÿ',
  d: 'ð',
})) {
  for (const ch of chars) FOLD[ch] = base;
}
FOLD['ß'] = 'ss';
FOLD['æ'] = 'ae';
FOLD['þ'] = 'th';

function isWordChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) || // 0-9
    (code >= 97 && code <= 122) || // a-z (input is lower-cased first)
    (code >= 0xdf && code <= 0xff && code !== 0xf7) // Latin-1 lower-case letters, not ÷
  );
}

/** The words of a text, lower-cased and without diacritics. */
export function tokenizeText(text: string): string[] {
  const lower = text.toLowerCase();
  const out: string[] = [];
  let cur = '';
  for (const ch of lower) {
    const code = ch.codePointAt(0)!;
    if (isWordChar(code)) cur += FOLD[ch] ?? ch;
    else if (cur) {
      out.push(cur);
      cur = '';
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** Parses a TEXT search; undefined when it names no word at all (Realm refuses an empty search). */
export function parseTextSearch(search: string): TextSearch | undefined {
  const words: string[] = [];
  const prefixes: string[] = [];
  const excluded: string[] = [];
  const excludedPrefixes: string[] = [];
  for (const term of search.split(/\s+/)) {
    if (!term) continue;
    const negative = term.startsWith('-');
    const body = negative ? term.slice(1) : term;
    const prefix = body.endsWith('*');
    const tokens = tokenizeText(prefix ? body.slice(0, -1) : body);
    tokens.forEach((t, i) => {
      const last = i === tokens.length - 1;
      const list = negative ? (prefix && last ? excludedPrefixes : excluded) : prefix && last ? prefixes : words;
      list.push(t);
    });
  }
  if (words.length + prefixes.length + excluded.length + excludedPrefixes.length === 0) return undefined;
  return { words, prefixes, excluded, excludedPrefixes };
}

/** Whether a text matches a search (a null or missing text matches nothing). */
export function textMatches(text: unknown, search: TextSearch): boolean {
  if (typeof text !== 'string') return false;
  const tokens = tokenizeText(text);
  const set = new Set(tokens);
  for (const w of search.words) if (!set.has(w)) return false;
  for (const w of search.excluded) if (set.has(w)) return false;
  for (const p of search.prefixes) if (!tokens.some((t) => t.startsWith(p))) return false;
  for (const p of search.excludedPrefixes) if (tokens.some((t) => t.startsWith(p))) return false;
  return true;
}
