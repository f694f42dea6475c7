import { randomBytes } from 'node:crypto';
import type { Changeset } from '../../changeset/index.ts';
import { pkKey, type ObjectRecord, type ObjectSchemaInput, type PrimaryKey } from '../../model/index.ts';
import type { ObjectResolver } from '../../query/index.ts';
import {
  changesetFromJson,
  conflictFromJson,
  conflictToJson,
  changesetToJson,
  compareCodePoints,
  docFromJson,
  docToJson,
  keyText,
  netViewChanges,
  pkFromJson,
  pkToJson,
  unknownClientFile,
} from './codec.ts';
import { MemoryAuthStore } from './memory-auth.ts';
import { Mutex } from './mutex.ts';
import { TxMap } from './tx-map.ts';
import {
  objectKeyString,
  type ClientFileExpiry,
  type ClientFilePatch,
  type ClientFileRow,
  type ClientFilePage,
  type ClientFileSelector,
  type ConflictBound,
  type ConflictQuery,
  type ConflictRow,
  type HistoryRow,
  type NewConflict,
  type ObjectKey,
  type ServerStore,
  type StoreReader,
  type StoreWriter,
  type ViewChange,
  type ViewFilter,
} from './types.ts';
import { viewMatches } from './view-query.ts';

/*
 * The in-memory store, for fast unit tests. It keeps the same encoded forms as the SQL stores
 * (storage documents, encoded changesets) so values normalize identically, and the same
 * isolation: a transaction writes to overlays (TxMap) that become visible only on commit.
 */

interface StoredHistory {
  readonly origin: number;
  readonly originVersion: number;
  readonly privateTo: number | null;
  readonly changeset: string;
}

interface StoredObject {
  readonly type: string;
  readonly pk: string;
  readonly doc: string;
}

interface Tables<M extends 'base' | 'tx'> {
  history: M extends 'base' ? Map<number, StoredHistory> : TxMap<number, StoredHistory>;
  objects: M extends 'base' ? Map<string, StoredObject> : TxMap<string, StoredObject>;
  clientFiles: M extends 'base' ? Map<number, string> : TxMap<number, string>;
  reciprocal: M extends 'base' ? Map<string, { ident: number; version: number; changeset: string }> : TxMap<string, { ident: number; version: number; changeset: string }>;
  views: M extends 'base' ? Map<string, { ident: number; type: string; pk: string }> : TxMap<string, { ident: number; type: string; pk: string }>;
  meta: M extends 'base' ? Map<string, string> : TxMap<string, string>;
  viewLog: M extends 'base' ? Map<string, LoggedView> : TxMap<string, LoggedView>;
  /** The conflict journal by id: the encoded entry, its loser and when it was dismissed. */
  conflicts: M extends 'base' ? Map<number, StoredConflict> : TxMap<number, StoredConflict>;
}

interface StoredConflict {
  readonly at: number;
  readonly loserUser: string | null;
  readonly type: string;
  readonly dismissedAt: number | null;
  readonly entry: string;
}

interface LoggedView {
  readonly ident: number;
  readonly seq: number;
  readonly version: number;
  readonly kind: 'add' | 'remove';
  readonly type: string;
  readonly pk: string;
}

function overlay(base: Tables<'base'>): Tables<'tx'> {
  return {
    history: new TxMap(base.history),
    objects: new TxMap(base.objects),
    clientFiles: new TxMap(base.clientFiles),
    reciprocal: new TxMap(base.reciprocal),
    views: new TxMap(base.views),
    meta: new TxMap(base.meta),
    viewLog: new TxMap(base.viewLog),
    conflicts: new TxMap(base.conflicts),
  };
}

const viewKey = (ident: number, type: string, pk: string): string => `${ident}\u0000${type}\u0000${pk}`;
const recKey = (ident: number, version: number): string => `${ident}\u0000${version}`;

