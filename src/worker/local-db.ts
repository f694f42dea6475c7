import Dexie from 'dexie';
import { applyChangeset, DEFAULT_MAX_CLOCK_SKEW_MS, hlcFromWall, HybridClock, ObjectState, type Changeset, type Instruction } from '../changeset/index.ts';
import { rebase } from '../merge/index.ts';
import { parseSchema, pkKey, valuesEqual, zeroValue, newRecord, type ObjectRecord, type ObjectSchemaInput, type PrimaryKey, type Schema } from '../model/index.ts';
import { OutpostError, parseServerMessage, type Download } from '../protocol/index.ts';
import type { LocalSubscription, SubscriptionMutation, SubscriptionSetInfo, SubscriptionState, SyncProgress, WireError, WireOp } from '../worker-api/api.ts';
import { instructionsFromJson, instructionsToJson, recordFromStorable, recordToStorable, storableEqual } from '../worker-api/codec.ts';
import { IndexLayout } from './index-keys.ts';
import type { ObjectChange } from './live.ts';
import { getRows, randomId, rowId, Storage, storageError, type BatchRow, type LocalHistoryRow, type StagedCursor, type IndexedDbEnv, type ObjectRow, type OutpostDexie, type SubscriptionRow, type SyncMeta } from './store.ts';
import { readRows, runTx } from './raw-tx.ts';
import { applyOps, touchedKey } from './writes.ts';
import { applyHidden, dropHidden, finished, hiddenGen, readHiddenGen, STAGING_KEY, visible, type StagingRow } from './hidden-bootstrap.ts';

/*
 * The worker's database operations, each one IndexedDB transaction: a local write (objects +
 * history append, strict durability), the integration of downloads (objects + rebased history +
 * cursor), identity, uploads, subscription sets. Every tab's worker runs these against the same
 * IndexedDB database; IndexedDB serializes the read-write transactions, so each one reads the
 * state it changes inside itself (never from a tab-local cache).
 */

export interface UploadBatch {
  readonly base: number;
  readonly entries: { readonly clientVersion: number; readonly changeset: Changeset }[];
}

export interface IntegrationResult {
  readonly changes: ObjectChange[];
  readonly meta: SyncMeta;
  /** True when more than a few objects changed (others should re-run rather than re-read). */
  readonly large: boolean;
  /**
   * Set when too many objects changed to list them (a large bootstrap): `changes` is empty and
   * these types changed; live queries on them run again.
   */
  readonly changedTypes?: readonly string[];
}

/** Objects changed by one integration that are listed one by one (beyond it, only their types). */
const MAX_TRACKED_CHANGES = 5000;

const key2 = (type: string, key: string) => type + '\u0000' + key;

/**
 * How many acknowledged local changesets are kept, and for how long (by their HLC timestamp).
 * After a server is restored from a backup, the changesets it had acknowledged since are gone
 * from it; a client reset recovers them from here.
 */
export interface HistoryRetention {
  readonly maxRows: number;
  readonly maxAgeMs: number;
}

export const DEFAULT_HISTORY_RETENTION: HistoryRetention = { maxRows: 10_000, maxAgeMs: 30 * 24 * 3600_000 };

export class LocalDatabase {
  readonly storage: Storage;
  readonly schema: Schema;
  readonly layout: IndexLayout;
  /**
   * Bounded like the server's: a downloaded timestamp never pulls it more than the clock bound
   * past this device's time (corrected by the server's, see `syncTo`).
   */
  readonly clock: HybridClock;
  historyRetention: HistoryRetention = DEFAULT_HISTORY_RETENTION;
  private readonly schemaJson: string;
  /** Decoded history instructions by client version, reused while the stored text is unchanged. */
  private readonly decoded = new Map<number, { ops: string; instructions: readonly Instruction[] }>();

  private constructor(storage: Storage, schema: Schema, now?: () => number) {
    this.clock = new HybridClock({ maxAheadMs: DEFAULT_MAX_CLOCK_SKEW_MS, ...(now ? { now } : {}) });
    this.storage = storage;
    this.schema = schema;
    this.layout = new IndexLayout(schema);
    this.schemaJson = JSON.stringify(schema.toJSON());
  }

