import { newRecord, parseSchema, samePropertySchema, zeroValue, type ObjectRecord, type ObjectSchema, type ObjectSchemaInput, type PrimaryKey, type Schema, type Value } from '../../model/index.ts';
import { OutpostError } from '../../errors.ts';
import { validateSubscription } from '../../query/index.ts';
import type { ClientFileSelector, StoreWriter } from '../store/types.ts';
import type { SyncEngine } from './engine.ts';
import { SERVER_ORIGIN } from './integrate.ts';

/*
 * What makes clients reset (docs/protocol.md, client reset), on the server's side. The per-session checks
 * (an unknown file or salt, a cursor the history does not have or whose version salt differs,
 * changed roles) live in the session; here are the actions that retire client files and shrink
 * the history: compaction past the maximum offline time, an administrator's reset, and a
 * breaking schema change.
 */

export interface CompactionResult {
  /** Client files retired because they were not seen within the maximum offline time. */
  readonly retired: number;
  /** History entries deleted. */
  readonly removed: number;
  /** The history now starts at this version. */
  readonly firstVersion: number;
}

function describe(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} day(s)`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} hour(s)`;
  if (ms % 60_000 === 0) return `${ms / 60_000} minute(s)`;
  return `${ms / 1000} second(s)`;
}

/** Ends the running sessions (on this node) of files that were just retired. */
async function endRetiredSessions(engine: SyncEngine): Promise<void> {
  for (const s of [...engine.sessions]) {
    const f = await engine.store.getClientFile(s.ident);
    if (f?.expiredAt != null) s.retire(f.expiredReason ?? 'retired', f.expiredAction ?? 'client_reset');
  }
}

/**
 * History compaction: retires the files not seen within the maximum offline time, then deletes
 * the history below the lowest version a live file has shown it holds. What every client within
 * the offline window needs stays: its cursor's entry (for the version salt), everything after,
 * and the reciprocal forms newer than its uploads' base. A client that comes back later is reset.
 */
export async function compactHistory(engine: SyncEngine, now = Date.now()): Promise<CompactionResult> {
  const result = await engine.store.transaction(async (tx) => {
    let retired = 0;
    if (engine.maxOfflineMs !== undefined) {
      retired = await tx.expireClientFiles(
        { lastSeenBefore: now - engine.maxOfflineMs },
        { at: now, reason: `it was offline for longer than the server keeps history for (${describe(engine.maxOfflineMs)})`, action: 'client_reset' },
      );
    }
    const latest = await tx.latestVersion();
    const horizon = Math.min((await tx.syncHorizon()) ?? latest, latest);
    const removed = horizon > 0 ? await tx.compactHistory(horizon) : 0;
    // Before the commit: a group commit queued behind this transaction serves its uploads'
    // history from the cache (group-writer.ts) and must not be given the rows deleted here.
    if (horizon > 0) engine.cache.forgetBelow(horizon);
    return { retired, removed, firstVersion: await tx.firstVersion() };
  });
  engine.cache.forgetBelow(result.firstVersion);
  if (result.retired > 0) await endRetiredSessions(engine);
  return result;
}

/** Retires client files by hand (the admin API): their next session resets. */
export async function retireClientFiles(engine: SyncEngine, selector: ClientFileSelector, reason: string, action: 'client_reset' | 'client_reset_no_recovery' = 'client_reset'): Promise<number> {
  const n = await engine.store.transaction((tx) => tx.expireClientFiles(selector, { at: Date.now(), reason, action }));
  if (n > 0) await endRetiredSessions(engine);
  return n;
}

