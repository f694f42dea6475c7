import type { Changeset } from '../../changeset/index.ts';
import type { ObjectRecord, ObjectSchemaInput, PrimaryKey } from '../../model/index.ts';
import type {
  ClientFileExpiry,
  ClientFilePatch,
  ClientFileRow,
  ClientFileSelector,
  ConflictBound,
  ConflictQuery,
  ConflictRow,
  HistoryRow,
  NewConflict,
  ObjectKey,
  StoreWriter,
  ViewChange,
  ViewFilter,
} from '../store/types.ts';
import { cloneValue, pkKey } from '../../model/index.ts';
import { objectKeyString } from '../store/types.ts';
import { prepareRow, type CachedRow, type HistoryCache } from './history-cache.ts';

interface Prefetch {
  readonly ident: number;
  readonly base: number;
  reciprocal: Promise<Map<number, Changeset>> | undefined;
  readonly keys: ReadonlySet<string>;
  objects: Promise<Map<string, ObjectRecord>> | undefined;
}

/*
 * The store writer a group commit's uploads run on (group-commit.ts): the store's own, with two
 * reads served from memory, because under the append lock every read is time the other uploads
 * (and, on PostgreSQL, the other nodes) wait.
 *
 * - History: the rows committed before this transaction began come from the engine's history
 *   cache (read and decoded once for every session's downloads), the rows this transaction
 *   appended from what it appended. An upload's concurrent window and its session's catch-up
 *   are then no store reads at all: before, each upload re-read and re-decoded every row since
 *   its base, about W rows for each of W writers.
 * - Client files: read once per transaction (the session guard and the integration read the
 *   same row); an update or an expiry forgets it, and so does a savepoint that is undone.
 *
 * Rows committed before the transaction cannot change while it holds the append lock (only
 * compaction deletes rows, and it runs under the same lock); where the cache cannot give exactly
 * the rows asked for (a gap left by compaction), the store is asked instead.
 */
export class GroupWriter implements StoreWriter {
  /** Rows appended in this transaction, in version order (undone savepoints removed). */
  private readonly own: HistoryRow[] = [];
  private readonly prepared = new Map<number, CachedRow>();
  /** The latest committed version when this transaction began (every row up to it is committed). */
  private committed: number | undefined;
  private readonly files = new Map<number, Promise<ClientFileRow | undefined>>();
  /** Reads sent ahead for the upload being integrated (see `prefetch`), each used at most once. */
  private ahead: Prefetch | undefined;

  constructor(
    private readonly tx: StoreWriter,
    private readonly cache: HistoryCache,
  ) {}

  private async committedTop(): Promise<number> {
    if (this.committed === undefined) this.committed = this.own.length > 0 ? this.own[0]!.version - 1 : await this.tx.latestVersion();
    return this.committed;
  }

  /** History rows with after < version <= upTo (at most `limit`), with their encodings. */
  async cachedHistory(after: number, upTo: number, limit = Number.POSITIVE_INFINITY): Promise<CachedRow[]> {
    const top = await this.committedTop();
    const out: CachedRow[] = [];
    const end = Math.min(upTo, top);
    if (after < end) {
      const want = Math.min(end - after, limit);
      const rows = await this.cache.range(after, end, want);
      if (rows.length !== want || rows[0]!.version !== after + 1) {
        // Not exactly the contiguous run asked for (compacted history): the store decides.
        return (await this.tx.history(after, upTo, Number.isFinite(limit) ? limit : undefined)).map(prepareRow);
      }
      out.push(...rows);
    }
    for (const r of this.own) {
      if (out.length >= limit) break;
      if (r.version <= after || r.version > upTo) continue;
      out.push(this.prepare(r));
    }
    return out;
  }

  private prepare(r: HistoryRow): CachedRow {
    let c = this.prepared.get(r.version);
    if (!c) this.prepared.set(r.version, (c = prepareRow(r)));
    return c;
  }

  /** The rows this transaction appended (for the cache, once it committed). */
  appendedRows(): CachedRow[] {
    return this.own.map((r) => this.prepare(r));
  }

  /**
   * Sends, without waiting, the reads an upload from client file `ident` starts with: the file,
   * its reciprocal history after `base`, and the objects `keys` (those its changesets name and
   * those the rows its session has yet to download touch). On PostgreSQL the
   * connection is pipelined, so they cost one round trip together instead of one each; the
   * integration then finds them here. A write to what was read ahead drops it (it would be
   * stale), and so does the end of the upload's savepoint.
   */
  prefetch(ident: number, base: number, keys: readonly ObjectKey[]): void {
    const quiet = <T>(p: Promise<T>) => (p.catch(() => {}), p);
    if (!this.files.has(ident)) this.files.set(ident, quiet(this.tx.getClientFile(ident)));
    this.ahead = {
      ident,
      base,
      reciprocal: quiet(this.tx.reciprocal(ident, base)),
      keys: new Set(keys.map((k) => objectKeyString(k.type, pkKey(k.pk as PrimaryKey)))),
      objects: keys.length > 0 ? quiet(this.tx.getObjects(keys)) : undefined,
    };
  }

  history(after: number, upTo: number, limit?: number): Promise<HistoryRow[]> {
    return this.cachedHistory(after, upTo, limit);
  }