  /** Opens (creating or migrating) the database; `created` tells whether it was new. */
  static async open(name: string, schemaInput: readonly ObjectSchemaInput[], env?: IndexedDbEnv, now?: () => number): Promise<{ db: LocalDatabase; created: boolean; meta: SyncMeta }> {
    const schema = parseSchema(schemaInput);
    const storage = new Storage(name, env);
    await storage.open();
    const db = new LocalDatabase(storage, schema, now);
    try {
      const { created, meta } = await db.init();
      db.clock.observe(meta.hlc);
      return { db, created, meta };
    } catch (err) {
      storage.close();
      throw storageError(err);
    }
  }

  get dexie() {
    return this.storage.db;
  }

  close(): void {
    this.storage.close();
  }

  private async init(): Promise<{ created: boolean; meta: SyncMeta }> {
    const d = this.storage.db;
    return d.transaction('rw', [d.meta, d.objects, d.backup], async () => {
      // A client reset that stopped half-way (a closed tab) leaves its pre-reset copy: not needed.
      await d.backup.clear();
      const existing = (await d.meta.get('sync')) as SyncMeta | undefined;
      const indexLayout = this.layout.fingerprint();
      if (!existing) {
        const meta: SyncMeta = {
          key: 'sync',
          dbId: randomId(),
          createdAt: Date.now(),
          fileIdent: null,
          salt: null,
          serverVersion: 0,
          ackedClientVersion: 0,
          nextClientVersion: 1,
          hlc: 0,
          latestServerVersion: 0,
          versionSalt: '',
          resetGuard: null,
          schema: this.schemaJson,
          indexLayout,
        };
        await d.meta.put(meta);
        return { created: true, meta };
      }
      if (existing.schema === this.schemaJson && existing.indexLayout === indexLayout) return { created: false, meta: existing };
      // The app's schema changed since this database was written: give every stored object the
      // fields of the new schema (new ones at their zero value) and fresh index entries.
      await d.objects.toCollection().modify((row: ObjectRow) => {
        const t = this.schema.get(row.t);
        if (!t) return;
        const old = recordFromStorable(row.r);
        const rec = newRecord();
        for (const [name, prop] of t.properties) rec[name] = old[name] !== undefined ? old[name]! : zeroValue(prop);
        (row as { r: unknown }).r = recordToStorable(rec);
        (row as { ix: unknown }).ix = this.layout.entries(row.t, rec);
      });
      const meta = { ...existing, schema: this.schemaJson, indexLayout };
      await d.meta.put(meta);
      return { created: false, meta };
    });
  }

  async meta(): Promise<SyncMeta> {
    return (await this.storage.db.meta.get('sync')) as SyncMeta;
  }

  /** @internal */
  changesetOf(r: LocalHistoryRow): Changeset {
    let d = this.decoded.get(r.v);
    if (!d || d.ops !== r.ops) {
      d = { ops: r.ops, instructions: instructionsFromJson(r.ops) };
      this.decoded.set(r.v, d);
    }
    return { origin: r.origin, timestamp: r.ts, instructions: d.instructions };
  }

  /** @internal */
  historyRow(v: number, c: Changeset): LocalHistoryRow {
    const ops = instructionsToJson(c.instructions);
    this.decoded.set(v, { ops, instructions: c.instructions });
    return { v, origin: c.origin, ts: c.timestamp, ops };
  }

  /** @internal */
  forget(upTo: number): void {
    for (const v of this.decoded.keys()) if (v <= upTo) this.decoded.delete(v);
  }

  row(type: string, rec: ObjectRecord): ObjectRow {
    const t = this.schema.require(type);
    const k = pkKey(rec[t.primaryKey!] as PrimaryKey);
    return { id: rowId(type, k), t: type, k, r: recordToStorable(rec), ix: this.layout.entries(type, rec) };
  }

  // ---- local writes -------------------------------------------------------------------------

