import Dexie from 'dexie';
import { applyChangeset, ObjectState, type Changeset, type HybridClock, type Instruction } from '../changeset/index.ts';
import { pkKey, type ObjectRecord, type PrimaryKey, type Schema } from '../model/index.ts';
import { OutpostError, type Download } from '../protocol/index.ts';
import { recordFromStorable } from '../worker-api/codec.ts';
import { getRows, rowId, typeBounds, type ObjectRow, type OutpostDexie, type StagedCursor, type SyncMeta } from './store.ts';

/*
 * A bootstrap applied as it arrives, out of the app's sight. Each download of a bootstrap is
 * applied to the objects store in a transaction of its own (memory bounded by one download, not by
 * the view), its rows marked with the bootstrap's generation `g`. While the meta row 'staging'
 * names that generation as active, every read the app makes (queries, live queries, writes,
 * serialized transactions) skips those rows, so it sees the state before the bootstrap. When the
 * bootstrap is complete, one small transaction makes the generation inactive: the rows become
 * visible at once, and the app sees the state after the bootstrap, never a part.
 *
 * The download frames are staged too (local-db.ts `stageDownload`), so that the old way remains
 * the fallback: a download is applied hidden only while it cannot meet local state, i.e. no local
 * changeset is unacknowledged or written during the bootstrap and every object it names is absent
 * or its own hidden row. Otherwise the bootstrap falls back for good: when it completes, its
 * hidden rows are dropped and every staged frame is applied in one transaction, rebased against
 * the local changesets, as before (local-db.ts `integrate`).
 */

export const STAGING_KEY = 'staging';

export interface StagingRow {
  readonly key: typeof STAGING_KEY;
  /** Grows by one per bootstrap: rows of an earlier (completed) generation are never hidden again. */
  readonly gen: number;
  readonly active: boolean;
  /** `nextClientVersion` when the bootstrap started: a local write since makes it fall back. */
  readonly next: number;
  readonly fallback: boolean;
  /** Types with hidden rows (re-run by live queries at the switch; where a fallback looks for them). */
  readonly types: readonly string[];
  /** Where the hidden downloads leave the client, and the subscription sets they carried. */
  readonly cursor?: StagedCursor;
  readonly queryVersions: readonly number[];
}

/** The generation whose rows the app must not see, if a bootstrap is being applied hidden. */
export function hiddenGen(row: unknown): number | undefined {
  const s = row as StagingRow | undefined;
  return s && s.active ? s.gen : undefined;
}

/** `row` as the app sees it: undefined when absent or hidden. */
export function visible<R extends { g?: number }>(row: R | undefined, gen: number | undefined): R | undefined {
  return row && gen !== undefined && row.g === gen ? undefined : row;
}

/** Reads the hidden generation (inside the caller's transaction when there is one). */
export async function readHiddenGen(d: OutpostDexie): Promise<number | undefined> {
  return hiddenGen(await d.meta.get(STAGING_KEY));
}

const schemaOp = (i: Instruction) => i.op === 'AddType' || i.op === 'AddField';

/**
 * Applies one bootstrap download hidden, if it can (inside the caller's read-write transaction on
 * meta, objects and batches). Returns false, having marked the bootstrap as fallen back, when it
 * cannot; the caller stages the frame either way.
 */
