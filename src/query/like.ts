/**
 * LIKE: `*` matches any run of characters (or bytes), `?` exactly one; everything else matches
 * itself. Compiled into literal segments between stars and matched iteratively: the first segment
 * is anchored at the start, the last at the end, and each middle segment is taken at its leftmost
 * occurrence (which is always safe for star-separated segments). No regular expression is built
 * and nothing backtracks exponentially: the cost is at most subject length × pattern length.
 */

const STAR = 42; // '*'
const QUESTION = 63; // '?'

export interface LikePattern {
  /** Units between stars: code points for strings, bytes for binary data; -1 stands for '?'. */
  readonly segments: readonly Int32Array[];
  readonly anchoredStart: boolean; // the pattern does not start with '*'
  readonly anchoredEnd: boolean; // the pattern does not end with '*'
  readonly hasStar: boolean;
  readonly minLength: number;
}

export function codePoints(s: string): Int32Array {
  const out = new Int32Array(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out[n++] = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        i++;
        continue;
      }
    }
    out[n++] = c;
  }
  return out.subarray(0, n);
}

export function compileLike(units: ArrayLike<number>): LikePattern {
  const segments: Int32Array[] = [];
  let current: number[] = [];
  let hasStar = false;
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    if (u === STAR) {
      hasStar = true;
      segments.push(Int32Array.from(current));
      current = [];
      while (i + 1 < units.length && units[i + 1] === STAR) i++;
    } else current.push(u === QUESTION ? -1 : u);
  }
  segments.push(Int32Array.from(current));
  const minLength = segments.reduce((n, s) => n + s.length, 0);
  return {
    segments,
    anchoredStart: segments[0]!.length > 0 || !hasStar,
    anchoredEnd: segments[segments.length - 1]!.length > 0 || !hasStar,
    hasStar,
    minLength,
  };
}

function matchAt(subject: ArrayLike<number>, pos: number, seg: Int32Array): boolean {
  for (let j = 0; j < seg.length; j++) {
    const p = seg[j]!;
    if (p !== -1 && p !== subject[pos + j]) return false;
  }
  return true;
}

export function likeMatch(subject: ArrayLike<number>, pattern: LikePattern): boolean {
  const n = subject.length;
  const segs = pattern.segments;
  if (n < pattern.minLength) return false;
  if (!pattern.hasStar) return n === segs[0]!.length && matchAt(subject, 0, segs[0]!);
  const first = segs[0]!;
  const last = segs[segs.length - 1]!;
  if (!matchAt(subject, 0, first)) return false;
  if (!matchAt(subject, n - last.length, last)) return false;
  let pos = first.length;
  const end = n - last.length; // middle segments must fit in [pos, end)
  if (end < pos) return false;
  for (let s = 1; s < segs.length - 1; s++) {
    const seg = segs[s]!;
    let found = -1;
    for (let at = pos; at + seg.length <= end; at++) {
      if (matchAt(subject, at, seg)) {
        found = at;
        break;
      }
    }
    if (found < 0) return false;
    pos = found + seg.length;
  }
  return true;
}
