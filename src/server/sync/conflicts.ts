import { encodeValue, type Changeset, type Instruction } from '../../changeset/index.ts';
import { valuesEqual, type ObjectRecord, type PrimaryKey, type Value } from '../../model/index.ts';
import type { ConflictSide, ConflictValue, NewConflict } from '../store/types.ts';
import { keyOf } from './keys.ts';

/*
 * The conflict journal (docs/server.md, "Conflict journal"): when integrating an upload decides
 * between concurrent writes, who lost what to whom. Three decisions are journaled:
 *
 * - overwritten: a Set and a concurrent Set of the same location with different values; the
 *   merge rules keep one (the later, docs/merge-rules.md). Either side may be the upload.
 * - erased: writes to an object and a concurrent erase of it; the erase wins, whichever came first.
 * - reverted: a write the server refused and undid (a compensating write); the server's rules win.
 *
 * What was decided is read off the transform's own outcome (which instructions it dropped), not
 * worked out again, so the journal cannot disagree with the merge. Set-vs-Set is journaled for
 * locations that list operations cannot move (paths of field names and dictionary keys only):
 * an index into a list does not name one location across concurrent changes.
 */

/** Values whose Extended JSON is longer than this are journaled by size only. */
export const MAX_JOURNALED_VALUE = 2048;

export function journalValue(v: Value): ConflictValue {
  const wire = encodeValue(v);
  const text = JSON.stringify(wire);
  return text.length <= MAX_JOURNALED_VALUE ? { value: wire } : { size: Buffer.byteLength(text) };
}

/** A journal entry before the users of its two sides are known. */
export type DetectedConflict = Omit<NewConflict, 'loser' | 'winner' | 'at'> & {
  readonly loser: Omit<ConflictSide, 'userId'>;
  readonly winner: Omit<ConflictSide, 'userId'>;
};

/** A concurrent history row, as the upload was transformed against it. */
export interface ConcurrentRow {
  readonly version: number;
  readonly origin: number;
  readonly originVersion: number;
  /** As the uploading client knew it, before and after the transform. */
  readonly before: Changeset;
  readonly after: Changeset;
}

export interface UploadSide {
  readonly origin: number;
  readonly clientVersion: number;
  /** The history version the upload's allowed part was appended at. */
  readonly version: number;
  /** The upload as the client sent it, and transformed past the concurrent rows. */
  readonly before: Changeset;
  readonly after: Changeset;
  /** What of `after` the rules let through and the history holds. */
  readonly applied: Changeset;
}

type SetI = Extract<Instruction, { op: 'Set' }>;

/** A path of names only (fields, dictionary keys): it names one location whatever happens to lists. */
function plainPath(path: readonly (string | number)[]): path is readonly string[] {
  return path.every((p) => typeof p === 'string');
}

function isPrefixOrEqual(prefix: readonly (string | number)[], path: readonly (string | number)[]): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => p === path[i]);
}

function objectKey(i: Instruction): string | undefined {
  return i.op === 'AddType' || i.op === 'AddField' ? undefined : keyOf(i.type, i.pk);
}

/** The last explicit Set of each plain location, by object key and path. */
function lastSets(c: Changeset): Map<string, SetI> {
  const out = new Map<string, SetI>();
  for (const i of c.instructions) {
    if (i.op !== 'Set' || i.default || !plainPath(i.path)) continue;
    out.set(keyOf(i.type, i.pk) + '\u0000' + JSON.stringify(i.path), i);
  }
  return out;
}

function hasSetAt(c: Changeset, key: string, path: readonly string[]): boolean {
  return c.instructions.some((i) => i.op === 'Set' && keyOf(i.type, i.pk) === key && i.path.length === path.length && isPrefixOrEqual(i.path, path));
}

function erases(c: Changeset, key: string): boolean {
  return c.instructions.some((i) => i.op === 'EraseObject' && keyOf(i.type, i.pk) === key);
}

/**
 * Per top-level field, what a changeset wrote there: the last value it Set, or the elements it
 * inserted into a list (a note added to a log); undefined when it wrote otherwise.
 */