export async function applyHidden(
  d: OutpostDexie,
  schema: Schema,
  clock: HybridClock,
  row: (type: string, rec: ObjectRecord) => ObjectRow,
  m: Download,
  staged: StagedCursor,
  previous: StagedCursor | undefined,
): Promise<boolean> {
  const meta = (await d.meta.get('sync')) as SyncMeta;
  const old = (await d.meta.get(STAGING_KEY)) as StagingRow | undefined;
  const st: StagingRow =
    old && old.active
      ? old
      : { key: STAGING_KEY, gen: (old?.gen ?? 0) + 1, active: true, next: meta.nextClientVersion, fallback: false, types: [], queryVersions: [] };
  const fallBack = async (): Promise<false> => {
    await d.meta.put({ ...st, fallback: true } as never);
    return false;
  };
  // Local changesets unacknowledged (or written since the bootstrap began) must be rebased over.
  if (st.fallback || meta.nextClientVersion !== st.next || meta.ackedClientVersion < meta.nextClientVersion - 1) return fallBack();
  if (m.cursor.clientVersion > meta.nextClientVersion - 1) {
    throw new OutpostError('bad_cursor', `the server acknowledges client version ${m.cursor.clientVersion}, but this database wrote only ${meta.nextClientVersion - 1}`);
  }
  let server = Math.max(meta.serverVersion, previous?.serverVersion ?? 0);
  const items = m.items.filter((item) => item.serverVersion > server);
  const keys = new Map<string, [string, string]>();
  for (const item of items) {
    for (const i of item.changeset.instructions) {
      if (schemaOp(i)) continue;
      const t = i.type;
      const k = pkKey((i as { pk: PrimaryKey }).pk);
      keys.set(rowId(t, k), [t, k]);
    }
  }
  const ids = [...keys.keys()];
  const rows = await getRows(d.objects, ids);
  const state = new ObjectState(schema);
  const existing = new Set<string>();
  for (let n = 0; n < ids.length; n++) {
    const r = rows[n];
    if (!r) continue;
    existing.add(r.id);
    // A visible object: the download meets the app's state, which the old way handles.
    if (r.g !== st.gen) return fallBack();
    const [t, k] = keys.get(ids[n]!)!;
    state.put(t, k, recordFromStorable(r.r));
  }
  for (const item of items) {
    clock.observe(item.changeset.timestamp);
    const c: Changeset = { ...item.changeset, instructions: item.changeset.instructions.filter((i) => !schemaOp(i)) };
    applyChangeset(state, c);
    server = item.serverVersion;
  }
  const types = new Set(st.types);
  const puts: ObjectRow[] = [];
  const dels: string[] = [];
  for (const [id, [t, k]] of keys) {
    const rec = state.getByKey(t, k);
    types.add(t);
    if (rec) puts.push({ ...row(t, rec), g: st.gen });
    else if (existing.has(id)) dels.push(id);
  }
  // Straight to IndexedDB, in the same transaction: Dexie's bulkPut adds about half the time of
  // the puts themselves (its key extraction and request bookkeeping, in the bench's profile), and
  // nothing here needs its results (a failed request aborts the transaction, which Dexie reports).
  const store = (Dexie.currentTransaction as unknown as { idbtrans: IDBTransaction }).idbtrans.objectStore('objects');
  for (const r of puts) store.put(r);
  for (const id of dels) store.delete(id);
  const queryVersions = st.queryVersions.includes(m.queryVersion) ? st.queryVersions : [...st.queryVersions, m.queryVersion];
  await d.meta.put({ ...st, types: [...types], cursor: staged, queryVersions } as never);
  return true;
}

/**
 * Deletes the rows of an unfinished hidden bootstrap and makes its generation inactive (inside
 * the caller's read-write transaction on meta and objects): what falls back, or is abandoned.
 */
export async function dropHidden(d: OutpostDexie): Promise<void> {
  const st = (await d.meta.get(STAGING_KEY)) as StagingRow | undefined;
  if (!st || !st.active) return;
  for (const t of st.types) {
    const [lo, hi] = typeBounds(t);
    await d.objects
      .where('id')
      .between(lo, hi, true, false)
      .filter((r) => r.g === st.gen)
      .delete();
  }
  await d.meta.put(finished(st) as never);
}

/** The staging row once its generation is visible (or dropped): the counter is kept. */
export function finished(st: StagingRow): StagingRow {
  return { key: STAGING_KEY, gen: st.gen, active: false, next: 0, fallback: false, types: [], queryVersions: [] };
}
