/*
 * Index arithmetic for concurrent list operations on one list.
 *
 * A move is read as "take the element out, then put it back so it ends at index `to`".
 * Reasoning happens in W, the list without the moved element(s): a position in the original
 * list maps to a gap in W, two concurrent placements into W are ordered by their gaps, and
 * equal gaps are ordered by the merge order (the earlier operation ends first). Every function
 * here computes both transformed operations from one shared picture, which is what makes the
 * two arrival orders end in the same list.
 */

/** Where the element at `index` ends after moving the element at `from` to `to`. */
export function indexAfterMove(index: number, from: number, to: number): number {
  if (index === from) return to;
  const inW = index > from ? index - 1 : index;
  return to <= inW ? inW + 1 : inW;
}

/** Where the element at `index` ends after an insert at `at`, or after an erase at `at`. */
export function indexAfterInsert(index: number, at: number): number {
  return index >= at ? index + 1 : index;
}

/** undefined when the element itself was erased. */
export function indexAfterErase(index: number, at: number): number | undefined {
  if (index === at) return undefined;
  return index > at ? index - 1 : index;
}

/**
 * Insert at gap `i` vs move `from → to`. Returns the insert index after the move and the move
 * `[from, to]` after the insert (undefined when it became a no-op).
 */
export function insertVsMove(
  i: number,
  from: number,
  to: number,
  insertEarlier: boolean,
): { insert: number; move: [number, number] | undefined } {
  const gap = i <= from ? i : i - 1; // the insert's gap in W
  const movedFirst = to < gap || (to === gap && !insertEarlier);
  const insert = gap + (movedFirst ? 1 : 0);
  const newFrom = i <= from ? from + 1 : from;
  const newTo = movedFirst ? to : to + 1;
  return { insert, move: newFrom === newTo ? undefined : [newFrom, newTo] };
}

/**
 * Erase at `e` vs move `from → to`. Erasing the moved element wins: the move is dropped and
 * the erase follows the element to `to`.
 */
export function eraseVsMove(e: number, from: number, to: number): { erase: number; move: [number, number] | undefined } {
  if (e === from) return { erase: to, move: undefined };
  const eInW = e > from ? e - 1 : e;
  const erase = to <= eInW ? eInW + 1 : eInW;
  const newFrom = e < from ? from - 1 : from;
  const newTo = eInW < to ? to - 1 : to;
  return { erase, move: newFrom === newTo ? undefined : [newFrom, newTo] };
}

/**
 * Two moves. Of one element: the later move wins and takes it from where the earlier one
 * left it. Of two elements: both are placed into W2 (the list without either) and equal
 * gaps are ordered by the merge order.
 */
export function moveVsMove(
  a: [number, number],
  b: [number, number],
  aLater: boolean,
): { a: [number, number] | undefined; b: [number, number] | undefined } {
  const [f1, t1] = a;
  const [f2, t2] = b;
  if (f1 === f2) {
    if (aLater) return { a: t2 === t1 ? undefined : [t2, t1], b: undefined };
    return { a: undefined, b: t1 === t2 ? undefined : [t1, t2] };
  }
  const p2 = f2 > f1 ? f2 - 1 : f2; // b's element in W1 (the list without a's element)
  const p1 = f1 > f2 ? f1 - 1 : f1; // a's element in W2' (the list without b's element)
  const g1 = t1 > p2 ? t1 - 1 : t1; // a's gap in W2
  const g2 = t2 > p1 ? t2 - 1 : t2; // b's gap in W2
  const aFirst = g1 < g2 || (g1 === g2 && !aLater);
  const aFrom = indexAfterMove(f1, f2, t2);
  const aTo = g1 + (aFirst ? 0 : 1);
  const bFrom = indexAfterMove(f2, f1, t1);
  const bTo = g2 + (aFirst ? 1 : 0);
  return {
    a: aFrom === aTo ? undefined : [aFrom, aTo],
    b: bFrom === bTo ? undefined : [bFrom, bTo],
  };
}
