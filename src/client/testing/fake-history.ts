import { createHash } from 'node:crypto';
import { applyChangeset, checkChangeset, HybridClock, ObjectState, SERVER_ORIGIN, type Changeset, type Instruction } from '../../changeset/index.ts';
import { rebase } from '../../merge/index.ts';
import { pkKey, valuesEqual, zeroValue, type ObjectRecord, type PrimaryKey, type Schema } from '../../model/index.ts';
import { OutpostError, type ErrorCode, type Subscription } from '../../protocol/index.ts';
import { compileQuery, type CompiledQuery } from '../../query/index.ts';

/*
 * The fake server's history: the algorithm of src/sim/server.ts (one linear history, per-client
 * reciprocal history, exactly-once uploads), plus what flexible sync needs in the current
 * protocol: every row is cut, per file with subscriptions, to the objects in that file's view
 * when it was appended; objects enter a view through a private row (only that file gets it) that
 * creates them with their state as defaults, and leave through a private row that erases them
 * there only. Private rows are not applied to the server's state, and other files never see them
 * or transform against them. Membership is decided against the latest state, synchronously when a
 * row is appended: good enough for tests, simpler than the real planner.
 *
 * For client reset and TRANSACT: every row has a salt (a hash chained over the rows, so a history
 * restored from an older copy that went on differently gives its versions other salts), a copy
 * can be taken and restored (a backup), a new file can take the current state at once (STATE),
 * and a serialized transaction is checked against the rows after its base.
 */

export interface Row {
  readonly version: number;
  readonly origin: number;
  readonly originVersion: number;
  readonly privateTo: number | null;
  readonly changeset: Changeset;
  /** Per file with subscriptions: the instructions it sees of this (public) row. */
  readonly cuts: Map<number, Instruction[]>;
}

export interface FileState {
  readonly ident: number;
  readonly salt: string;
  readonly userId: string;
  lastIntegrated: number;
  readonly reciprocal: Map<number, Changeset>;
  prunedTo: number;
  subsVersion: number;
  subs: readonly Subscription[] | null;
  queries: CompiledQuery[];
  readonly view: Set<string>;
}

export interface DownloadEntry {
  readonly version: number;
  readonly lastIntegrated: number;
  readonly changeset: Changeset;
}

const key = (type: string, pk: PrimaryKey) => type + '\u0000' + pkKey(pk);

function targets(instructions: readonly Instruction[]): Map<string, { type: string; pk: PrimaryKey }> {
  const out = new Map<string, { type: string; pk: PrimaryKey }>();
  for (const i of instructions) if (i.op !== 'AddType' && i.op !== 'AddField') out.set(key(i.type, i.pk), { type: i.type, pk: i.pk });
  return out;
}

export type TransactOutcome = { status: 'applied'; serverVersion: number } | { status: 'rejected'; code: ErrorCode; reason: string };

export class FakeHistory {
  readonly rows: Row[] = [];
  state: ObjectState;
  clock: HybridClock;
  readonly files = new Map<number, FileState>();
  private nextFile = 2;
  private serverWrites = 0;
  private readonly salts: string[] = [];

  constructor(
    readonly schema: Schema,
    readonly flexible: boolean,
  ) {
    this.state = new ObjectState(schema);
    this.clock = new HybridClock({ maxAheadMs: 10 * 60_000 });
  }

  get version(): number {
    return this.rows.length;
  }

  /** The fingerprint of a version ('' for 0). */
  saltAt(version: number): string {
    return version === 0 ? '' : (this.salts[version - 1] ?? '');
  }

  /** A deep copy: a backup to restore later. */
  clone(): FakeHistory {
    const copy = new FakeHistory(this.schema, this.flexible);
    copy.rows.push(...this.rows.map((r) => ({ ...r, cuts: new Map(r.cuts) })));
    copy.salts.push(...this.salts);
    copy.state = this.state.clone();
    copy.clock = new HybridClock({ maxAheadMs: 10 * 60_000, last: this.clock.current });
    for (const [ident, f] of this.files) copy.files.set(ident, { ...f, reciprocal: new Map(f.reciprocal), view: new Set(f.view), queries: [...f.queries] });
    copy.nextFile = this.nextFile;
    copy.serverWrites = this.serverWrites;
    return copy;
  }

