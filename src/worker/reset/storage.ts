import { applyInstructions, ObjectState, type Instruction } from '../../changeset/index.ts';
import { recoverChanges } from '../../merge/index.ts';
import { pkKey, zeroValue, newRecord, type ObjectRecord, type PrimaryKey } from '../../model/index.ts';
import { recordFromStorable, storableEqual, type StoredRecord } from '../../worker-api/codec.ts';
import type { ObjectChange } from '../live.ts';
import type { LocalDatabase } from '../local-db.ts';
import { rowId, storageError, typeBounds, type BackupRow, type ObjectRow, type SyncMeta } from '../store.ts';
import { dropHidden } from '../hidden-bootstrap.ts';

/*
 * The storage side of a client reset: one IndexedDB transaction that backs up the objects,
 * replaces them with the server's fresh state, replays the recovered local changes on top, starts
 * a new history under the new file ident, and moves the cursors, so that a crash leaves either
 * the old database or the new one, never a mix. The backup serves the `before` snapshot of the
 * reset callbacks and is cleared after them (and on every open).
 */

export interface ResetInput {
  readonly fileIdent: number;
  readonly salt: string;
  readonly serverVersion: number;
  readonly versionSalt: string;
  /** The subscription set the fresh state was fetched for: complete once it is stored. */
  readonly queryVersion: number;
  readonly objects: readonly { readonly type: string; readonly record: ObjectRecord }[];
  /** null: discard the local changes; otherwise recover the changesets after this client version. */
  readonly recoverAfter: number | null;
}

export interface ResetOutcome {
  /** Every object whose record differs between the old and the new database. */
  readonly changes: ObjectChange[];
  readonly meta: SyncMeta;
  /** The recovery changeset's instructions (stored as client version 1 of the new file when any). */
  readonly recovered: readonly Instruction[];
  /** Local changesets the server had not integrated before the reset (recovered or not). */
  readonly unsynced: number;
  /**
   * Of those, how many were no longer kept here (acknowledged long ago by a server that has
   * since forgotten them: a restore from an old backup) and so could not be recovered.
   */
  readonly unrecoverable: number;
}

/** The fresh records, completed with the local schema's zero values (a field the server lacks). */
function freshState(db: LocalDatabase, objects: ResetInput['objects']): ObjectState {
  const state = new ObjectState(db.schema);
  for (const { type, record } of objects) {
    const t = db.schema.get(type);
    if (!t || t.embedded || t.primaryKey === undefined) continue;
    const pk = record[t.primaryKey] as PrimaryKey | undefined;
    if (pk === undefined || pk === null) continue;
    const rec = newRecord();
    for (const [name, prop] of t.properties) rec[name] = record[name] !== undefined ? record[name]! : zeroValue(prop);
    state.put(type, pkKey(pk), rec);
  }
  return state;
}