  /** The objects some operations touch, as [type, key] pairs and row ids, without duplicates. */
  private touched(ops: readonly WireOp[]): { list: [string, string][]; ids: string[] } {
    const keys = new Map<string, [string, string]>();
    for (const op of ops) {
      const k = touchedKey(op, this.schema);
      if (k) {
        const rk: [string, string] = [k.type, pkKey(k.pk)];
        keys.set(key2(rk[0], rk[1]), rk);
      }
    }
    const list = [...keys.values()];
    return { list, ids: list.map(([t, k]) => rowId(t, k)) };
  }

  /** A scratch state holding the touched objects as read, and their records before the write. */
  private scratch(list: readonly [string, string][], rows: readonly (ObjectRow | undefined)[]) {
    const state = new ObjectState(this.schema);
    const before = new Map<string, ObjectRecord | undefined>();
    rows.forEach((r, i) => {
      const [t, k] = list[i]!;
      if (r) {
        state.put(t, k, recordFromStorable(r.r));
        before.set(key2(t, k), recordFromStorable(r.r));
      } else before.set(key2(t, k), undefined);
    });
    return { state, before };
  }

  /** Loads the objects some operations touch (inside the caller's transaction) into a scratch state. */
  private async loadTouched(d: OutpostDexie, ops: readonly WireOp[]) {
    const { list, ids } = this.touched(ops);
    const gen = await readHiddenGen(d);
    return { list, ...this.scratch(list, (await getRows(d.objects, ids)).map((r) => visible(r, gen))) };
  }

  /**
   * One write transaction (strict durability): translate and apply the operations, store the
   * objects, append the changeset to the history, advance the meta row. On IndexedDB directly
   * (raw-tx.ts): the meta row and the touched objects are read together, and every write is
   * issued at once.
   */
  async write(ops: readonly WireOp[]): Promise<{ clientVersion: number | null; changes: ObjectChange[]; meta: SyncMeta | null }> {
    type Out = { clientVersion: number | null; changes: ObjectChange[]; meta: SyncMeta | null };
    const { list, ids } = this.touched(ops);
    try {
      const idb = this.storage.strict.backendDB();
      return await runTx<Out>(idb, ['objects', 'history', 'meta'], 'readwrite', 'strict', (tx, guard, done) => {
        const objects = tx.objectStore('objects');
        const metaStore = tx.objectStore('meta');
        let meta: SyncMeta | undefined;
        let rows: (ObjectRow | undefined)[] = [];
        let gen: number | undefined;
        let waiting = 3;
        const ready = () => {
          if (--waiting > 0) return;
          // Rows of a bootstrap applied hidden are not there yet for the app (hidden-bootstrap.ts).
          const { state, before } = this.scratch(list, gen === undefined ? rows : rows.map((r) => visible(r, gen)));
          const instructions = applyOps(this.schema, state, ops);
          if (instructions.length === 0) return done({ clientVersion: null, changes: [], meta: null });
          this.clock.observe(meta!.hlc);
          const changeset: Changeset = { origin: meta!.fileIdent ?? 0, timestamp: this.clock.tick(), instructions };
          const changes: ObjectChange[] = [];
          for (const [t, k] of list) {
            const rec = state.getByKey(t, k);
            const was = before.get(key2(t, k));
            if (rec) objects.put(this.row(t, rec));
            else if (was) objects.delete(rowId(t, k));
            if (rec || was) changes.push({ type: t, key: k, record: rec });
          }
          const v = meta!.nextClientVersion;
          tx.objectStore('history').add(this.historyRow(v, changeset));
          const next: SyncMeta = { ...meta!, nextClientVersion: v + 1, hlc: this.clock.current };
          metaStore.put(next);
          done({ clientVersion: v, changes, meta: next });
        };
        const m = metaStore.get('sync');
        m.onsuccess = guard(() => {
          meta = m.result as SyncMeta;
          ready();
        });
        const s = metaStore.get(STAGING_KEY);
        s.onsuccess = guard(() => {
          gen = hiddenGen(s.result);
          ready();
        });
        readRows(this.storage.keyRange, objects, ids, guard, (r) => {
          rows = r;
          ready();
        });
      });
    } catch (err) {
      throw storageError(err);
    }
  }

