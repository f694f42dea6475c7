import { badChangeset } from '../changeset/check.ts';
import { addToInt } from '../changeset/apply.ts';
import {
  isListStructural,
  type Changeset,
  type Instruction,
  type ListErase,
  type ListInsert,
  type ListMove,
  type Path,
  type PathInstruction,
} from '../changeset/instructions.ts';
import { pkKey, valuesEqual } from '../model/values.ts';
import { eraseVsMove, indexAfterErase, indexAfterInsert, indexAfterMove, insertVsMove, moveVsMove } from './lists.ts';

/*
 * The operational transform of docs/merge-rules.md. For two changesets A and B made on the same
 * state, transform(A, B) gives A' (A rewritten to apply after B) and B' (B rewritten to apply
 * after A) such that state + A + B' equals state + B + A'. "Later" is the higher
 * (timestamp, origin); the table in docs/merge-rules.md lists every rule.
 */

type Pair = [Instruction | null, Instruction | null];

/** Whether changeset x wins ties and last-writer conflicts over changeset y. */
export function isLater(x: Changeset, y: Changeset): boolean {
  if (x.timestamp !== y.timestamp) return x.timestamp > y.timestamp;
  return x.origin > y.origin;
}

function isPrefix(prefix: Path, path: Path): boolean {
  if (prefix.length > path.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== path[i]) return false;
  return true;
}

function samePath(a: Path, b: Path): boolean {
  return a.length === b.length && isPrefix(a, b);
}

/** The path of the list a structural list operation works on. */
function listPath(i: ListInsert | ListErase | ListMove): Path {
  return i.path.slice(0, -1);
}

function lastIndex(i: PathInstruction): number {
  return i.path[i.path.length - 1] as number;
}

function withIndexAt<T extends PathInstruction>(i: T, position: number, index: number): T {
  const path = i.path.slice();
  path[position] = index;
  return { ...i, path };
}

function withLastIndex<T extends PathInstruction>(i: T, index: number): T {
  return withIndexAt(i, i.path.length - 1, index);
}

function moveTo(m: ListMove, fromTo: [number, number] | undefined): ListMove | null {
  if (!fromTo) return null;
  return { ...withLastIndex(m, fromTo[0]), to: fromTo[1] };
}

/** Two structural operations on the same list. */
function listVsList(a: ListInsert | ListErase | ListMove, b: ListInsert | ListErase | ListMove, aLater: boolean): Pair {
  const i = lastIndex(a);
  const j = lastIndex(b);
  if (a.op === 'ListInsert' && b.op === 'ListInsert') {
    // Same index: the earlier insert ends first.
    if (i < j || (i === j && !aLater)) return [a, withLastIndex(b, j + 1)];
    return [withLastIndex(a, i + 1), b];
  }
  if (a.op === 'ListInsert' && b.op === 'ListErase') {
    return i <= j ? [a, withLastIndex(b, j + 1)] : [withLastIndex(a, i - 1), b];
  }
  if (a.op === 'ListErase' && b.op === 'ListInsert') {
    return j <= i ? [withLastIndex(a, i + 1), b] : [a, withLastIndex(b, j - 1)];
  }
  if (a.op === 'ListErase' && b.op === 'ListErase') {
    if (i === j) return [null, null]; // two erases of one element erase it once
    return i < j ? [a, withLastIndex(b, j - 1)] : [withLastIndex(a, i - 1), b];
  }
  if (a.op === 'ListInsert' && b.op === 'ListMove') {
    const r = insertVsMove(i, j, b.to, !aLater);
    return [withLastIndex(a, r.insert), moveTo(b, r.move)];
  }
  if (a.op === 'ListMove' && b.op === 'ListInsert') {
    const r = insertVsMove(j, i, a.to, aLater);
    return [moveTo(a, r.move), withLastIndex(b, r.insert)];
  }
  if (a.op === 'ListErase' && b.op === 'ListMove') {
    const r = eraseVsMove(i, j, b.to);
    return [withLastIndex(a, r.erase), moveTo(b, r.move)];
  }
  if (a.op === 'ListMove' && b.op === 'ListErase') {
    const r = eraseVsMove(j, i, a.to);
    return [moveTo(a, r.move), withLastIndex(b, r.erase)];
  }
  const r = moveVsMove([i, (a as ListMove).to], [j, (b as ListMove).to], aLater);
  return [moveTo(a as ListMove, r.a), moveTo(b as ListMove, r.b)];
}

