/*
 * Realm-style change sets between two orderings of a live query's result: `deletions` are indices
 * in the old list, `insertions` and `modifications` indices in the new one. An object that moved is
 * a deletion plus an insertion. Applying: drop the deletions from the old list, then place the
 * insertions at their new indices; the rest keep their relative order.
 *
 * Moves are found with a longest increasing subsequence of the surviving objects' new indices, so
 * one object changing place costs one move, not a shift of everything between.
 */

export interface IndexChanges {
  readonly deletions: number[];
  readonly insertions: number[];
  readonly modifications: number[];
}

/** Indices (into `seq`) of one longest strictly increasing subsequence. */
function longestIncreasing(seq: readonly number[]): Set<number> {
  const tails: number[] = []; // tails[l] = index into seq of the smallest tail of an increasing run of length l+1
  const prev = new Array<number>(seq.length);
  for (let i = 0; i < seq.length; i++) {
    const v = seq[i]!;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (seq[tails[mid]!]! < v) lo = mid + 1;
      else hi = mid;
    }
    prev[i] = lo > 0 ? tails[lo - 1]! : -1;
    tails[lo] = i;
  }
  const out = new Set<number>();
  let k = tails.length > 0 ? tails[tails.length - 1]! : -1;
  while (k >= 0) {
    out.add(k);
    k = prev[k]!;
  }
  return out;
}

/**
 * When the new order is the old one with one object moved (a write changed its sort key: the
 * usual update of a sorted live query), where it moved from and to; undefined otherwise. Linear
 * and allocation-free, where the general diff builds a map of every key.
 */
function singleMove(oldKeys: readonly string[], newKeys: readonly string[]): { from: number; to: number } | undefined {
  const n = oldKeys.length;
  if (n !== newKeys.length || n < 2) return undefined;
  let lo = 0;
  while (lo < n && oldKeys[lo] === newKeys[lo]) lo++;
  if (lo === n) return undefined;
  let hi = n - 1;
  while (hi > lo && oldKeys[hi] === newKeys[hi]) hi--;
  // old[lo] moved down to hi: old[lo+1..hi] == new[lo..hi-1].
  if (oldKeys[lo] === newKeys[hi]) {
    let ok = true;
    for (let i = lo; i < hi; i++) if (oldKeys[i + 1] !== newKeys[i]) (ok = false), (i = hi);
    if (ok) return { from: lo, to: hi };
  }
  // old[hi] moved up to lo: old[lo..hi-1] == new[lo+1..hi].
  if (oldKeys[hi] === newKeys[lo]) {
    let ok = true;
    for (let i = lo; i < hi; i++) if (oldKeys[i] !== newKeys[i + 1]) (ok = false), (i = hi);
    if (ok) return { from: hi, to: lo };
  }
  return undefined;
}

export function diffKeys(oldKeys: readonly string[], newKeys: readonly string[], modified: ReadonlySet<string>): IndexChanges {
  // The common case: same objects in the same order, some of them changed.
  if (oldKeys.length === newKeys.length) {
    let same = true;
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] !== newKeys[i]) {
        same = false;
        break;
      }
    }
    if (same) {
      const modifications: number[] = [];
      if (modified.size > 0) for (let i = 0; i < newKeys.length; i++) if (modified.has(newKeys[i]!)) modifications.push(i);
      return { deletions: [], insertions: [], modifications };
    }
  }
  const moved = singleMove(oldKeys, newKeys);
  if (moved) {
    const modifications: number[] = [];
    if (modified.size > 0) for (let j = 0; j < newKeys.length; j++) if (j !== moved.to && modified.has(newKeys[j]!)) modifications.push(j);
    return { deletions: [moved.from], insertions: [moved.to], modifications };
  }
  const newIndex = new Map<string, number>();
  for (let i = 0; i < newKeys.length; i++) newIndex.set(newKeys[i]!, i);
  const survivorsOld: number[] = [];
  const seq: number[] = [];
  const deletions: number[] = [];
  for (let i = 0; i < oldKeys.length; i++) {
    const j = newIndex.get(oldKeys[i]!);
    if (j === undefined) deletions.push(i);
    else {
      survivorsOld.push(i);
      seq.push(j);
    }
  }
  const stay = longestIncreasing(seq);
  const stayingNew = new Set<number>();
  for (let s = 0; s < seq.length; s++) {
    if (stay.has(s)) stayingNew.add(seq[s]!);
    else deletions.push(survivorsOld[s]!);
  }
  deletions.sort((a, b) => a - b);
  const insertions: number[] = [];
  const modifications: number[] = [];
  for (let j = 0; j < newKeys.length; j++) {
    if (!stayingNew.has(j)) insertions.push(j);
    else if (modified.has(newKeys[j]!)) modifications.push(j);
  }
  return { deletions, insertions, modifications };
}

/** Applies index changes to a list (linear time whatever the number of changes). */
export function applyIndexChanges<T>(old: readonly T[], changes: IndexChanges, inserted: readonly T[], modified: readonly T[]): T[] {
  let kept: readonly T[] = old;
  if (changes.deletions.length > 0) {
    const drop = new Set(changes.deletions);
    kept = old.filter((_, i) => !drop.has(i));
  }
  const total = kept.length + changes.insertions.length;
  const out = new Array<T>(total);
  let k = 0;
  let ins = 0;
  for (let j = 0; j < total; j++) {
    if (ins < changes.insertions.length && changes.insertions[ins] === j) out[j] = inserted[ins++]!;
    else out[j] = kept[k++]!;
  }
  for (let m = 0; m < changes.modifications.length; m++) out[changes.modifications[m]!] = modified[m]!;
  return out;
}