  allocateFile(userId: string, salt: string): FileState {
    const f: FileState = { ident: this.nextFile++, salt, userId, lastIntegrated: 0, reciprocal: new Map(), prunedTo: 0, subsVersion: 0, subs: null, queries: [], view: new Set() };
    this.files.set(f.ident, f);
    return f;
  }

  file(ident: number): FileState {
    const f = this.files.get(ident);
    if (!f) throw new OutpostError('bad_client_file', `unknown client file ${ident}`);
    return f;
  }

  private matches(f: FileState, type: string, rec: ObjectRecord): boolean {
    return f.queries.some((q) => q.typeName === type && q.matches(rec));
  }

  /** The form of a row a file knows: cut to its view (nothing of rows from before it existed). */
  private known(f: FileState, row: Row): Changeset {
    if (row.privateTo !== null || !this.flexible) return row.changeset;
    return { ...row.changeset, instructions: row.cuts.get(f.ident) ?? [] };
  }

  private append(origin: number, originVersion: number, privateTo: number | null, changeset: Changeset): Row {
    const cuts = new Map<number, Instruction[]>();
    if (privateTo === null && this.flexible) {
      for (const f of this.files.values()) {
        if (f.ident === origin) continue;
        cuts.set(
          f.ident,
          changeset.instructions.filter((i) => i.op === 'AddType' || i.op === 'AddField' || f.view.has(key(i.type, i.pk))),
        );
      }
    }
    const row: Row = { version: this.version + 1, origin, originVersion, privateTo, changeset, cuts };
    this.rows.push(row);
    const prev = this.saltAt(row.version - 1);
    this.salts.push(createHash('sha256').update(`${prev}|${origin}|${originVersion}|${privateTo}|${changeset.timestamp}`).digest('hex').slice(0, 16));
    return row;
  }

  /** The private row that brings an object into a file's view: its state, written as defaults. */
  private enterRow(f: FileState, type: string, rec: ObjectRecord): void {
    const t = this.schema.require(type);
    const pk = rec[t.primaryKey!] as PrimaryKey;
    const out: Instruction[] = [{ op: 'CreateObject', type, pk }];
    for (const [name, prop] of t.properties) {
      if (name === t.primaryKey) continue;
      const v = rec[name] ?? null;
      if (prop.collection === 'none') {
        if (!valuesEqual(v, zeroValue(prop))) out.push({ op: 'Set', type, pk, path: [name], value: v, default: true });
      } else if (prop.collection === 'list') (v as ObjectRecord[keyof ObjectRecord][]).forEach((x, i) => out.push({ op: 'ListInsert', type, pk, path: [name, i], value: x }));
      else if (prop.collection === 'set') for (const x of v as ObjectRecord[keyof ObjectRecord][]) out.push({ op: 'SetInsert', type, pk, path: [name], value: x });
      else for (const [k, x] of Object.entries(v as ObjectRecord)) out.push({ op: 'Set', type, pk, path: [name, k], value: x, default: true });
    }
    this.append(SERVER_ORIGIN, ++this.serverWrites, f.ident, { origin: SERVER_ORIGIN, timestamp: this.clock.tick(), instructions: out });
    f.view.add(key(type, pk));
  }

  private leaveRow(f: FileState, type: string, pk: PrimaryKey): void {
    this.append(SERVER_ORIGIN, ++this.serverWrites, f.ident, { origin: SERVER_ORIGIN, timestamp: this.clock.tick(), instructions: [{ op: 'EraseObject', type, pk }] });
    f.view.delete(key(type, pk));
  }