  /**
   * The changeset of a serialized transaction (TRANSACT): the operations applied to a scratch copy
   * of the current objects. Nothing is stored: the server's answer comes back as a download.
   */
  async transactionChangeset(ops: readonly WireOp[]): Promise<{ changeset: Changeset; meta: SyncMeta }> {
    const d = this.storage.db;
    try {
      return await d.transaction('r', d.objects, d.meta, async () => {
        const meta = (await d.meta.get('sync')) as SyncMeta;
        const { state } = await this.loadTouched(d, ops);
        const instructions = applyOps(this.schema, state, ops);
        this.clock.observe(meta.hlc);
        return { changeset: { origin: meta.fileIdent ?? 0, timestamp: this.clock.tick(), instructions }, meta };
      });
    } catch (err) {
      throw storageError(err);
    }
  }

  /** One object's current record and the download cursor it reflects (a serialized transaction's read). */
  async readObject(type: string, pk: PrimaryKey): Promise<{ record: ObjectRecord | undefined; serverVersion: number }> {
    const d = this.storage.db;
    return d.transaction('r', d.objects, d.meta, async () => {
      const row = visible(await d.objects.get(rowId(type, pkKey(pk))), await readHiddenGen(d));
      const meta = (await d.meta.get('sync')) as SyncMeta;
      return { record: row ? recordFromStorable(row.r) : undefined, serverVersion: meta.serverVersion };
    });
  }

  /** The current records of some objects (after another tab committed them). */
  async read(keys: readonly [string, string][]): Promise<ObjectChange[]> {
    const d = this.storage.db;
    const rows = await d.transaction('r', d.objects, d.meta, async () => {
      const gen = await readHiddenGen(d);
      return (await d.objects.bulkGet(keys.map(([t, k]) => rowId(t, k)))).map((r) => visible(r, gen));
    });
    return rows.map((r, i) => ({ type: keys[i]![0], key: keys[i]![1], record: r ? recordFromStorable(r.r) : undefined }));
  }

  // ---- sync -----------------------------------------------------------------------------------

  progress(meta: SyncMeta, extra: { downloaded?: number; downloadable?: number } = {}): SyncProgress {
    const last = meta.nextClientVersion - 1;
    return {
      pendingUploads: Math.max(0, last - meta.ackedClientVersion),
      lastClientVersion: last,
      acknowledgedClientVersion: meta.ackedClientVersion,
      serverVersion: meta.serverVersion,
      latestServerVersion: Math.max(meta.latestServerVersion, meta.serverVersion),
      downloaded: extra.downloaded ?? meta.serverVersion,
      downloadable: extra.downloadable ?? Math.max(meta.latestServerVersion, meta.serverVersion),
    };
  }

  /** Takes the file ident the server allocated; local changesets written before it get it as origin. */
  async identify(fileIdent: number, salt: string): Promise<SyncMeta> {
    const d = this.storage.db;
    return d.transaction('rw', d.meta, d.history, async () => {
      const meta = (await d.meta.get('sync')) as SyncMeta;
      if (meta.fileIdent !== null) return meta;
      await d.history.toCollection().modify((row: LocalHistoryRow) => {
        if (row.origin === 0) (row as { origin: number }).origin = fileIdent;
      });
      const next: SyncMeta = { ...meta, fileIdent, salt };
      await d.meta.put(next);
      return next;
    });
  }

  /**
   * The server refused local changesets from client version `from` on as stamped too far ahead of
   * its clock (`clock_skew`): none of them was integrated (the server integrates in order, and an
   * integrated one was within the bound then, hence now). The clock is corrected to the server's
   * time and those stamped past it get new timestamps from the corrected clock; the order of the
   * changesets (their client versions) is unchanged, so is what they do.
   */
  async restamp(from: number, serverTime: number): Promise<number> {
    const d = this.storage.strict;
    try {
      return await d.transaction('rw', d.history, d.meta, async () => {
        const meta = (await d.meta.get('sync')) as SyncMeta;
        this.clock.syncTo(serverTime);
        this.clock.clampTo(hlcFromWall(serverTime));
        const limit = hlcFromWall(serverTime + 1);
        const rows = await d.history.where('v').aboveOrEqual(Math.max(from, meta.ackedClientVersion + 1)).toArray();
        const changed = rows.filter((r) => r.ts >= limit).map((r) => ({ ...r, ts: this.clock.tick() }));
        if (changed.length) await d.history.bulkPut(changed);
        await d.meta.put({ ...meta, hlc: this.clock.current });
        return changed.length;
      });
    } catch (err) {
      throw storageError(err);
    }
  }