/** Reads and writes over one set of tables (committed ones for readers, overlays for a transaction). */
class MemoryAccess implements StoreWriter {
  appended = 0;

  constructor(
    private readonly t: Tables<'tx'>,
    private readonly baseLatest: () => number,
    private readonly live: () => void,
    private readonly nextSeq: () => number = () => {
      throw new Error('read-only');
    },
    private readonly nextConflictId: () => number = () => {
      throw new Error('read-only');
    },
  ) {}

  async latestVersion(): Promise<number> {
    this.live();
    return this.baseLatest() + this.appended;
  }

  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    this.live();
    const marks = Object.values(this.t).map((m: TxMap<unknown, unknown>) => [m, m.mark()] as const);
    const appended = this.appended;
    try {
      return await fn();
    } catch (err) {
      for (const [m, mark] of marks) m.restore(mark);
      this.appended = appended;
      throw err;
    }
  }

  async history(after: number, upTo: number, limit?: number): Promise<HistoryRow[]> {
    this.live();
    const out: HistoryRow[] = [];
    const last = Math.min(upTo, this.baseLatest() + this.appended);
    for (let v = Math.max(after, 0) + 1; v <= last && (limit === undefined || out.length < limit); v++) {
      const h = this.t.history.get(v);
      if (h) out.push({ version: v, origin: h.origin, originVersion: h.originVersion, privateTo: h.privateTo, changeset: changesetFromJson(h.changeset) });
    }
    return out;
  }

  async privateHistory(ident: number, after: number, upTo: number): Promise<HistoryRow[]> {
    this.live();
    const out: HistoryRow[] = [];
    const last = Math.min(upTo, this.baseLatest() + this.appended);
    for (let v = Math.max(after, 0) + 1; v <= last; v++) {
      const h = this.t.history.get(v);
      if (h && h.privateTo === ident) out.push({ version: v, origin: h.origin, originVersion: h.originVersion, privateTo: h.privateTo, changeset: changesetFromJson(h.changeset) });
    }
    return out;
  }

  async getObjects(keys: readonly ObjectKey[]): Promise<Map<string, ObjectRecord>> {
    this.live();
    const out = new Map<string, ObjectRecord>();
    for (const key of keys) {
      const k = keyText(key);
      const o = this.t.objects.get(k);
      if (o) out.set(k, docFromJson(o.doc));
    }
    return out;
  }

  async queryObjects(type: string, filter: ViewFilter, page: { afterPk?: string; limit: number }): Promise<{ pk: string; record: ObjectRecord }[]> {
    this.live();
    const limit = Math.max(0, Math.floor(page.limit));
    if (limit === 0 || filter.subscriptions.length === 0) return [];
    for (const q of [...filter.subscriptions, ...(filter.readFilter ? [filter.readFilter] : [])]) {
      if (q.typeName !== type) throw new Error(`query is for ${q.typeName}, not ${type}`);
    }
    const resolver: ObjectResolver = {
      get: (t: string, pk: PrimaryKey) => {
        const o = this.t.objects.get(objectKeyString(t, pkKey(pk)));
        return o ? docFromJson(o.doc) : undefined;
      },
    };
    const candidates = [...this.t.objects.entries()]
      .map(([, o]) => o)
      .filter((o) => o.type === type && (page.afterPk === undefined || compareCodePoints(o.pk, page.afterPk) > 0))
      .sort((a, b) => compareCodePoints(a.pk, b.pk));
    const out: { pk: string; record: ObjectRecord }[] = [];
    for (const o of candidates) {
      const record = docFromJson(o.doc);
      if (!viewMatches(filter, record, resolver)) continue;
      out.push({ pk: o.pk, record });
      if (out.length === limit) break;
    }
    return out;
  }

  async getClientFile(ident: number): Promise<ClientFileRow | undefined> {
    this.live();
    const raw = this.t.clientFiles.get(ident);
    return raw === undefined ? undefined : (JSON.parse(raw) as ClientFileRow);
  }

  async listClientFiles(page: ClientFilePage): Promise<ClientFileRow[]> {
    this.live();
    const rows = [...this.t.clientFiles.values()].map((raw) => JSON.parse(raw) as ClientFileRow);
    return rows
      .filter((f) => (page.beforeIdent === undefined || f.ident < page.beforeIdent) && (page.userId === undefined || f.userId === page.userId))
      .sort((a, b) => b.ident - a.ident)
      .slice(0, page.limit);
  }

  async reciprocal(ident: number, after: number): Promise<Map<number, Changeset>> {
    this.live();
    const rows = [...this.t.reciprocal.entries()].map(([, r]) => r).filter((r) => r.ident === ident && r.version > after);
    rows.sort((a, b) => a.version - b.version);
    return new Map(rows.map((r) => [r.version, changesetFromJson(r.changeset)]));
  }

  async inView(ident: number, keys: readonly ObjectKey[]): Promise<Set<string>> {
    this.live();
    const out = new Set<string>();
    for (const key of keys) {
      const pk = pkKey(key.pk as PrimaryKey);
      if (this.t.views.has(viewKey(ident, key.type, pk))) out.add(objectKeyString(key.type, pk));
    }
    return out;
  }

  async viewOf(ident: number, type: string): Promise<string[]> {
    this.live();
    const out: string[] = [];
    for (const [, v] of this.t.views.entries()) if (v.ident === ident && v.type === type) out.push(v.pk);
    return out.sort(compareCodePoints);
  }

  async getSchema(): Promise<ObjectSchemaInput[] | undefined> {
    this.live();
    const raw = this.t.meta.get('schema');
    return raw === undefined ? undefined : (JSON.parse(raw) as ObjectSchemaInput[]);
  }

  async appendHistory(row: Omit<HistoryRow, 'version'>): Promise<number> {
    this.live();
    const version = this.baseLatest() + this.appended + 1;
    this.t.history.set(version, { origin: row.origin, originVersion: row.originVersion, privateTo: row.privateTo, changeset: changesetToJson(row.changeset) });
    this.appended++;
    return version;
  }

  async putObjects(objects: readonly { type: string; pk: PrimaryKey; record: ObjectRecord }[]): Promise<void> {
    this.live();
    for (const o of objects) {
      const pk = pkKey(o.pk);
      this.t.objects.set(objectKeyString(o.type, pk), { type: o.type, pk, doc: docToJson(o.record) });
    }
  }

  async deleteObjects(keys: readonly ObjectKey[]): Promise<void> {
    this.live();
    for (const key of keys) this.t.objects.delete(keyText(key));
  }

  async putReciprocal(ident: number, version: number, changeset: Changeset): Promise<void> {
    this.live();
    this.t.reciprocal.set(recKey(ident, version), { ident, version, changeset: changesetToJson(changeset) });
  }

  async pruneReciprocal(ident: number, upTo: number): Promise<void> {
    this.live();
    for (const [k, r] of [...this.t.reciprocal.entries()]) if (r.ident === ident && r.version <= upTo) this.t.reciprocal.delete(k);
  }

  async updateClientFile(ident: number, patch: ClientFilePatch): Promise<void> {
    this.live();
    const raw = this.t.clientFiles.get(ident);
    if (raw === undefined) throw unknownClientFile(ident);
    const row = JSON.parse(raw) as ClientFileRow;
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    this.t.clientFiles.set(ident, JSON.stringify({ ...row, ...defined }));
  }

  async addToView(ident: number, keys: readonly ObjectKey[]): Promise<void> {
    this.live();
    for (const key of keys) {
      const pk = pkKey(key.pk as PrimaryKey);
      this.t.views.set(viewKey(ident, key.type, pk), { ident, type: key.type, pk });
    }
  }

  async removeFromView(ident: number, keys: readonly ObjectKey[]): Promise<void> {
    this.live();
    for (const key of keys) this.t.views.delete(viewKey(ident, key.type, pkKey(key.pk as PrimaryKey)));
  }

  private logged(ident: number, keep: (version: number) => boolean): LoggedView[] {
    const rows = [...this.t.viewLog.entries()].map(([, r]) => r).filter((r) => r.ident === ident && keep(r.version));
    return rows.sort((a, b) => a.version - b.version || a.seq - b.seq);
  }

  private static change(r: LoggedView): ViewChange {
    return { kind: r.kind, type: r.type, pk: pkFromJson(r.pk), version: r.version };
  }

  async viewLog(ident: number, after: number): Promise<ViewChange[]> {
    this.live();
    return this.logged(ident, (v) => v > after).map(MemoryAccess.change);
  }

  async logViewChanges(ident: number, version: number, changes: readonly ViewChange[]): Promise<void> {
    this.live();
    for (const c of changes) {
      const seq = this.nextSeq();
      this.t.viewLog.set(`${ident}\u0000${seq}`, { ident, seq, version, kind: c.kind, type: c.type, pk: pkToJson(c.pk) });
    }
  }

  async settleViewLog(ident: number, upTo: number): Promise<void> {
    this.live();
    const rows = this.logged(ident, (v) => v <= upTo);
    const net = netViewChanges(rows.map(MemoryAccess.change));
    await this.removeFromView(ident, net.remove);
    await this.addToView(ident, net.add);
    for (const r of rows) this.t.viewLog.delete(`${ident}\u0000${r.seq}`);
  }

  async dropViewLog(ident: number, after: number): Promise<void> {
    this.live();
    for (const r of this.logged(ident, (v) => v > after)) this.t.viewLog.delete(`${ident}\u0000${r.seq}`);
  }

  async syncHorizon(): Promise<number | undefined> {
    this.live();
    let min: number | undefined;
    for (const raw of this.t.clientFiles.values()) {
      const f = JSON.parse(raw) as ClientFileRow;
      if (f.expiredAt === null && (min === undefined || f.syncedVersion < min)) min = f.syncedVersion;
    }
    return min;
  }

  async firstVersion(): Promise<number> {
    this.live();
    let min = 0;
    for (const v of this.t.history.keys()) if (min === 0 || v < min) min = v;
    return min;
  }

  async expireClientFiles(selector: ClientFileSelector, expiry: ClientFileExpiry): Promise<number> {
    this.live();
    let n = 0;
    for (const [ident, raw] of [...this.t.clientFiles.entries()]) {
      const f = JSON.parse(raw) as ClientFileRow;
      if (f.expiredAt !== null) continue;
      if (selector.idents !== undefined && !selector.idents.includes(ident)) continue;
      if (selector.userId !== undefined && f.userId !== selector.userId) continue;
      if (selector.lastSeenBefore !== undefined && !(f.lastSeenAt < selector.lastSeenBefore)) continue;
      this.t.clientFiles.set(ident, JSON.stringify({ ...f, expiredAt: expiry.at, expiredReason: expiry.reason, expiredAction: expiry.action }));
      for (const [k, r] of [...this.t.reciprocal.entries()]) if (r.ident === ident) this.t.reciprocal.delete(k);
      for (const [k, r] of [...this.t.views.entries()]) if (r.ident === ident) this.t.views.delete(k);
      for (const [k, r] of [...this.t.viewLog.entries()]) if (r.ident === ident) this.t.viewLog.delete(k);
      n++;
    }
    return n;
  }

  async compactHistory(below: number): Promise<number> {
    this.live();
    const upTo = Math.min(below, await this.latestVersion());
    let n = 0;
    for (const v of [...this.t.history.keys()]) {
      if (v < upTo) {
        this.t.history.delete(v);
        n++;
      }
    }
    for (const [k, r] of [...this.t.reciprocal.entries()]) if (r.version <= upTo) this.t.reciprocal.delete(k);
    return n;
  }

  async setSchema(schema: readonly ObjectSchemaInput[]): Promise<void> {
    this.live();
    this.t.meta.set('schema', JSON.stringify(schema));
  }

  async listConflicts(query: ConflictQuery): Promise<ConflictRow[]> {
    this.live();
    const ids = [...this.t.conflicts.keys()].sort((a, b) => (query.newestFirst ? b - a : a - b));
    const out: ConflictRow[] = [];
    for (const id of ids) {
      if (out.length >= query.limit) break;
      const c = this.t.conflicts.get(id)!;
      if (query.loserUserId !== undefined && c.loserUser !== query.loserUserId) continue;
      if (query.type !== undefined && c.type !== query.type) continue;
      if (query.afterId !== undefined && !(id > query.afterId)) continue;
      if (query.beforeId !== undefined && !(id < query.beforeId)) continue;
      if (query.includeDismissed !== true && c.dismissedAt !== null) continue;
      out.push(conflictFromJson(id, c.dismissedAt, c.entry));
    }
    return out;
  }

  async recordConflicts(entries: readonly NewConflict[], bound: ConflictBound): Promise<void> {
    this.live();
    for (const c of entries) {
      this.t.conflicts.set(this.nextConflictId(), { at: c.at, loserUser: c.loser.userId, type: c.type, dismissedAt: null, entry: conflictToJson(c) });
    }
    const ids = [...this.t.conflicts.keys()].sort((a, b) => a - b);
    const keepFrom = (ids[ids.length - 1] ?? 0) - bound.maxEntries;
    for (const id of ids) {
      if (id <= keepFrom || this.t.conflicts.get(id)!.at < bound.now - bound.maxAgeMs) this.t.conflicts.delete(id);
    }
  }

  /** On the committed tables (see MemoryStore.dismissConflicts). */
  dismiss(loserUserId: string, ids: readonly number[], at: number): number {
    let n = 0;
    for (const id of ids) {
      const c = this.t.conflicts.get(id);
      if (!c || c.loserUser !== loserUserId || c.dismissedAt !== null) continue;
      this.t.conflicts.set(id, { ...c, dismissedAt: at });
      n++;
    }
    return n;
  }
}