  /** After a public row: objects it touched may have entered or left views. */
  private memberships(origin: number, touched: Map<string, { type: string; pk: PrimaryKey }>): void {
    if (!this.flexible) return;
    for (const f of this.files.values()) {
      for (const [k, o] of touched) {
        const rec = this.state.get(o.type, o.pk);
        const inView = f.view.has(k);
        if (rec && this.matches(f, o.type, rec)) {
          if (inView) continue;
          if (f.ident === origin) f.view.add(k); // its own write: it has the object
          else this.enterRow(f, o.type, rec);
        } else if (inView || f.ident === origin) {
          if (rec) this.leaveRow(f, o.type, o.pk);
          else f.view.delete(k); // erased: the erase itself reached it
        }
      }
    }
  }

  upload(ident: number, entries: readonly { clientVersion: number; base: number; changeset: Changeset }[]): void {
    const f = this.file(ident);
    for (const e of entries) {
      if (e.clientVersion <= f.lastIntegrated) continue;
      if (e.clientVersion !== f.lastIntegrated + 1) throw new OutpostError('bad_client_version', `expected ${f.lastIntegrated + 1}, got ${e.clientVersion}`);
      if (e.base < f.prunedTo || e.base > this.version) throw new OutpostError('bad_cursor', `bad base version ${e.base}`);
      if (e.changeset.origin !== ident) throw new OutpostError('bad_changeset', 'changeset origin is not the uploader');
      const checked = checkChangeset(this.state.schema, e.changeset);
      const versions: number[] = [];
      const concurrent: Changeset[] = [];
      for (let v = e.base + 1; v <= this.version; v++) {
        const h = this.rows[v - 1]!;
        if (h.origin === ident || (h.privateTo !== null && h.privateTo !== ident)) continue;
        versions.push(v);
        concurrent.push(f.reciprocal.get(v) ?? this.known(f, h));
      }
      const r = rebase(checked, concurrent);
      try {
        applyChangeset(this.state, r.changeset);
      } catch {
        // A write outside the uploader's view that no longer fits: the real server compensates.
      }
      r.concurrent.forEach((c, k) => {
        if (c !== concurrent[k]) f.reciprocal.set(versions[k]!, c);
      });
      for (const v of f.reciprocal.keys()) if (v <= e.base) f.reciprocal.delete(v);
      f.prunedTo = e.base;
      f.lastIntegrated = e.clientVersion;
      this.clock.observe(e.changeset.timestamp);
      this.append(ident, e.clientVersion, null, r.changeset);
      this.memberships(ident, targets(r.changeset.instructions));
    }
  }

  /** A change made on the server itself (a data-API write). */
  write(instructions: Instruction[]): void {
    const changeset: Changeset = { origin: SERVER_ORIGIN, timestamp: this.clock.tick(), instructions };
    applyChangeset(this.state, changeset);
    this.append(SERVER_ORIGIN, ++this.serverWrites, null, changeset);
    this.memberships(SERVER_ORIGIN, targets(instructions));
  }

  /**
   * A new file takes the current state at once (STATE): the set becomes its subscriptions and its
   * view is what they match now, with no rows. Returns the objects and the version they are at.
   */
  adoptState(ident: number, version: number, subs: readonly Subscription[]): { version: number; objects: { type: string; record: ObjectRecord }[] } {
    const f = this.file(ident);
    f.queries = subs.map((s) => compileQuery(this.schema, s.objectType, s.query, s.args));
    f.subs = subs;
    f.subsVersion = version;
    const objects: { type: string; record: ObjectRecord }[] = [];
    for (const type of this.schema.types.keys()) {
      const t = this.schema.require(type);
      if (t.embedded) continue;
      for (const rec of this.state.objects(type)) {
        if (this.flexible && !this.matches(f, type, rec)) continue;
        if (this.flexible) f.view.add(key(type, rec[t.primaryKey!] as PrimaryKey));
        objects.push({ type, record: rec });
      }
    }
    return { version: this.version, objects };
  }