/**
 * Rewrites `x` for a structural operation `s` on list L applied before it, when x's path goes
 * through L. Returns null when x addressed the element s erased (the erase wins).
 */
function shiftThrough(x: PathInstruction, s: ListInsert | ListErase | ListMove, position: number): PathInstruction | null {
  const index = x.path[position] as number;
  const at = lastIndex(s);
  let next: number | undefined;
  if (s.op === 'ListInsert') next = indexAfterInsert(index, at);
  else if (s.op === 'ListErase') next = indexAfterErase(index, at);
  else next = indexAfterMove(index, at, s.to);
  if (next === undefined) return null;
  return next === index ? x : withIndexAt(x, position, next);
}

/** Whether `outer` replaces or empties everything at `inner`'s location (and so wins over it). */
function covers(outer: PathInstruction, innerPath: Path, innerIsSetMember: boolean): boolean {
  if (outer.op === 'Clear') {
    // A Clear empties the collection: every location inside it, and set members of it.
    return innerPath.length > outer.path.length ? isPrefix(outer.path, innerPath) : innerIsSetMember && samePath(outer.path, innerPath);
  }
  if (outer.op === 'Set') return innerPath.length > outer.path.length && isPrefix(outer.path, innerPath);
  return false;
}

/** One structural list operation `s` on list L vs an instruction `x` that is not structural on L. */
function structuralVsOther(s: ListInsert | ListErase | ListMove, x: PathInstruction): [PathInstruction | null, PathInstruction | null] {
  const L = listPath(s);
  if (x.path.length > L.length && isPrefix(L, x.path)) return [s, shiftThrough(x, s, L.length)];
  if (covers(x, L.concat(0), false)) return [null, x];
  return [s, x];
}

function setWins(a: { default?: true }, b: { default?: true }, aLater: boolean): boolean {
  // A value the writer did not choose (a default) loses to an explicit one, whatever the time.
  if (!a.default !== !b.default) return !a.default;
  return aLater;
}

/** Two instructions on one object, neither a structural operation on a list the other goes through. */
function plainVsPlain(a: PathInstruction, b: PathInstruction, aLater: boolean): Pair {
  const aMember = a.op === 'SetInsert' || a.op === 'SetErase';
  const bMember = b.op === 'SetInsert' || b.op === 'SetErase';
  if (a.op === 'Clear' && b.op === 'Clear' && samePath(a.path, b.path)) return aLater ? [a, null] : [null, b];
  if (covers(a, b.path, bMember)) return [a, null];
  if (covers(b, a.path, aMember)) return [null, b];
  if (!samePath(a.path, b.path)) return [a, b];
  if (a.op === 'Set' && b.op === 'Set') return setWins(a, b, aLater) ? [a, null] : [null, b];
  if (a.op === 'Set' && b.op === 'AddInteger') {
    // A later Set drops the increment; an earlier Set absorbs it.
    return aLater ? [a, null] : [{ ...a, value: addToInt(a.value, b.value) }, b];
  }
  if (a.op === 'AddInteger' && b.op === 'Set') {
    return aLater ? [a, { ...b, value: addToInt(b.value, a.value) }] : [null, b];
  }
  if (aMember && bMember && valuesEqual(a.value, b.value) && a.op !== b.op) {
    return aLater ? [a, null] : [null, b]; // SetInsert vs SetErase of one value: the later wins
  }
  return [a, b];
}

function transformPaths(a: PathInstruction, b: PathInstruction, aLater: boolean): Pair {
  const aS = isListStructural(a) ? a : undefined;
  const bS = isListStructural(b) ? b : undefined;
  if (aS && bS && samePath(listPath(aS), listPath(bS))) return listVsList(aS, bS, aLater);
  if (bS) {
    const L = listPath(bS);
    if (a.path.length > L.length && isPrefix(L, a.path)) return [shiftThrough(a, bS, L.length), bS];
    if (!aS) {
      const [s, x] = structuralVsOther(bS, a);
      return [x, s];
    }
  }
  if (aS) {
    const L = listPath(aS);
    if (b.path.length > L.length && isPrefix(L, b.path)) return [aS, shiftThrough(b, aS, L.length)];
    if (!bS) return structuralVsOther(aS, b);
    return [a, b]; // structural operations on unrelated lists
  }
  return plainVsPlain(a, b, aLater);
}

