import type { Changeset } from '../../changeset/index.ts';
import { pkKey, type ObjectRecord, type ObjectSchemaInput, type PrimaryKey } from '../../model/index.ts';
import { toSqlForView } from '../../query/index.ts';
import {
  CLIENT_FILE_COLUMNS,
  changesetFromJson,
  conflictFromJson,
  conflictToJson,
  changesetToJson,
  clientFileFromRow,
  docFromJson,
  docToJson,
  netViewChanges,
  pkFromJson,
  pkToJson,
  subscriptionsToJson,
  unknownClientFile,
} from './codec.ts';
import { num, numOrNull, sql, type SqlRunner } from './sql-runner.ts';
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
  type StoreWriter,
  type ViewChange,
  type ViewFilter,
} from './types.ts';
import { paginate, type ViewRow } from './view-query.ts';

/**
 * The sync tables over SQL, for both dialects: used on a transaction's connection (as the
 * StoreWriter handed to `transaction` callbacks) and, for reads, outside transactions. Batch
 * operations use one `unnest` statement on PostgreSQL (one round trip) and a prepared-statement
 * loop on SQLite (in process, no round trips).
 */
export class SqlAccess implements StoreWriter {
  /** Versions appended through this object (a transaction rings the doorbell when > 0). */
  appended = 0;
  lastAppended = 0;
  /**
   * The latest version as this transaction knows it (read once, then counted by appendHistory):
   * a writer holds the append lock, so nobody else moves it. Undefined on readers (never set).
   */
  private latest: number | undefined;
  private depth = 0;

  constructor(
    private readonly db: SqlRunner,
    /** Qualifies and quotes a table name. */
    private readonly t: (name: string) => string,
    /** The objects table as `toSqlForView` wants it (`objects` or `schema.objects`). */
    private readonly objectsTable: string,
    /** Throws when this access may no longer be used (the transaction ended, the store closed). */
    private readonly live: () => void,
    /** True for a transaction's writer, which may count the latest version itself. */
    private readonly writer = false,
  ) {}

  private get pg(): boolean {
    return this.db.dialect === 'postgres';
  }

  private q(text: string): string {
    return sql(this.db.dialect, text);
  }

  /**
   * A write whose answer nothing here needs: in a PostgreSQL transaction it is sent without
   * waiting (pipelined, see PgTxRunner), its failure surfacing at the savepoint's or the
   * transaction's end; elsewhere it runs at once.
   */
  private async write(text: string, params: readonly unknown[] = [], check?: (changed: number) => void): Promise<void> {
    if (this.writer && this.db.send) return this.db.send(text, params, check);
    const n = await this.db.run(text, params);
    check?.(n);
  }

  /** The latest version, read by the writer's transaction with its lock (in the same round trip). */
  knowLatest(version: number): void {
    if (this.writer) this.latest = version;
  }

  async latestVersion(): Promise<number> {
    this.live();
    if (this.latest !== undefined) return this.latest;
    const rows = await this.db.all(this.q(`SELECT COALESCE(MAX(version), 0) AS v FROM ${this.t('history')}`));
    const v = num(rows[0]!.v);
    if (this.writer) this.latest = v;
    return v;
  }

  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    this.live();
    // Named by depth: the same few statement texts every time (the statement caches keep them).
    const name = `outpost_sp${++this.depth}`;
    const before = { appended: this.appended, lastAppended: this.lastAppended, latest: this.latest };
    try {
      await this.write(`SAVEPOINT ${name}`);
      const result = await fn();
      // Every write sent inside it has succeeded (or it is undone) before its caller is told so.
      await this.db.settle?.();
      await this.write(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      let cause = err;
      // A write sent earlier that failed is the cause (later statements only found the
      // transaction aborted by it).
      if (this.db.settle) await this.db.settle().catch((e: unknown) => (cause = e));
      await this.db.run(`ROLLBACK TO SAVEPOINT ${name}`);
      await this.write(`RELEASE SAVEPOINT ${name}`);
      this.appended = before.appended;
      this.lastAppended = before.lastAppended;
      this.latest = before.latest;
      throw cause;
    } finally {
      this.depth--;
    }
  }