  /**
   * A serialized transaction: applied as a server change only if no row after `base` from
   * another origin touched an object it read or writes.
   */
  transact(ident: number, base: number, reads: readonly { type: string; pk: PrimaryKey }[], changeset: Changeset): TransactOutcome {
    if (base > this.version) return { status: 'rejected', code: 'bad_cursor', reason: `base ${base} is past the server's version ${this.version}` };
    const touched = new Set([...reads.map((r) => key(r.type, r.pk)), ...targets(changeset.instructions).keys()]);
    for (let v = base + 1; v <= this.version; v++) {
      const row = this.rows[v - 1]!;
      if (row.origin === ident || row.privateTo !== null) continue;
      const hit = [...targets(row.changeset.instructions).entries()].find(([k]) => touched.has(k));
      if (hit) return { status: 'rejected', code: 'transaction_conflict', reason: `${hit[1].type} ${pkKey(hit[1].pk).slice(1)} changed at server version ${v}` };
    }
    try {
      this.clock.observe(changeset.timestamp);
      this.write([...checkChangeset(this.state.schema, changeset).instructions]);
    } catch (err) {
      const e = err instanceof OutpostError ? err : new OutpostError('internal', String(err));
      return { status: 'rejected', code: e.code, reason: e.message };
    }
    return { status: 'applied', serverVersion: this.version };
  }

  /** Installs a subscription set: private rows for the objects entering and leaving the view. */
  subscribe(ident: number, version: number, subs: readonly Subscription[]): void {
    const f = this.file(ident);
    const queries = subs.map((s) => {
      const q = compileQuery(this.schema, s.objectType, s.query, s.args);
      if (q.descriptors.length) throw new OutpostError('bad_query', 'SORT, DISTINCT and LIMIT are not allowed in a subscription');
      return q;
    });
    f.subs = subs;
    f.subsVersion = version;
    f.queries = queries;
    if (!this.flexible) return;
    const wanted = new Map<string, { type: string; rec: ObjectRecord }>();
    for (const type of this.schema.types.keys()) {
      const t = this.schema.require(type);
      if (t.embedded) continue;
      for (const rec of this.state.objects(type)) if (this.matches(f, type, rec)) wanted.set(key(type, rec[t.primaryKey!] as PrimaryKey), { type, rec });
    }
    for (const [k, w] of wanted) if (!f.view.has(k)) this.enterRow(f, w.type, w.rec);
    for (const k of [...f.view]) {
      if (wanted.has(k)) continue;
      const [type] = k.split('\u0000') as [string];
      const t = this.schema.require(type);
      const rec = [...this.state.objects(type)].find((r) => key(type, r[t.primaryKey!] as PrimaryKey) === k);
      if (rec) this.leaveRow(f, type, rec[t.primaryKey!] as PrimaryKey);
      else f.view.delete(k);
    }
  }

  /** What a file downloads after `from`, with its acknowledgement at each entry. */
  download(ident: number, from: number): { to: number; lastIntegrated: number; entries: DownloadEntry[] } {
    const f = this.file(ident);
    let lastIntegrated = 0;
    for (let v = from; v >= 1; v--) {
      const h = this.rows[v - 1]!;
      if (h.origin === ident) {
        lastIntegrated = h.originVersion;
        break;
      }
    }
    const entries: DownloadEntry[] = [];
    for (let v = from + 1; v <= this.version; v++) {
      const h = this.rows[v - 1]!;
      if (h.origin === ident) {
        lastIntegrated = h.originVersion;
        continue;
      }
      if (h.privateTo !== null && h.privateTo !== ident) continue;
      const cs = this.known(f, h);
      if (cs.instructions.length === 0) continue; // nothing for this file: the cursor covers it
      entries.push({ version: v, lastIntegrated, changeset: cs });
    }
    return { to: this.version, lastIntegrated, entries };
  }
}