export class MemoryStore implements ServerStore {
  readonly dialect = 'memory' as const;
  readonly location = 'memory';
  readonly auth = new MemoryAuthStore();
  private readonly tables: Tables<'base'> = {
    history: new Map(),
    objects: new Map(),
    clientFiles: new Map(),
    reciprocal: new Map(),
    views: new Map(),
    meta: new Map(),
    viewLog: new Map(),
    conflicts: new Map(),
  };
  private latest = 0;
  private nextIdent = 2;
  private viewSeq = 0;
  private conflictSeq = 0;
  private closed = false;
  private readonly mutex = new Mutex();
  private readonly listeners = new Set<(latest: number) => void>();
  /** Committed state, read outside transactions (overlays that are never written). */
  private readonly reader: StoreReader = new MemoryAccess(overlay(this.tables), () => this.latest, () => this.checkOpen());

  private checkOpen(): void {
    if (this.closed) throw new Error('the store is closed');
  }

  latestVersion(): Promise<number> {
    return this.reader.latestVersion();
  }
  history(after: number, upTo: number, limit?: number): Promise<HistoryRow[]> {
    return this.reader.history(after, upTo, limit);
  }
  privateHistory(ident: number, after: number, upTo: number): Promise<HistoryRow[]> {
    return this.reader.privateHistory(ident, after, upTo);
  }
  getObjects(keys: readonly ObjectKey[]): Promise<Map<string, ObjectRecord>> {
    return this.reader.getObjects(keys);
  }
  queryObjects(type: string, filter: ViewFilter, page: { afterPk?: string; limit: number }): Promise<{ pk: string; record: ObjectRecord }[]> {
    return this.reader.queryObjects(type, filter, page);
  }
  getClientFile(ident: number): Promise<ClientFileRow | undefined> {
    return this.reader.getClientFile(ident);
  }
  listClientFiles(page: ClientFilePage): Promise<ClientFileRow[]> {
    return (this.reader as MemoryAccess).listClientFiles(page);
  }
  reciprocal(ident: number, after: number): Promise<Map<number, Changeset>> {
    return this.reader.reciprocal(ident, after);
  }
  inView(ident: number, keys: readonly ObjectKey[]): Promise<Set<string>> {
    return this.reader.inView(ident, keys);
  }
  viewOf(ident: number, type: string): Promise<string[]> {
    return this.reader.viewOf(ident, type);
  }
  viewLog(ident: number, after: number): Promise<ViewChange[]> {
    return this.reader.viewLog(ident, after);
  }
  getSchema(): Promise<ObjectSchemaInput[] | undefined> {
    return this.reader.getSchema();
  }
  syncHorizon(): Promise<number | undefined> {
    return this.reader.syncHorizon();
  }
  firstVersion(): Promise<number> {
    return this.reader.firstVersion();
  }
  listConflicts(query: ConflictQuery): Promise<ConflictRow[]> {
    return this.reader.listConflicts(query);
  }