  /** Local changesets after `after` (and past the acknowledged cursor), rebased onto the download cursor. */
  async pendingUploads(after: number, maxCount: number): Promise<UploadBatch> {
    const d = this.storage.db;
    return d.transaction('r', d.meta, d.history, async () => {
      const meta = (await d.meta.get('sync')) as SyncMeta;
      const from = Math.max(after, meta.ackedClientVersion);
      const rows = await d.history.where('v').above(from).limit(maxCount).toArray();
      return { base: meta.serverVersion, entries: rows.map((r) => ({ clientVersion: r.v, changeset: this.changesetOf(r) })) };
    });
  }

  /** Holds a client-reset STATE segment until the last one arrives (src/worker/reset/controller.ts). */
  async holdBatch(queryVersion: number, frame: string): Promise<void> {
    await this.storage.db.batches.add({ queryVersion, frame });
  }

  async heldBatches(): Promise<BatchRow[]> {
    return this.storage.db.batches.orderBy('id').toArray();
  }

  async clearBatches(): Promise<void> {
    const d = this.storage.db;
    await d.transaction('rw', [d.batches, d.meta, d.objects], async () => {
      await d.batches.clear();
      await dropHidden(d);
    });
  }

  /**
   * Stores a download of a bootstrap as it arrives (one small transaction), out of the objects
   * the app queries: `integrate(..., { staged: true })` applies them all when the bootstrap is
   * complete. Returns where the client stands with it, `previous` being the staged cursor so far.
   */
  async stageDownload(m: Download, frame: string, previous: StagedCursor | undefined): Promise<StagedCursor> {
    const ahead = !previous || m.cursor.serverVersion >= previous.serverVersion;
    const staged: StagedCursor = ahead
      ? { serverVersion: m.cursor.serverVersion, clientVersion: Math.max(m.cursor.clientVersion, previous?.clientVersion ?? 0), versionSalt: m.versionSalt }
      : { ...previous, clientVersion: Math.max(m.cursor.clientVersion, previous.clientVersion) };
    const d = this.storage.db;
    try {
      await d.transaction('rw', [d.meta, d.objects, d.batches], async () => {
        // Applied at once where nothing local meets it (hidden-bootstrap.ts); staged either way.
        await applyHidden(d, this.schema, this.clock, (t, rec) => this.row(t, rec), m, staged, previous);
        await d.batches.add({ queryVersion: m.queryVersion, frame, staged });
      });
    } catch (err) {
      throw storageError(err);
    }
    return staged;
  }

  /**
   * The cursor of the downloads staged by an unfinished bootstrap (a dropped connection, a
   * reload), or undefined when there are none. Anything else held (a client reset's segments,
   * rows of an older format) cannot be resumed from and is dropped.
   */
  async stagedCursor(): Promise<StagedCursor | undefined> {
    const d = this.storage.db;
    return d.transaction('rw', [d.batches, d.meta, d.objects], async () => {
      const last = await d.batches.orderBy('id').last();
      if (last?.staged) return last.staged;
      await d.batches.clear();
      await dropHidden(d);
      return undefined;
    });
  }