/** A record of one type brought to another definition of it: kept fields stay, others get their zero value. */
function migrateRecord(from: Schema, to: Schema, type: ObjectSchema, next: ObjectSchema, rec: ObjectRecord): ObjectRecord {
  const out = newRecord();
  for (const [field, prop] of next.properties) {
    const old = type.properties.get(field);
    const v = rec[field];
    if (!old || v === undefined || !samePropertySchema(old, prop)) {
      out[field] = zeroValue(prop);
      continue;
    }
    if (!prop.embedded) {
      out[field] = v;
      continue;
    }
    const a = from.require(prop.objectType!);
    const b = to.require(prop.objectType!);
    const one = (x: Value): Value => (x === null ? null : migrateRecord(from, to, a, b, x as ObjectRecord));
    if (prop.collection === 'list') out[field] = (v as Value[]).map(one);
    else if (prop.collection === 'dictionary') {
      const d = newRecord();
      for (const [k, x] of Object.entries(v as ObjectRecord)) d[k] = one(x);
      out[field] = d;
    } else out[field] = one(v);
  }
  return out;
}

async function* allObjects(tx: StoreWriter, schema: Schema, type: string): AsyncGenerator<{ pk: PrimaryKey; record: ObjectRecord }[]> {
  const all = validateSubscription(schema, type, 'TRUEPREDICATE', [], {});
  const pkField = schema.require(type).primaryKey!;
  let afterPk: string | undefined;
  for (;;) {
    const page = await tx.queryObjects(type, { subscriptions: [all], readFilter: null }, { ...(afterPk !== undefined ? { afterPk } : {}), limit: 500 });
    if (page.length > 0) yield page.map((r) => ({ pk: r.record[pkField] as PrimaryKey, record: r.record }));
    if (page.length < 500) return;
    afterPk = page[page.length - 1]!.pk;
  }
}

/**
 * A breaking schema change (the admin API): the objects are migrated to the new schema (fields
 * that disappear or change their definition are dropped or reset; types that disappear are
 * deleted), the history written under the old schema is dropped, and every client file is
 * retired with `client_reset_no_recovery` — local changes made under the old schema cannot be
 * replayed safely. Apps must ship the new schema; clients with the old one get `schema_mismatch`.
 */
export async function replaceSchema(engine: SyncEngine, input: readonly ObjectSchemaInput[]): Promise<{ migrated: number; deleted: number }> {
  const next = parseSchema(input as ObjectSchemaInput[]);
  const current = engine.schema;
  for (const [name, t] of current.types) {
    const n = next.get(name);
    if (n && (n.primaryKey !== t.primaryKey || n.embedded !== t.embedded)) {
      throw new OutpostError('schema_mismatch', `type ${name} cannot change its primary key or become (or stop being) embedded; make a new type`);
    }
    if (n && n.primaryKey !== undefined && !samePropertySchema(n.properties.get(n.primaryKey)!, t.properties.get(t.primaryKey!)!)) {
      throw new OutpostError('schema_mismatch', `the primary key of ${name} cannot change its type`);
    }
  }
  const counts = await engine.store.transaction(async (tx) => {
    let migrated = 0;
    let deleted = 0;
    for (const [name, t] of current.types) {
      if (t.embedded) continue;
      const n = next.get(name);
      for await (const page of allObjects(tx, current, name)) {
        if (!n) {
          await tx.deleteObjects(page.map((o) => ({ type: name, pk: o.pk })));
          deleted += page.length;
        } else {
          await tx.putObjects(page.map((o) => ({ type: name, pk: o.pk, record: migrateRecord(current, next, t, n, o.record) })));
          migrated += page.length;
        }
      }
    }
    await tx.setSchema(next.toJSON());
    // One entry marks the new start; everything before it was written under the old schema.
    const latest = await tx.latestVersion();
    const mark = await tx.appendHistory({ origin: SERVER_ORIGIN, originVersion: latest + 1, privateTo: null, changeset: { origin: SERVER_ORIGIN, timestamp: engine.clock.tick(), instructions: [] } });
    await tx.compactHistory(mark);
    engine.cache.forgetBelow(mark); // before the commit, as in compactHistory above
    await tx.expireClientFiles({}, { at: Date.now(), reason: 'the server schema changed in a breaking way; local changes cannot be kept', action: 'client_reset_no_recovery' });
    return { migrated, deleted, mark };
  });
  engine.schema = next;
  engine.cache.forgetBelow(counts.mark);
  engine.advance(counts.mark);
  await endRetiredSessions(engine);
  return { migrated: counts.migrated, deleted: counts.deleted };
}