function fieldWrites(c: Changeset, key: string): Map<string, Value | undefined> {
  const out = new Map<string, Value | undefined>();
  const inserted = new Map<string, Value[]>();
  for (const i of c.instructions) {
    if (i.op === 'AddType' || i.op === 'AddField' || i.op === 'CreateObject' || i.op === 'EraseObject') continue;
    if (keyOf(i.type, i.pk) !== key) continue;
    const field = i.path[0] as string;
    if (i.op === 'ListInsert' && i.path.length === 2 && (!out.has(field) || inserted.has(field))) {
      const list = inserted.get(field) ?? [];
      list.push(i.value);
      inserted.set(field, list);
      out.set(field, list);
      continue;
    }
    inserted.delete(field);
    out.set(field, i.op === 'Set' && i.path.length === 1 && !i.erase ? i.value : undefined);
  }
  return out;
}

function side(s: { origin: number; version: number | null; clientVersion: number | null }): Omit<ConflictSide, 'userId'> {
  return { origin: s.origin, version: s.version, clientVersion: s.clientVersion };
}

function target(i: Instruction): { type: string; pk: PrimaryKey } {
  return { type: (i as { type: string }).type, pk: (i as { pk: PrimaryKey }).pk };
}

/**
 * The concurrent-write decisions of one upload's transform. `erasedObjects` holds the objects
 * the upload erased as they were before (their read permission is judged on it later).
 */
export function detectConcurrentConflicts(
  upload: UploadSide,
  rows: readonly ConcurrentRow[],
  erasedObjects: ReadonlyMap<string, ObjectRecord>,
  /** Whether the object was in the uploader's view at the upload's base (it wrote against it). */
  uploaderSaw: (key: string) => boolean,
): DetectedConflict[] {
  const out: DetectedConflict[] = [];
  if (rows.length === 0) return out;
  const up = side({ origin: upload.origin, version: upload.version, clientVersion: upload.clientVersion });
  const rowSide = (r: ConcurrentRow) => side({ origin: r.origin, version: r.version, clientVersion: r.originVersion });
  const uploadKeys = new Set(upload.before.instructions.map(objectKey).filter((k): k is string => k !== undefined));

  // Erases on either side: the erase wins over every concurrent write to the object.
  const erasedBy = new Map<string, ConcurrentRow>();
  for (const r of rows) for (const k of uploadKeys) if (!erasedBy.has(k) && erases(r.before, k)) erasedBy.set(k, r);
  for (const [k, r] of erasedBy) {
    const writes = fieldWrites(upload.before, k);
    const t = target(upload.before.instructions.find((i) => objectKey(i) === k)!);
    const saw = uploaderSaw(k) ? { loserSaw: true as const } : {};
    for (const [field, v] of writes) {
      out.push({ kind: 'erased', ...t, path: [field], loser: up, winner: rowSide(r), ...(v !== undefined ? { lost: journalValue(v) } : {}), ...saw });
    }
  }
  for (const k of uploadKeys) {
    if (!erases(upload.applied, k)) continue;
    const t = target(upload.before.instructions.find((i) => objectKey(i) === k)!);
    const erased = erasedObjects.get(k);
    // The last concurrent write of each field is what the erase took away.
    const lastByField = new Map<string, { row: ConcurrentRow; value: Value | undefined }>();
    for (const r of rows) for (const [field, value] of fieldWrites(r.before, k)) lastByField.set(field, { row: r, value });
    for (const [field, { row, value }] of lastByField) {
      out.push({ kind: 'erased', ...t, path: [field], loser: rowSide(row), winner: up, ...(value !== undefined ? { lost: journalValue(value) } : {}), ...(erased ? { erasedObject: erased } : {}) });
    }
  }

  // Set against Set of one location.
  const mine = lastSets(upload.before);
  for (const s of mine.values()) {
    const k = keyOf(s.type, s.pk);
    if (erasedBy.has(k)) continue;
    const path = s.path as readonly string[];
    // The concurrent rows that wrote this location, or a whole embedded object or dictionary around it.
    const theirs = rows.filter((r) => r.before.instructions.some((i) => i.op === 'Set' && !i.default && keyOf(i.type, i.pk) === k && isPrefixOrEqual(i.path, path)));
    if (theirs.length === 0) continue;
    const last = theirs[theirs.length - 1]!;
    const theirSet = [...last.before.instructions].reverse().find((i): i is SetI => i.op === 'Set' && keyOf(i.type, i.pk) === k && isPrefixOrEqual(i.path, path))!;
    if (theirSet.path.length === path.length && valuesEqual(theirSet.value, s.value)) continue; // the same value: nothing lost
    if (!hasSetAt(upload.after, k, path)) {
      out.push({ kind: 'overwritten', type: s.type, pk: s.pk, path, loser: up, winner: rowSide(last), lost: journalValue(s.value), won: journalValue(theirSet.value) });
    } else if (hasSetAt(upload.applied, k, path) && !hasSetAt(last.after, k, theirSet.path as readonly string[])) {
      // The transform kept the upload's value and took the row's out of its form: the upload wins
      // (when the rules then refused the upload's write, the row's value stands: a revert, not this).
      out.push({ kind: 'overwritten', type: s.type, pk: s.pk, path: theirSet.path as readonly string[], loser: rowSide(last), winner: up, lost: journalValue(theirSet.value), won: journalValue(s.value) });
    }
  }
  // Concurrent Sets inside a location the upload replaced as a whole (an embedded object, a dictionary).
  const rowSets = rows.map((r) => lastSets(r.before));
  for (let n = 0; n < rows.length; n++) {
    const r = rows[n]!;
    for (const [loc, theirSet] of rowSets[n]!) {
      if (mine.has(loc)) continue;
      const k = keyOf(theirSet.type, theirSet.pk);
      if (!uploadKeys.has(k) || erasedBy.has(k) || erases(upload.applied, k)) continue;
      const cover = [...mine.values()].find((s) => keyOf(s.type, s.pk) === k && s.path.length < theirSet.path.length && isPrefixOrEqual(s.path, theirSet.path));
      if (!cover || hasSetAt(r.after, k, theirSet.path as readonly string[]) || !hasSetAt(upload.applied, k, cover.path as readonly string[])) continue;
      if (rowSets.slice(n + 1).some((later) => later.has(loc))) continue; // a later row replaced it anyway
      out.push({ kind: 'overwritten', type: theirSet.type, pk: theirSet.pk, path: theirSet.path as readonly string[], loser: rowSide(r), winner: up, lost: journalValue(theirSet.value), won: journalValue(cover.value) });
    }
  }
  return out;
}