function schemaKeyEqual(a: Instruction, b: Instruction): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Transforms two instructions on the same object (or the same schema element). */
export function transformPair(a: Instruction, b: Instruction, aLater: boolean): Pair {
  if (a.op === 'AddType' || a.op === 'AddField' || b.op === 'AddType' || b.op === 'AddField') {
    if (!schemaKeyEqual(a, b)) throw badChangeset(`concurrent ${a.op} of ${a.type} disagree`);
    return [a, b];
  }
  if (a.op === 'EraseObject') return b.op === 'EraseObject' ? [a, b] : [a, null];
  if (b.op === 'EraseObject') return [null, b];
  if (a.op === 'CreateObject' || b.op === 'CreateObject') return [a, b];
  return transformPaths(a, b, aLater);
}

/** The key that groups instructions which can interact: one object, or one schema element. */
function groupKey(i: Instruction): string {
  switch (i.op) {
    case 'AddType':
      return '\u0001T' + i.type;
    case 'AddField':
      return '\u0001F' + i.type + '\u0000' + i.field;
    default:
      return i.type + '\u0000' + pkKey(i.pk);
  }
}

const keyCache = new WeakMap<readonly Instruction[], string[]>();

function keysOf(instructions: readonly Instruction[]): string[] {
  let keys = keyCache.get(instructions);
  if (!keys) {
    keys = instructions.map(groupKey);
    keyCache.set(instructions, keys);
  }
  return keys;
}

/**
 * The OT grid over two instruction sequences, in place: each a is transformed against the
 * b's as they stand after the a's before it. A pairwise transform yields at most one
 * instruction per side, so every slot keeps its position (null when dropped); instructions
 * never change order, which keeps an AddField ahead of the writes that use it.
 */
function transformSequences(as: (Instruction | null)[], bs: (Instruction | null)[], aLater: boolean): void {
  for (let x = 0; x < as.length; x++) {
    let a: Instruction | null = as[x] ?? null;
    for (let y = 0; y < bs.length && a !== null; y++) {
      const b = bs[y];
      if (b === null || b === undefined) continue;
      const [a2, b2] = transformPair(a, b, aLater);
      a = a2;
      bs[y] = b2;
    }
    as[x] = a;
  }
}

export interface TransformResult {
  /** A's instructions rewritten to apply after B. */
  readonly a: readonly Instruction[];
  /** B's instructions rewritten to apply after A. */
  readonly b: readonly Instruction[];
}

function positionsOf(keys: readonly string[], shared: ReadonlySet<string>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  keys.forEach((k, n) => {
    if (!shared.has(k)) return;
    const list = out.get(k);
    if (list) list.push(n);
    else out.set(k, [n]);
  });
  return out;
}

/**
 * Transforms two concurrent changesets. Instructions on different objects never interact, so
 * only the groups both sides touch go through the grid; the rest is returned as is (the same
 * array objects when nothing changed, so callers can tell cheaply).
 */
export function transformChangesets(A: Changeset, B: Changeset): TransformResult {
  const aKeys = keysOf(A.instructions);
  const bKeys = keysOf(B.instructions);
  const small = aKeys.length <= bKeys.length ? aKeys : bKeys;
  const large = new Set(small === aKeys ? bKeys : aKeys);
  const shared = new Set<string>();
  for (const k of small) if (large.has(k)) shared.add(k);
  if (shared.size === 0) return { a: A.instructions, b: B.instructions };
  const aGroups = positionsOf(aKeys, shared);
  const bGroups = positionsOf(bKeys, shared);

  const aLater = isLater(A, B);
  const outA: (Instruction | null)[] = A.instructions.slice();
  const outB: (Instruction | null)[] = B.instructions.slice();
  for (const key of shared) {
    const ai = aGroups.get(key)!;
    const bi = bGroups.get(key)!;
    const ga = ai.map((n) => outA[n]!);
    const gb = bi.map((n) => outB[n]!);
    transformSequences(ga, gb, aLater);
    ai.forEach((pos, n) => (outA[pos] = ga[n]!));
    bi.forEach((pos, n) => (outB[pos] = gb[n]!));
  }
  return { a: outA.filter((x): x is Instruction => x !== null), b: outB.filter((x): x is Instruction => x !== null) };
}