  /**
   * Integrates downloads in one transaction: the algorithm of SimClient.receive over IndexedDB.
   * With `staged`, first every download staged by a bootstrap, read back and applied one at a
   * time (memory bounded by one download, not by the bootstrap), then `downloads`; the staged
   * rows are dropped in the same transaction, so the app's queries see the state before the
   * bootstrap or the state after it, never a part. Foreign changesets are transformed against
   * the unacknowledged local ones (which come out rebased, ready to upload on the new cursor) and
   * applied; nothing downloaded ever enters the local history.
   */
  async integrate(
    downloads: readonly Download[],
    latestServerVersion: number,
    options: { staged?: boolean } = {},
  ): Promise<IntegrationResult & { queryVersions: number[]; heldObjects: number }> {
    const d = this.storage.db;
    try {
      return await d.transaction('rw', [d.meta, d.history, d.objects, d.batches], async () => {
        const meta = (await d.meta.get('sync')) as SyncMeta;
        const hidden = options.staged ? ((await d.meta.get(STAGING_KEY)) as StagingRow | undefined) : undefined;
        let local = (await d.history.where('v').above(meta.ackedClientVersion).toArray()).map((r) => ({
          v: r.v,
          cs: this.changesetOf(r),
          dirty: false,
        }));
        let server = meta.serverVersion;
        let salt = meta.versionSalt ?? '';
        let acked = meta.ackedClientVersion;
        this.clock.observe(meta.hlc);
        const queryVersions = new Set<number>();
        /** The most objects held in memory at once (one download's), for the memory bound. */
        let heldObjects = 0;
        // What changed, for live queries: object by object up to a bound, then only the types.
        const changes = new Map<string, ObjectChange>();
        let changedTypes: Set<string> | undefined;
        const ack = (upTo: number): void => {
          if (upTo <= acked) return;
          acked = upTo;
          local = local.filter((l) => l.v > acked);
        };
        const keysOf = (instrs: readonly Instruction[]): [string, string][] =>
          instrs.filter((i) => i.op !== 'AddType' && i.op !== 'AddField').map((i) => [i.type, pkKey((i as { pk: PrimaryKey }).pk)]);

        /** Applies some downloads and writes the objects they changed (inside the transaction). */
        const apply = async (batch: readonly Download[]): Promise<void> => {
          const state = new ObjectState(this.schema);
          const before = new Map<string, { t: string; k: string; rec: ObjectRecord | undefined }>();
          const load = async (keys: [string, string][]): Promise<void> => {
            const missing = keys.filter(([t, k]) => !before.has(key2(t, k)));
            if (missing.length === 0) return;
            const unique = [...new Map(missing.map((x) => [key2(x[0], x[1]), x])).values()];
            const rows = await getRows(d.objects, unique.map(([t, k]) => rowId(t, k)));
            rows.forEach((r, i) => {
              const [t, k] = unique[i]!;
              const rec = r ? recordFromStorable(r.r) : undefined;
              before.set(key2(t, k), { t, k, rec: rec ? recordFromStorable(r!.r) : undefined });
              if (rec) state.put(t, k, rec);
            });
          };
          // Load everything the downloads name up front (one read), the rest lazily.
          const upfront: [string, string][] = [];
          for (const m of batch) for (const item of m.items) if (item.serverVersion > server) upfront.push(...keysOf(item.changeset.instructions));
          await load(upfront);

          for (const m of batch) {
            queryVersions.add(m.queryVersion);
            for (const item of m.items) {
              // Objects entering or leaving this session's view come as changesets too (private
              // rows that create the object with its state, or erase it here only): one path.
              if (item.serverVersion <= server) continue; // a duplicate
              ack(item.clientVersion);
              this.clock.observe(item.changeset.timestamp);
              // The local schema is fixed: schema instructions (development mode) are not applied here.
              const incoming: Changeset = {
                ...item.changeset,
                instructions: item.changeset.instructions.filter((i) => i.op !== 'AddType' && i.op !== 'AddField'),
              };
              const r = rebase(incoming, local.map((l) => l.cs));
              await load(keysOf(r.changeset.instructions));
              applyChangeset(state, r.changeset);
              r.concurrent.forEach((c, k) => {
                if (c !== local[k]!.cs) {
                  local[k]!.cs = c;
                  local[k]!.dirty = true;
                }
              });
              server = item.serverVersion;
            }
            // The salt names the version the cursor stands at; a stale resend leaves both alone.
            if (m.cursor.serverVersion >= server) {
              server = m.cursor.serverVersion;
              salt = m.versionSalt;
            }
            if (m.cursor.clientVersion > meta.nextClientVersion - 1) {
              // The server acknowledges changesets this database never wrote: it is another
              // database's history (or this one was restored from an older copy). Nothing is applied.
              throw new OutpostError('bad_cursor', `the server acknowledges client version ${m.cursor.clientVersion}, but this database wrote only ${meta.nextClientVersion - 1}`);
            }
            ack(m.cursor.clientVersion);
          }

          const puts: ObjectRow[] = [];
          const dels: string[] = [];
          for (const { t, k, rec: was } of before.values()) {
            const rec = state.getByKey(t, k);
            if (!rec && !was) continue;
            if (rec && was && valuesEqual(rec, was)) continue;
            if (rec) puts.push(this.row(t, rec));
            else dels.push(rowId(t, k));
            if (changedTypes) changedTypes.add(t);
            else {
              changes.set(key2(t, k), { type: t, key: k, record: rec });
              if (changes.size > MAX_TRACKED_CHANGES) {
                changedTypes = new Set([...changes.values()].map((c) => c.type));
                changes.clear();
              }
            }
          }
          heldObjects = Math.max(heldObjects, before.size);
          // Straight to IndexedDB in this transaction (Dexie's bulkPut bookkeeping cost about half
          // the puts' own time in the bench's profile); a failed request aborts the transaction.
          const store = (Dexie.currentTransaction as unknown as { idbtrans: IDBTransaction }).idbtrans.objectStore('objects');
          for (const r of puts) store.put(r);
          for (const id of dels) store.delete(id);
        };

        if (hidden?.active && !hidden.fallback && hidden.next === meta.nextClientVersion) {
          // Every staged download was applied hidden and nothing local met it: the switch is
          // the cursor and the staging row (the rows are there already).
          const c = hidden.cursor;
          if (c) {
            ack(c.clientVersion);
            if (c.serverVersion >= server) {
              server = c.serverVersion;
              salt = c.versionSalt;
            }
          }
          for (const v of hidden.queryVersions) queryVersions.add(v);
          changedTypes = new Set([...[...changes.values()].map((x) => x.type), ...hidden.types]);
          changes.clear();
          await d.meta.put(finished(hidden) as never);
          await d.batches.clear();
        } else if (options.staged) {
          // The old way (hidden-bootstrap.ts): drop what was applied hidden, apply every staged
          // download, one at a time, in the order they arrived.
          await dropHidden(d);
          let after = 0;
          for (;;) {
            const row = await d.batches.where(':id').above(after).first();
            if (!row) break;
            after = row.id!;
            if (row.staged) await apply([parseServerMessage(row.frame) as Download]);
          }
          await d.batches.clear();
        }
        if (downloads.length) await apply(downloads);

        if (acked > meta.ackedClientVersion) await this.trimHistory(acked);
        const dirty = local.filter((l) => l.dirty);
        if (dirty.length) await d.history.bulkPut(dirty.map((l) => this.historyRow(l.v, l.cs)));
        this.forget(acked);
        const next: SyncMeta = {
          ...meta,
          serverVersion: server,
          versionSalt: salt,
          ackedClientVersion: acked,
          hlc: this.clock.current,
          latestServerVersion: Math.max(meta.latestServerVersion, latestServerVersion, server),
        };
        await d.meta.put(next);
        const list = [...changes.values()];
        return {
          changes: list,
          meta: next,
          large: changedTypes !== undefined || list.length > 200,
          ...(changedTypes ? { changedTypes: [...changedTypes] } : {}),
          queryVersions: [...queryVersions],
          heldObjects,
        };
      });
    } catch (err) {
      throw storageError(err);
    }
  }