/** A refused write the server undid: each top-level field it wrote, or the whole object. */
export interface RevertedWrite {
  readonly type: string;
  readonly pk: PrimaryKey;
  readonly reason: string;
  /** The fields undone, or 'all'. */
  readonly fields: 'all' | ReadonlySet<string>;
}

export function detectReverts(
  upload: Pick<UploadSide, 'origin' | 'clientVersion' | 'after'> & { version: number | null },
  reverted: readonly RevertedWrite[],
  /** The server's copy after the upload, for the value that stands; absent when there is none. */
  serverCopy: (type: string, pk: PrimaryKey) => ObjectRecord | undefined,
  revertVersion: number | null,
): DetectedConflict[] {
  const out: DetectedConflict[] = [];
  const loser = side({ origin: upload.origin, version: upload.version, clientVersion: upload.clientVersion });
  const winner = side({ origin: 1, version: revertVersion, clientVersion: null });
  for (const w of reverted) {
    const k = keyOf(w.type, w.pk);
    const writes = fieldWrites(upload.after, k);
    const server = serverCopy(w.type, w.pk);
    const fields = [...writes.keys()].filter((f) => w.fields === 'all' || w.fields.has(f));
    if (fields.length === 0) {
      out.push({ kind: 'reverted', type: w.type, pk: w.pk, path: [], loser, winner, reason: w.reason });
      continue;
    }
    for (const f of fields) {
      const lost = writes.get(f);
      const won = server?.[f];
      out.push({
        kind: 'reverted',
        type: w.type,
        pk: w.pk,
        path: [f],
        loser,
        winner,
        reason: w.reason,
        ...(lost !== undefined ? { lost: journalValue(lost) } : {}),
        ...(won !== undefined ? { won: journalValue(won) } : {}),
      });
    }
  }
  return out;
}