  async history(after: number, upTo: number, limit?: number): Promise<HistoryRow[]> {
    this.live();
    const noLimit = this.pg ? null : -1;
    const rows = await this.db.all(
      this.q(`SELECT version, origin, origin_version, private_to, changeset FROM ${this.t('history')} WHERE version > ? AND version <= ? ORDER BY version LIMIT ?`),
      [after, upTo, limit ?? noLimit],
    );
    return rows.map(historyRow);
  }

  async privateHistory(ident: number, after: number, upTo: number): Promise<HistoryRow[]> {
    this.live();
    const rows = await this.db.all(
      this.q(`SELECT version, origin, origin_version, private_to, changeset FROM ${this.t('history')} WHERE version > ? AND version <= ? AND private_to = ? ORDER BY version`),
      [after, upTo, ident],
    );
    return rows.map(historyRow);
  }

  async getObjects(keys: readonly ObjectKey[]): Promise<Map<string, ObjectRecord>> {
    this.live();
    const out = new Map<string, ObjectRecord>();
    if (keys.length === 0) return out;
    const types = keys.map((k) => k.type);
    const pks = keys.map((k) => pkKey(k.pk as PrimaryKey));
    let rows;
    if (this.pg) {
      rows = await this.db.all(
        this.q(`SELECT o.type, o.pk, o.doc FROM ${this.t('objects')} AS o JOIN unnest(?::text[], ?::text[]) AS k(type, pk) ON o.type = k.type AND o.pk = k.pk`),
        [types, pks],
      );
    } else {
      rows = [];
      for (let i = 0; i < keys.length; i++) {
        rows.push(...(await this.db.all(`SELECT type, pk, doc FROM ${this.t('objects')} WHERE type = ? AND pk = ?`, [types[i], pks[i]])));
      }
    }
    const found = new Map<string, Record<string, unknown>>();
    for (const r of rows) found.set(objectKeyString(String(r.type), String(r.pk)), r);
    // In the order asked for, whatever order the database answered in (same as every store).
    for (let i = 0; i < keys.length; i++) {
      const k = objectKeyString(types[i]!, pks[i]!);
      const r = found.get(k);
      if (r && !out.has(k)) out.set(k, docFromJson(r.doc as string | object));
    }
    return out;
  }

  async queryObjects(type: string, filter: ViewFilter, page: { afterPk?: string; limit: number }): Promise<ViewRow[]> {
    this.live();
    if (filter.subscriptions.length === 0) return [];
    const q = toSqlForView(type, filter.subscriptions, filter.readFilter, this.db.dialect, { table: this.objectsTable });
    const fetch = async (afterPk: string | undefined, limit: number): Promise<ViewRow[]> => {
      this.live();
      const params = [...q.params];
      const ph = (): string => (this.pg ? `$${params.length}` : '?');
      let text = q.sql;
      if (afterPk !== undefined) {
        params.push(afterPk);
        text += ` AND o.pk > ${ph()}`;
      }
      params.push(limit);
      text += ` ORDER BY o.pk LIMIT ${ph()}`;
      const rows = await this.db.all(text, params);
      return rows.map((r) => ({ pk: String(r.pk), record: docFromJson(r.doc as string | object) }));
    };
    return paginate(fetch, q.exact, filter, page, (keys) => this.getObjects(keys));
  }

  async getClientFile(ident: number): Promise<ClientFileRow | undefined> {
    this.live();
    const rows = await this.db.all(this.q(`SELECT * FROM ${this.t('client_files')} WHERE ident = ?`), [ident]);
    return rows[0] ? clientFileFromRow(rows[0]) : undefined;
  }

  async listClientFiles(page: ClientFilePage): Promise<ClientFileRow[]> {
    this.live();
    const where: string[] = [];
    const params: unknown[] = [];
    if (page.beforeIdent !== undefined) (where.push('ident < ?'), params.push(page.beforeIdent));
    if (page.userId !== undefined) (where.push('user_id = ?'), params.push(page.userId));
    const sql = `SELECT * FROM ${this.t('client_files')}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ident DESC LIMIT ?`;
    return (await this.db.all(this.q(sql), [...params, page.limit])).map(clientFileFromRow);
  }