  /**
   * Drops acknowledged changesets past the retention limits (inside the caller's transaction).
   * Client versions have no gaps and HLC timestamps grow with them, so both limits cut a prefix.
   */
  private async trimHistory(acked: number): Promise<void> {
    const d = this.storage.db;
    const { maxRows, maxAgeMs } = this.historyRetention;
    let below = acked - maxRows + 1;
    const cutoff = hlcFromWall(Date.now() - maxAgeMs);
    // Reads only the rows about to go (and the first one that stays).
    const old = await d.history.where('v').belowOrEqual(acked).until((r) => r.ts >= cutoff).toArray();
    if (old.length) below = Math.max(below, old[old.length - 1]!.v + 1);
    if (below > 1) await d.history.where('v').below(below).delete();
  }

  // ---- subscriptions ------------------------------------------------------------------------

  async subscriptionSets(): Promise<SubscriptionSetInfo[]> {
    const rows = await this.storage.db.subs.orderBy('version').toArray();
    return rows.map(toInfo);
  }

  /** The set a session should announce: the latest one that was not rejected. */
  async activeSet(): Promise<SubscriptionSetInfo> {
    const rows = await this.storage.db.subs.orderBy('version').reverse().toArray();
    const row = rows.find((r) => r.state !== 'error');
    return row ? toInfo(row) : { version: 0, state: 'complete', queries: [] };
  }