export async function applyReset(db: LocalDatabase, input: ResetInput): Promise<ResetOutcome> {
  const d = db.storage.strict;
  try {
    return await d.transaction('rw', [d.objects, d.history, d.meta, d.subs, d.batches, d.backup], async () => {
      const meta = (await d.meta.get('sync')) as SyncMeta;
      // A bootstrap applied hidden is abandoned: its rows were never the app's (hidden-bootstrap.ts).
      await dropHidden(d);
      const oldRows = await d.objects.toArray();
      await d.backup.clear();
      await d.backup.bulkAdd(oldRows.map((r): BackupRow => ({ id: r.id, t: r.t, k: r.k, r: r.r })));
      const oldById = new Map(oldRows.map((r) => [r.id, r]));

      const state = freshState(db, input.objects);
      let recovered: Instruction[] = [];
      let unrecoverable = 0;
      if (input.recoverAfter !== null) {
        const rows = await d.history.where('v').above(input.recoverAfter).toArray();
        // The changes to replay are client versions recoverAfter+1 .. the last one written. The
        // oldest of them may no longer be kept (trimmed after a server acknowledged them, and
        // that server was then restored from an older backup): what is kept is replayed, and
        // the count of the rest is reported rather than lost in silence.
        const last = meta.nextClientVersion - 1;
        unrecoverable = Math.max(0, (rows[0]?.v ?? last + 1) - input.recoverAfter - 1);
        const local = (type: string, pk: PrimaryKey): ObjectRecord | undefined => {
          const r = oldById.get(rowId(type, pkKey(pk)));
          return r ? recordFromStorable(r.r) : undefined;
        };
        recovered = recoverChanges(db.schema, state, rows.map((r) => db.changesetOf(r)), local);
        // Cannot fail: the same instructions just applied, in order, to a copy of this state.
        applyInstructions(state, recovered);
      }

      const changes: ObjectChange[] = [];
      const rows: ObjectRow[] = [];
      for (const type of state.types()) {
        for (const rec of state.objects(type)) {
          const row = db.row(type, rec);
          rows.push(row);
          const old = oldById.get(row.id);
          oldById.delete(row.id);
          if (!old || !storableEqual(old.r, row.r)) changes.push({ type, key: row.k, record: rec });
        }
      }
      for (const old of oldById.values()) changes.push({ type: old.t, key: old.k, record: undefined });
      await d.objects.clear();
      await d.objects.bulkAdd(rows);

      await d.history.clear();
      db.forget(Number.MAX_SAFE_INTEGER);
      db.clock.observe(meta.hlc);
      if (recovered.length) await d.history.add(db.historyRow(1, { origin: input.fileIdent, timestamp: db.clock.tick(), instructions: recovered }));

      if (input.queryVersion > 0) {
        const now = Date.now();
        const set = await d.subs.get(input.queryVersion);
        if (set) await d.subs.put({ ...set, state: 'complete', updatedAt: now });
        for (const o of await d.subs.where('version').below(input.queryVersion).toArray()) {
          if (o.state !== 'error' && o.state !== 'superseded') await d.subs.put({ ...o, state: 'superseded', updatedAt: now });
        }
      }
      await d.batches.clear();

      const next: SyncMeta = {
        ...meta,
        fileIdent: input.fileIdent,
        salt: input.salt,
        serverVersion: input.serverVersion,
        versionSalt: input.versionSalt,
        ackedClientVersion: 0,
        nextClientVersion: recovered.length ? 2 : 1,
        hlc: db.clock.current,
        latestServerVersion: input.serverVersion,
        resetGuard: { at: Date.now(), fileIdent: input.fileIdent },
      };
      await d.meta.put(next);
      return { changes, meta: next, recovered, unsynced: Math.max(0, meta.nextClientVersion - 1 - (input.recoverAfter ?? meta.ackedClientVersion)), unrecoverable };
    });
  } catch (err) {
    throw storageError(err);
  }
}

/**
 * The `before` snapshot of a reset: objects of a type (or one of them) as stored in `source`
 * ('objects' until the reset is applied, 'backup' after it).
 */
export async function readSnapshot(db: LocalDatabase, source: 'objects' | 'backup', type: string, pk?: PrimaryKey): Promise<StoredRecord[]> {
  const table = source === 'objects' ? db.storage.db.objects : db.storage.db.backup;
  if (pk !== undefined) {
    const row = await table.get(rowId(type, pkKey(pk)));
    return row ? [row.r] : [];
  }
  const [lo, hi] = typeBounds(type);
  return (await table.where('id').between(lo, hi, true, false).toArray()).map((r) => r.r);
}

export async function clearBackup(db: LocalDatabase): Promise<void> {
  await db.storage.db.backup.clear();
}

/** Clears the reset guard: the first full sync after the reset is done. */
export async function clearResetGuard(db: LocalDatabase): Promise<void> {
  const d = db.storage.db;
  await d.transaction('rw', d.meta, async () => {
    const meta = (await d.meta.get('sync')) as SyncMeta;
    if (meta.resetGuard) await d.meta.put({ ...meta, resetGuard: null });
  });
}