  async reciprocal(ident: number, after: number): Promise<Map<number, Changeset>> {
    this.live();
    const rows = await this.db.all(this.q(`SELECT version, changeset FROM ${this.t('reciprocal')} WHERE ident = ? AND version > ? ORDER BY version`), [ident, after]);
    return new Map(rows.map((r) => [num(r.version), changesetFromJson(r.changeset)]));
  }

  async inView(ident: number, keys: readonly ObjectKey[]): Promise<Set<string>> {
    this.live();
    const out = new Set<string>();
    if (keys.length === 0) return out;
    const types = keys.map((k) => k.type);
    const pks = keys.map((k) => pkKey(k.pk as PrimaryKey));
    if (this.pg) {
      const rows = await this.db.all(
        this.q(`SELECT v.type, v.pk FROM ${this.t('view_sets')} AS v JOIN unnest(?::text[], ?::text[]) AS k(type, pk) ON v.type = k.type AND v.pk = k.pk WHERE v.ident = ?`),
        [types, pks, ident],
      );
      const found = new Set(rows.map((r) => objectKeyString(String(r.type), String(r.pk))));
      for (let i = 0; i < keys.length; i++) {
        const k = objectKeyString(types[i]!, pks[i]!);
        if (found.has(k)) out.add(k);
      }
    } else {
      for (let i = 0; i < keys.length; i++) {
        const rows = await this.db.all(`SELECT 1 AS x FROM ${this.t('view_sets')} WHERE ident = ? AND type = ? AND pk = ?`, [ident, types[i], pks[i]]);
        if (rows.length > 0) out.add(objectKeyString(types[i]!, pks[i]!));
      }
    }
    return out;
  }

  async viewOf(ident: number, type: string): Promise<string[]> {
    this.live();
    const rows = await this.db.all(this.q(`SELECT pk FROM ${this.t('view_sets')} WHERE ident = ? AND type = ? ORDER BY pk`), [ident, type]);
    return rows.map((r) => String(r.pk));
  }

  async getSchema(): Promise<ObjectSchemaInput[] | undefined> {
    this.live();
    const rows = await this.db.all(this.q(`SELECT value FROM ${this.t('meta')} WHERE key = 'schema'`));
    return rows[0] ? (JSON.parse(String(rows[0].value)) as ObjectSchemaInput[]) : undefined;
  }

  async syncHorizon(): Promise<number | undefined> {
    this.live();
    const rows = await this.db.all(this.q(`SELECT MIN(synced_version) AS v FROM ${this.t('client_files')} WHERE expired_at IS NULL`));
    const v = rows[0]?.v;
    return v === null || v === undefined ? undefined : num(v);
  }

  async firstVersion(): Promise<number> {
    this.live();
    const rows = await this.db.all(this.q(`SELECT COALESCE(MIN(version), 0) AS v FROM ${this.t('history')}`));
    return num(rows[0]!.v);
  }

  async appendHistory(row: Omit<HistoryRow, 'version'>): Promise<number> {
    this.live();
    // The transaction holds the append lock, so latest + 1 cannot be taken by anyone else.
    const version = (await this.latestVersion()) + 1;
    await this.write(
      this.q(`INSERT INTO ${this.t('history')} (version, origin, origin_version, private_to, changeset, created_at) VALUES (?, ?, ?, ?, ?, ?)`),
      [version, row.origin, row.originVersion, row.privateTo, changesetToJson(row.changeset), Date.now()],
    );
    this.appended++;
    this.lastAppended = version;
    if (this.writer) this.latest = version;
    return version;
  }