  /** Applies mutations to the latest set; a new version only when the queries changed. */
  async mutateSubscriptions(mutations: readonly SubscriptionMutation[]): Promise<{ set: SubscriptionSetInfo; changed: boolean }> {
    const d = this.storage.db;
    return d.transaction('rw', d.subs, async () => {
      const rows = await d.subs.orderBy('version').reverse().toArray();
      const base = rows.find((r) => r.state !== 'error');
      const maxVersion = rows[0]?.version ?? 0;
      let queries: LocalSubscription[] = [...(base?.queries ?? [])];
      const now = Date.now();
      for (const m of mutations) {
        switch (m.op) {
          case 'add': {
            const same = (q: LocalSubscription) => q.objectType === m.sub.objectType && q.query === m.sub.query && storableEqual(q.args, m.sub.args);
            if (m.sub.name !== undefined) {
              const i = queries.findIndex((q) => q.name === m.sub.name);
              if (i >= 0) {
                if (same(queries[i]!)) break;
                if (!m.updateExisting) {
                  throw new OutpostError('bad_query', `a subscription named "${m.sub.name}" already exists with another query`, { name: m.sub.name });
                }
                queries[i] = { ...m.sub, createdAt: queries[i]!.createdAt };
                break;
              }
            } else if (queries.some((q) => q.name === undefined && same(q))) break;
            queries.push({ ...m.sub, createdAt: now });
            break;
          }
          case 'removeByName':
            queries = queries.filter((q) => q.name !== m.name);
            break;
          case 'remove':
            queries = queries.filter((q) => !(q.objectType === m.objectType && q.query === m.query && storableEqual(q.args, m.args)));
            break;
          case 'removeByType':
            queries = queries.filter((q) => q.objectType !== m.objectType);
            break;
          case 'removeAll':
            queries = [];
            break;
        }
      }
      if (base && storableEqual(base.queries, queries)) return { set: toInfo(base), changed: false };
      if (!base && queries.length === 0) return { set: { version: 0, state: 'complete' as const, queries: [] }, changed: false };
      const row: SubscriptionRow = { version: maxVersion + 1, state: 'pending', queries, updatedAt: now };
      await d.subs.put(row);
      return { set: toInfo(row), changed: true };
    });
  }

  /** Moves a set to a new state; a completed set supersedes the older ones. */
  async setSubscriptionState(version: number, state: SubscriptionState, error?: WireError): Promise<boolean> {
    const d = this.storage.db;
    return d.transaction('rw', d.subs, async () => {
      const row = await d.subs.get(version);
      if (!row || row.state === state || row.state === 'error' || row.state === 'superseded' || row.state === 'complete') return false;
      await d.subs.put({ ...row, state, ...(error ? { error } : {}), updatedAt: Date.now() });
      if (state === 'complete') {
        const older = await d.subs.where('version').below(version).toArray();
        for (const o of older) if (o.state !== 'error' && o.state !== 'superseded') await d.subs.put({ ...o, state: 'superseded', updatedAt: Date.now() });
        // Keep the history of sets short: the last few superseded or rejected ones are enough.
        const stale = (await d.subs.where('version').below(version).toArray()).filter((o) => o.state === 'superseded' || o.state === 'error');
        if (stale.length > 5) await d.subs.bulkDelete(stale.slice(0, stale.length - 5).map((o) => o.version));
      }
      return true;
    });
  }
}

function toInfo(r: SubscriptionRow): SubscriptionSetInfo {
  return { version: r.version, state: r.state, queries: r.queries, ...(r.error ? { error: r.error } : {}) };
}

export type { LocalHistoryRow };