  async dismissConflicts(loserUserId: string, ids: readonly number[], at: number): Promise<number> {
    this.checkOpen();
    return this.mutex.run(async () => {
      const t = overlay(this.tables);
      const n = new MemoryAccess(t, () => this.latest, () => this.checkOpen()).dismiss(loserUserId, ids, at);
      t.conflicts.commit();
      return n;
    });
  }

  async transaction<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T> {
    this.checkOpen();
    let appended = 0;
    const result = await this.mutex.run(async () => {
      const t = overlay(this.tables);
      let finished = false;
      const access = new MemoryAccess(t, () => this.latest, () => {
        this.checkOpen();
        if (finished) throw new Error('this transaction has ended');
      }, () => ++this.viewSeq, () => ++this.conflictSeq);
      try {
        const result = await fn(access);
        this.checkOpen();
        for (const m of Object.values(t)) (m as TxMap<unknown, unknown>).commit();
        this.latest += access.appended;
        appended = access.appended;
        return result;
      } finally {
        finished = true;
      }
    });
    // Rung outside the mutex, so that listeners may start transactions of their own.
    if (appended > 0) this.ring();
    return result;
  }

  async createClientFile(userId: string): Promise<ClientFileRow> {
    this.checkOpen();
    const now = Date.now();
    const row: ClientFileRow = {
      ident: this.nextIdent++,
      salt: randomBytes(16).toString('hex'),
      userId,
      createdAt: now,
      lastSeenAt: now,
      lastIntegrated: 0,
      reciprocalBase: 0,
      queryVersion: 0,
      subscriptions: [],
      syncedVersion: 0,
      plannedVersion: 0,
      sessionSeq: 0,
      roleKey: null,
      expiredAt: null,
      expiredReason: null,
      expiredAction: null,
    };
    this.tables.clientFiles.set(row.ident, JSON.stringify(row));
    return row;
  }

  onAppend(listener: (latestVersion: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private ring(): void {
    const latest = this.latest;
    queueMicrotask(() => {
      for (const l of [...this.listeners]) {
        try {
          l(latest);
        } catch {
          // A listener's failure is its own; the append is committed.
        }
      }
    });
  }

  async ping(): Promise<void> {
    this.checkOpen();
  }

  async getSetting(key: string): Promise<unknown> {
    this.checkOpen();
    const raw = this.tables.meta.get(`setting:${key}`);
    return raw === undefined ? undefined : JSON.parse(raw);
  }

  async setSetting(key: string, value: unknown): Promise<void> {
    this.checkOpen();
    this.tables.meta.set(`setting:${key}`, JSON.stringify(value));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
  }
}