  async putObjects(objects: readonly { type: string; pk: PrimaryKey; record: ObjectRecord }[]): Promise<void> {
    this.live();
    if (objects.length === 0) return;
    // The last write of a key wins (PostgreSQL refuses to upsert one row twice in a statement).
    const byKey = new Map<string, [string, string, string]>();
    for (const o of objects) {
      const pk = pkKey(o.pk);
      byKey.set(objectKeyString(o.type, pk), [o.type, pk, docToJson(o.record)]);
    }
    const rows = [...byKey.values()];
    if (this.pg) {
      await this.write(
        this.q(`INSERT INTO ${this.t('objects')} (type, pk, doc) SELECT k.type, k.pk, k.doc::jsonb FROM unnest(?::text[], ?::text[], ?::text[]) AS k(type, pk, doc) ON CONFLICT (type, pk) DO UPDATE SET doc = EXCLUDED.doc`),
        [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
      );
    } else {
      await this.db.runMany(`INSERT INTO ${this.t('objects')} (type, pk, doc) VALUES (?, ?, ?) ON CONFLICT (type, pk) DO UPDATE SET doc = excluded.doc`, rows);
    }
  }

  async deleteObjects(keys: readonly ObjectKey[]): Promise<void> {
    this.live();
    await this.deleteKeys('objects', keys);
  }

  private async deleteKeys(table: 'objects' | 'view_sets', keys: readonly ObjectKey[], ident?: number): Promise<void> {
    if (keys.length === 0) return;
    const types = keys.map((k) => k.type);
    const pks = keys.map((k) => pkKey(k.pk as PrimaryKey));
    const identCond = ident === undefined ? '' : ' AND ident = ?';
    if (this.pg) {
      await this.write(
        this.q(`DELETE FROM ${this.t(table)} WHERE (type, pk) IN (SELECT * FROM unnest(?::text[], ?::text[]))${identCond}`),
        ident === undefined ? [types, pks] : [types, pks, ident],
      );
    } else {
      await this.db.runMany(
        `DELETE FROM ${this.t(table)} WHERE type = ? AND pk = ?${identCond}`,
        keys.map((_, i) => (ident === undefined ? [types[i], pks[i]] : [types[i], pks[i], ident])),
      );
    }
  }

  async putReciprocal(ident: number, version: number, changeset: Changeset): Promise<void> {
    this.live();
    await this.write(
      this.q(`INSERT INTO ${this.t('reciprocal')} (ident, version, changeset) VALUES (?, ?, ?) ON CONFLICT (ident, version) DO UPDATE SET changeset = EXCLUDED.changeset`),
      [ident, version, changesetToJson(changeset)],
    );
  }

  async pruneReciprocal(ident: number, upTo: number): Promise<void> {
    this.live();
    await this.write(this.q(`DELETE FROM ${this.t('reciprocal')} WHERE ident = ? AND version <= ?`), [ident, upTo]);
  }

  async updateClientFile(ident: number, patch: ClientFilePatch): Promise<void> {
    this.live();
    const sets: string[] = [];
    const params: unknown[] = [];
    for (const [field, value] of Object.entries(patch)) {
      const column = CLIENT_FILE_COLUMNS[field];
      if (column === undefined || value === undefined) continue;
      sets.push(`${column} = ?`);
      params.push(field === 'subscriptions' ? subscriptionsToJson(value as ClientFileRow['subscriptions']) : value);
    }
    const check = (changed: number) => {
      if (changed === 0) throw unknownClientFile(ident);
    };
    if (sets.length === 0) check((await this.db.all(this.q(`SELECT ident FROM ${this.t('client_files')} WHERE ident = ?`), [ident])).length);
    else await this.write(this.q(`UPDATE ${this.t('client_files')} SET ${sets.join(', ')} WHERE ident = ?`), [...params, ident], check);
  }

  async addToView(ident: number, keys: readonly ObjectKey[]): Promise<void> {
    this.live();
    if (keys.length === 0) return;
    const types = keys.map((k) => k.type);
    const pks = keys.map((k) => pkKey(k.pk as PrimaryKey));
    if (this.pg) {
      await this.write(
        this.q(`INSERT INTO ${this.t('view_sets')} (ident, type, pk) SELECT ?::bigint, k.type, k.pk FROM unnest(?::text[], ?::text[]) AS k(type, pk) ON CONFLICT DO NOTHING`),
        [ident, types, pks],
      );
    } else {
      await this.db.runMany(
        `INSERT INTO ${this.t('view_sets')} (ident, type, pk) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
        keys.map((_, i) => [ident, types[i], pks[i]]),
      );
    }
  }

  async removeFromView(ident: number, keys: readonly ObjectKey[]): Promise<void> {
    this.live();
    await this.deleteKeys('view_sets', keys, ident);
  }

  async viewLog(ident: number, after: number): Promise<ViewChange[]> {
    this.live();
    const rows = await this.db.all(
      this.q(`SELECT version, kind, type, pk_value FROM ${this.t('view_log')} WHERE ident = ? AND version > ? ORDER BY version, seq`),
      [ident, after],
    );
    return rows.map((r) => ({ kind: r.kind === 'add' ? 'add' : 'remove', type: String(r.type), pk: pkFromJson(String(r.pk_value)), version: num(r.version) }));
  }

  async logViewChanges(ident: number, version: number, changes: readonly ViewChange[]): Promise<void> {
    this.live();
    if (changes.length === 0) return;
    const top = await this.db.all(this.q(`SELECT COALESCE(MAX(seq), 0) AS s FROM ${this.t('view_log')} WHERE ident = ?`), [ident]);
    const base = num(top[0]!.s);
    const rows = changes.map((c, i) => [ident, base + i + 1, version, c.kind, c.type, pkKey(c.pk), pkToJson(c.pk)]);
    if (this.pg) {
      const col = (j: number) => rows.map((r) => r[j]);
      await this.write(
        this.q(
          `INSERT INTO ${this.t('view_log')} (ident, seq, version, kind, type, pk, pk_value) SELECT ?::bigint, k.seq, ?::bigint, k.kind, k.type, k.pk, k.pk_value FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[]) AS k(seq, kind, type, pk, pk_value)`,
        ),
        [ident, version, col(1), col(3), col(4), col(5), col(6)],
      );
    } else {
      await this.db.runMany(`INSERT INTO ${this.t('view_log')} (ident, seq, version, kind, type, pk, pk_value) VALUES (?, ?, ?, ?, ?, ?, ?)`, rows);
    }
  }

  async settleViewLog(ident: number, upTo: number): Promise<void> {
    this.live();
    const rows = await this.db.all(
      this.q(`SELECT version, kind, type, pk_value FROM ${this.t('view_log')} WHERE ident = ? AND version <= ? ORDER BY version, seq`),
      [ident, upTo],
    );
    if (rows.length === 0) return;
    const net = netViewChanges(
      rows.map((r) => ({ kind: r.kind === 'add' ? 'add' : 'remove', type: String(r.type), pk: pkFromJson(String(r.pk_value)), version: num(r.version) })),
    );
    await this.removeFromView(ident, net.remove);
    await this.addToView(ident, net.add);
    await this.write(this.q(`DELETE FROM ${this.t('view_log')} WHERE ident = ? AND version <= ?`), [ident, upTo]);
  }

  async dropViewLog(ident: number, after: number): Promise<void> {
    this.live();
    await this.write(this.q(`DELETE FROM ${this.t('view_log')} WHERE ident = ? AND version > ?`), [ident, after]);
  }

  async expireClientFiles(selector: ClientFileSelector, expiry: ClientFileExpiry): Promise<number> {
    this.live();
    const conds = ['expired_at IS NULL'];
    const params: unknown[] = [];
    if (selector.idents !== undefined) {
      if (selector.idents.length === 0) return 0;
      conds.push(`ident IN (${selector.idents.map(() => '?').join(', ')})`);
      params.push(...selector.idents);
    }
    if (selector.userId !== undefined) {
      conds.push('user_id = ?');
      params.push(selector.userId);
    }
    if (selector.lastSeenBefore !== undefined) {
      conds.push('last_seen_at < ?');
      params.push(selector.lastSeenBefore);
    }
    const picked = await this.db.all(this.q(`SELECT ident FROM ${this.t('client_files')} WHERE ${conds.join(' AND ')}`), params);
    const idents = picked.map((r) => num(r.ident));
    for (const ident of idents) {
      await this.db.run(
        this.q(`UPDATE ${this.t('client_files')} SET expired_at = ?, expired_reason = ?, expired_action = ? WHERE ident = ?`),
        [expiry.at, expiry.reason, expiry.action, ident],
      );
      for (const table of ['reciprocal', 'view_sets', 'view_log']) {
        await this.db.run(this.q(`DELETE FROM ${this.t(table)} WHERE ident = ?`), [ident]);
      }
    }
    return idents.length;
  }

  async compactHistory(below: number): Promise<number> {
    this.live();
    const latest = await this.latestVersion();
    const upTo = Math.min(below, latest);
    const deleted = await this.db.run(this.q(`DELETE FROM ${this.t('history')} WHERE version < ?`), [upTo]);
    await this.db.run(this.q(`DELETE FROM ${this.t('reciprocal')} WHERE version <= ?`), [upTo]);
    return deleted;
  }

  async listConflicts(query: ConflictQuery): Promise<ConflictRow[]> {
    this.live();
    const conds: string[] = [];
    const params: unknown[] = [];
    if (query.loserUserId !== undefined) {
      conds.push('loser_user = ?');
      params.push(query.loserUserId);
    }
    if (query.type !== undefined) {
      conds.push('type = ?');
      params.push(query.type);
    }
    if (query.afterId !== undefined) {
      conds.push('id > ?');
      params.push(query.afterId);
    }
    if (query.beforeId !== undefined) {
      conds.push('id < ?');
      params.push(query.beforeId);
    }
    if (query.includeDismissed !== true) conds.push('dismissed_at IS NULL');
    params.push(Math.max(0, Math.floor(query.limit)));
    const where = conds.length > 0 ? `WHERE ${conds.join(' AND ')}` : '';
    const rows = await this.db.all(
      this.q(`SELECT id, dismissed_at, entry FROM ${this.t('conflicts')} ${where} ORDER BY id ${query.newestFirst ? 'DESC' : 'ASC'} LIMIT ?`),
      params,
    );
    return rows.map((r) => conflictFromJson(num(r.id), numOrNull(r.dismissed_at), r.entry as string | object));
  }

  async recordConflicts(entries: readonly NewConflict[], bound: ConflictBound): Promise<void> {
    this.live();
    for (const c of entries) {
      await this.write(this.q(`INSERT INTO ${this.t('conflicts')} (at, loser_user, type, entry) VALUES (?, ?, ?, ?)`), [c.at, c.loser.userId, c.type, conflictToJson(c)]);
    }
    await this.write(this.q(`DELETE FROM ${this.t('conflicts')} WHERE at < ?`), [bound.now - bound.maxAgeMs]);
    // Ids only grow, so the newest maxEntries are the highest ids.
    await this.write(
      this.q(`DELETE FROM ${this.t('conflicts')} WHERE id <= (SELECT COALESCE(MAX(id), 0) FROM ${this.t('conflicts')}) - ?`),
      [Math.max(0, Math.floor(bound.maxEntries))],
    );
  }

  /** Outside a transaction: the store's own write connection (see SyncStore.dismissConflicts). */
  async dismissConflicts(loserUserId: string, ids: readonly number[], at: number): Promise<number> {
    this.live();
    let n = 0;
    for (const id of ids) {
      n += await this.db.run(this.q(`UPDATE ${this.t('conflicts')} SET dismissed_at = ? WHERE id = ? AND loser_user = ? AND dismissed_at IS NULL`), [at, id, loserUserId]);
    }
    return n;
  }

  async setSchema(schema: readonly ObjectSchemaInput[]): Promise<void> {
    this.live();
    await this.write(
      this.q(`INSERT INTO ${this.t('meta')} (key, value) VALUES ('schema', ?) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`),
      [JSON.stringify(schema)],
    );
  }
}

/** A `history` table row as the store interface returns it. */
function historyRow(r: Record<string, unknown>): HistoryRow {
  return {
    version: num(r.version),
    origin: num(r.origin),
    originVersion: num(r.origin_version),
    privateTo: numOrNull(r.private_to),
    changeset: changesetFromJson(r.changeset),
  };
}