  async appendHistory(row: Omit<HistoryRow, 'version'>): Promise<number> {
    await this.committedTop();
    const version = await this.tx.appendHistory(row);
    this.own.push({ ...row, version });
    return version;
  }

  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const appended = this.own.length;
    try {
      return await this.tx.savepoint(fn);
    } catch (err) {
      for (const r of this.own.splice(appended)) this.prepared.delete(r.version);
      this.files.clear();
      throw err;
    } finally {
      this.ahead = undefined;
    }
  }

  getClientFile(ident: number): Promise<ClientFileRow | undefined> {
    let file = this.files.get(ident);
    if (!file) this.files.set(ident, (file = this.tx.getClientFile(ident)));
    // A failed read is not kept: the next caller asks again.
    file.catch(() => this.files.get(ident) === file && this.files.delete(ident));
    return file;
  }

  async reciprocal(ident: number, after: number): Promise<Map<number, Changeset>> {
    const a = this.ahead;
    if (a?.reciprocal && a.ident === ident && after >= a.base) {
      const read = a.reciprocal;
      a.reciprocal = undefined;
      const out = new Map<number, Changeset>();
      for (const [v, c] of await read) if (v > after) out.set(v, c);
      return out;
    }
    return this.tx.reciprocal(ident, after);
  }

  async getObjects(keys: readonly ObjectKey[]): Promise<Map<string, ObjectRecord>> {
    const a = this.ahead;
    if (a?.objects && keys.length > 0 && keys.every((k) => a.keys.has(objectKeyString(k.type, pkKey(k.pk as PrimaryKey))))) {
      const found = await a.objects;
      const out = new Map<string, ObjectRecord>();
      // In the order asked for, as the stores answer; a copy each (callers change what they get).
      for (const k of keys) {
        const s = objectKeyString(k.type, pkKey(k.pk as PrimaryKey));
        const rec = found.get(s);
        if (rec && !out.has(s)) out.set(s, cloneValue(rec));
      }
      return out;
    }
    return this.tx.getObjects(keys);
  }

  /** A write to objects read ahead makes that read stale. */
  private wrote(keys: readonly ObjectKey[]): void {
    const a = this.ahead;
    if (a?.objects && keys.some((k) => a.keys.has(objectKeyString(k.type, pkKey(k.pk as PrimaryKey))))) a.objects = undefined;
  }

  updateClientFile(ident: number, patch: ClientFilePatch): Promise<void> {
    this.files.delete(ident);
    return this.tx.updateClientFile(ident, patch);
  }

  expireClientFiles(selector: ClientFileSelector, expiry: ClientFileExpiry): Promise<number> {
    this.files.clear();
    this.ahead = undefined;
    return this.tx.expireClientFiles(selector, expiry);
  }

  compactHistory(below: number): Promise<number> {
    this.ahead = undefined;
    // The cache is not told here: reads below what compaction deleted go to the store (above).
    return this.tx.compactHistory(below);
  }

  // ---- the rest goes to the store's writer as it is -------------------------------------------

  latestVersion(): Promise<number> {
    return this.tx.latestVersion();
  }
  privateHistory(ident: number, after: number, upTo: number): Promise<HistoryRow[]> {
    return this.tx.privateHistory(ident, after, upTo);
  }
  queryObjects(type: string, filter: ViewFilter, page: { afterPk?: string; limit: number }): Promise<{ pk: string; record: ObjectRecord }[]> {
    return this.tx.queryObjects(type, filter, page);
  }
  inView(ident: number, keys: readonly ObjectKey[]): Promise<Set<string>> {
    return this.tx.inView(ident, keys);
  }
  viewOf(ident: number, type: string): Promise<string[]> {
    return this.tx.viewOf(ident, type);
  }
  viewLog(ident: number, after: number): Promise<ViewChange[]> {
    return this.tx.viewLog(ident, after);
  }
  getSchema(): Promise<ObjectSchemaInput[] | undefined> {
    return this.tx.getSchema();
  }
  syncHorizon(): Promise<number | undefined> {
    return this.tx.syncHorizon();
  }
  firstVersion(): Promise<number> {
    return this.tx.firstVersion();
  }
  listConflicts(query: ConflictQuery): Promise<ConflictRow[]> {
    return this.tx.listConflicts(query);
  }
  putObjects(objects: readonly { type: string; pk: PrimaryKey; record: ObjectRecord }[]): Promise<void> {
    this.wrote(objects);
    return this.tx.putObjects(objects);
  }
  deleteObjects(keys: readonly ObjectKey[]): Promise<void> {
    this.wrote(keys);
    return this.tx.deleteObjects(keys);
  }
  putReciprocal(ident: number, version: number, changeset: Changeset): Promise<void> {
    if (this.ahead?.ident === ident) this.ahead.reciprocal = undefined;
    return this.tx.putReciprocal(ident, version, changeset);
  }
  pruneReciprocal(ident: number, upTo: number): Promise<void> {
    if (this.ahead?.ident === ident) this.ahead.reciprocal = undefined;
    return this.tx.pruneReciprocal(ident, upTo);
  }
  addToView(ident: number, keys: readonly ObjectKey[]): Promise<void> {
    return this.tx.addToView(ident, keys);
  }
  removeFromView(ident: number, keys: readonly ObjectKey[]): Promise<void> {
    return this.tx.removeFromView(ident, keys);
  }
  logViewChanges(ident: number, version: number, changes: readonly ViewChange[]): Promise<void> {
    return this.tx.logViewChanges(ident, version, changes);
  }
  settleViewLog(ident: number, upTo: number): Promise<void> {
    return this.tx.settleViewLog(ident, upTo);
  }
  dropViewLog(ident: number, after: number): Promise<void> {
    return this.tx.dropViewLog(ident, after);
  }
  setSchema(schema: readonly ObjectSchemaInput[]): Promise<void> {
    return this.tx.setSchema(schema);
  }
  recordConflicts(entries: readonly NewConflict[], bound: ConflictBound): Promise<void> {
    return this.tx.recordConflicts(entries, bound);
  }
}
