import type { Changeset, Instruction } from '../../changeset/index.ts';
import { valuesEqual, zeroValue, type ObjectRecord, type PrimaryKey, type Schema } from '../../model/index.ts';
import { OutpostError, type Download } from '../../protocol/index.ts';
import type { StoreReader, StoreWriter, SyncStore } from '../store/types.ts';
import { birthsOutside, cutRows, type ClientSchemaFilter, type Item } from './downloads.ts';
import { assertContiguous, prepareRow, type CachedRow } from './history-cache.ts';
import { SERVER_ORIGIN } from './integrate.ts';
import { keyOf, splitKey } from './keys.ts';
import type { SessionView } from './view.ts';
import type { ViewTransitions } from './view-transitions.ts';

/*
 * What a session downloads, and how objects come into and go out of its view.
 *
 * The rule that keeps filtered downloads convergent: everything a client learns about an object
 * reaches it as a changeset in its own sequence of downloads, at a position the server also
 * transforms that client's uploads against. So an object enters a client's view either at its
 * birth (the client gets its whole history from the CreateObject on), or at an "entry marker":
 * an empty history row only this client gets, whose version the client is sent a changeset at
 * that creates the object with its current state written as defaults (so that the client's own
 * concurrent writes to the same key, an offline create for instance, merge with it by the rules
 * instead of being overwritten). The state is not kept in the history (a copy of every device's
 * view would be); an upload the client made before the marker that touches such an object is
 * answered with a correction (integrate.ts), and a client that reconnects from before a marker
 * has those objects entered again (session.ts, `identify`). An object leaves the view through a
 * private "leave" row that erases it on that client only: it is a download, never uploaded, and
 * other replicas keep the object; being history, it is sent again to a client that reconnects
 * from before it.
 */

export interface PlannerSession {
  readonly ident: number;
  /** Which session of the client file this is (see `guardSession`). */
  readonly epoch: number;
  /** The objects the client has as of its cursor. */
  readonly viewSet: Set<string>;
  /** The objects the client had when the session started (the baseline of `transitions`). */
  readonly baseView: Set<string>;
  /**
   * Objects whose enter (add) or leave (remove) row lies past the cursor, already written:
   * rows about them before it are cut as the view was, and their membership is not worked out
   * again.
   */
  readonly futureAdds: Map<string, number>;
  readonly futureRemoves: Map<string, number>;
  /**
   * View changes of this session per object, in version order: `in` from `version` on. A
   * removal logged at cursor r takes effect for rows after r.
   */
  readonly transitions: ViewTransitions;
  /**
   * Rows up to this version were planned by an earlier session, and an upload was integrated on
   * the strength of how they were cut: they are cut again exactly so (the `commitments`), with
   * no new decision about them.
   */
  replayUpTo: number;
  /** The view changes an earlier session logged for rows up to `replayUpTo`, in log order. */
  readonly commitments: ViewChangeAt[];
  view: SessionView;
  clientFilter: ClientSchemaFilter;
  cursor: { serverVersion: number; clientVersion: number };
  queryVersion: number;
}

/** A logged view change: `in` from `version` on, or out after it. */
export interface ViewChangeAt {
  readonly key: string;
  readonly version: number;
  readonly in: boolean;
}

export interface PlannerContext {
  readonly store: SyncStore;
  readonly schema: Schema;
  /** A new server timestamp. */
  tick(): number;
  /**
   * Reads objects outside any transaction, as `store.getObjects` does, but shared by the sessions
   * planning the same rows (see ObjectPeek): what a first look without the lock may use.
   */
  readonly peek?: ObjectReader;
}

/** What planning reads objects with: a store, a transaction, or a shared peek. */
export interface ObjectReader {
  getObjects(keys: readonly { type: string; pk: PrimaryKey }[]): Promise<Map<string, ObjectRecord>>;
}

/** The instructions that create an object with its state, every value written as a default. */
export function enterInstructions(schema: Schema, type: string, rec: ObjectRecord): Instruction[] {
  const t = schema.require(type);
  const pk = rec[t.primaryKey!] as PrimaryKey;
  const target = { type, pk };
  const out: Instruction[] = [{ op: 'CreateObject', ...target }];
  for (const [name, prop] of t.properties) {
    if (name === t.primaryKey || !(name in rec)) continue;
    const v = rec[name]!;
    switch (prop.collection) {
      case 'none':
        if (!valuesEqual(v, zeroValue(prop))) out.push({ op: 'Set', ...target, path: [name], value: v, default: true });
        break;
      case 'list':
        (v as ObjectRecord[keyof ObjectRecord][]).forEach((x, i) => out.push({ op: 'ListInsert', ...target, path: [name, i], value: x }));
        break;
      case 'set':
        for (const x of v as ObjectRecord[keyof ObjectRecord][]) out.push({ op: 'SetInsert', ...target, path: [name], value: x });
        break;
      case 'dictionary':
        for (const [k, x] of Object.entries(v as ObjectRecord)) out.push({ op: 'Set', ...target, path: [name, k], value: x, default: true });
        break;
    }
  }
  return out;
}

/**
 * Inside a store transaction: fails when a newer session of the same client file has identified
 * since this one did. A connection the client gave up on (it reconnected while the server had not
 * noticed yet) must not change what the server keeps for the file any more: the new session
 * worked out the client's state from what was stored when it started.
 */
export async function guardSession(tx: StoreReader, session: Pick<PlannerSession, 'ident' | 'epoch'>): Promise<void> {
  const file = await tx.getClientFile(session.ident);
  if (!file || file.sessionSeq !== session.epoch) {
    throw new OutpostError('session_closed', 'a newer connection of this local database replaced this one');
  }
}

/** Records a view change of a session, keeping each object's list in version order. */
export function transition(session: Pick<PlannerSession, 'transitions'>, key: string, version: number, isIn: boolean): void {
  session.transitions.add(key, version, isIn);
}

/**
 * Whether the rows about an object at a version were (or will be) sent to the client: its
 * membership when the session started, then its view changes in order.
 */
export function inViewAt(session: Pick<PlannerSession, 'transitions' | 'baseView'>, key: string, version: number): boolean {
  return session.transitions.stateAt(key, session.baseView.has(key), version);
}

/**
 * Records view changes: logged until the client acknowledges `version` (the store's view log),
 * applied to the session's set at once. Removals take effect after `removedAfter` (the row
 * that removed them); additions from `version`.
 */
async function logView(w: StoreWriter | SyncStore, session: PlannerSession, version: number, added: string[], removed: string[]): Promise<void> {
  if (added.length === 0 && removed.length === 0) return;
  const changes = [
    ...removed.map((k) => ({ kind: 'remove' as const, ...splitKey(k), version })),
    ...added.map((k) => ({ kind: 'add' as const, ...splitKey(k), version })),
  ];
  if ('transaction' in w) {
    await w.transaction(async (tx) => {
      await guardSession(tx, session);
      await tx.logViewChanges(session.ident, version, changes);
    });
  }
  else await w.logViewChanges(session.ident, version, changes);
  for (const k of removed) {
    session.viewSet.delete(k);
    transition(session, k, version + 1, false);
  }
  for (const k of added) {
    session.viewSet.add(k);
    transition(session, k, version, true);
  }
}

/** The view changes a private row of this client makes: objects it creates (and keeps), objects it erases. */
export function privateRowChanges(row: { changeset: Changeset }): { added: string[]; removed: string[] } {
  const last = new Map<string, boolean>();
  for (const i of row.changeset.instructions) {
    if (i.op === 'CreateObject') last.set(keyOf(i.type, i.pk), true);
    else if (i.op === 'EraseObject') last.set(keyOf(i.type, i.pk), false);
  }
  const added: string[] = [];
  const removed: string[] = [];
  for (const [k, isIn] of last) (isIn ? added : removed).push(k);
  return { added, removed };
}

/** Logs the joins at birth up to `upTo`, each at its birth version. */
async function logJoins(w: StoreWriter | SyncStore, session: PlannerSession, joinAt: Map<string, number>, upTo: number): Promise<void> {
  const byVersion = new Map<number, string[]>();
  for (const [k, v] of joinAt) if (v <= upTo) byVersion.set(v, [...(byVersion.get(v) ?? []), k]);
  for (const [v, keys] of byVersion) await logView(w, session, v, keys, []);
}

/** The objects born in `rows` outside the view set that match the view now, with their birth version. */
async function joins(session: PlannerSession, rows: readonly CachedRow[], reader: ObjectReader, view: SessionView): Promise<Map<string, number>> {
  const births = birthsOutside(rows, session.ident, (k) => session.viewSet.has(k) || session.futureAdds.has(k));
  for (const k of births.keys()) if (!view.filterFor(splitKey(k).type) || session.futureRemoves.has(k)) births.delete(k);
  if (births.size === 0) return births;
  const found = await reader.getObjects([...births.keys()].map(splitKey));
  for (const k of [...births.keys()]) {
    const rec = found.get(k);
    const { type } = splitKey(k);
    if (!rec || !session.clientFilter.knowsType(type) || !view.matches(type, rec)) births.delete(k);
  }
  return births;
}

/**
 * Objects in the view that these rows touch and that no longer match it, or no longer exist.
 * A changeset that moves an object out of a reader's view must not reach that reader (it would
 * carry what the object became, a field written in the same changeset): the object leaves the
 * view just before the first row here that touches it (`left`, with the version after which it is
 * out), and a private erase follows. The state read is the current one, so a row that only
 * changed the object harmlessly before a later one moved it out is withheld too; the client
 * erases the object anyway. Of a gone object only its erasures are sent (`gone`).
 */
async function departures(session: PlannerSession, rows: readonly CachedRow[], reader: ObjectReader, joinAt: ReadonlyMap<string, number>) {
  const first = new Map<string, number>();
  const pending = new Map<string, number>();
  for (const row of rows) {
    // Private rows (this client's own view rows and reverts, or other clients') are not judged
    // here, nor this client's own changes (never sent back; it knows them).
    if (row.privateTo !== null || row.origin === session.ident) continue;
    for (const k of row.objects) {
      if (first.has(k) || pending.has(k) || joinAt.has(k) || session.futureAdds.has(k)) continue;
      if (!inViewAt(session, k, row.version)) continue;
      const erasedAt = session.futureRemoves.get(k);
      // A leave row written already (by an earlier session, whose view log after the client's
      // cursor was dropped): the object was judged out, and rows before its erase are withheld.
      if (erasedAt !== undefined) {
        if (row.version < erasedAt) pending.set(k, row.version - 1);
      } else first.set(k, row.version);
    }
  }
  const left = new Map<string, number>();
  const gone = new Set<string>();
  const looked = first.size > 0 ? await reader.getObjects([...first.keys()].map(splitKey)) : new Map<string, ObjectRecord>();
  for (const [k, v] of first) {
    const rec = looked.get(k);
    const { type } = splitKey(k);
    if (rec === undefined) gone.add(k);
    else if (!session.clientFilter.knowsType(type) || !session.view.matches(type, rec)) left.set(k, v - 1);
  }
  return { left, pending, gone, looked: new Set(first.keys()), states: looked };
}

/**
 * Logs the departures a cut decided (inside the transaction that appends their erase): each
 * object is out of the view from the row after the version recorded.
 */
export async function logDepartures(tx: StoreWriter, session: PlannerSession, c: { left: ReadonlyMap<string, number>; pending: ReadonlyMap<string, number> }): Promise<void> {
  const byVersion = new Map<number, string[]>();
  // Logged even when the view set no longer has them (a leave row this cut passed removed them
  // later): the log must say from where the rows about them were withheld, for a replay.
  for (const [k, v] of [...c.left, ...c.pending]) byVersion.set(v, [...(byVersion.get(v) ?? []), k]);
  for (const [v, keys] of [...byVersion].sort((a, b) => a[0] - b[0])) await logView(tx, session, v, [], keys);
}

/**
 * Cuts rows for a session and keeps its view set in step with them: joins at birth, erases it
 * was sent, and its own private rows (enter, leave, reverts) as they pass. Objects that leave the
 * view are returned in `left` (see `departures`): the caller logs them and appends their erase
 * under the append lock.
 */
export async function cut(writer: StoreWriter | SyncStore, reader: ObjectReader, session: PlannerSession, rows: readonly CachedRow[], maxBytes: number) {
  // Rows an earlier session planned, and an upload relied on, are cut again as they were:
  // no new joins, the logged view changes as they were logged.
  const replay = rows.length > 0 && rows[rows.length - 1]!.version <= session.replayUpTo;
  const joinAt = replay ? new Map<string, number>() : await joins(session, rows, reader, session.view);
  const d = replay ? undefined : await departures(session, rows, reader, joinAt);
  const left = d?.left ?? new Map<string, number>();
  const pending = d?.pending ?? new Map<string, number>();
  const inView = (k: string, v: number) => {
    const j = joinAt.get(k);
    if (j !== undefined && v >= j) return true;
    const l = left.get(k) ?? pending.get(k);
    if (l !== undefined && v > l) return false;
    return inViewAt(session, k, v);
  };
  const cr = cutRows(rows, session.ident, session.cursor.clientVersion, inView, session.clientFilter, maxBytes, d?.gone);
  const c = { ...cr, left, pending, states: d?.states ?? new Map<string, ObjectRecord>(), looked: d?.looked ?? new Set<string>() };
  if (replay) {
    settleCommitments(session, c.serverVersion);
    return c;
  }
  await logJoins(writer, session, joinAt, c.serverVersion);
  // Joins kept from before a reconnect (logged already) that the cursor has passed.
  for (const [k, v] of session.futureAdds) {
    if (v > c.serverVersion || rows.some((r) => r.version === v && r.privateTo === session.ident)) continue;
    session.futureAdds.delete(k);
    session.viewSet.add(k);
  }
  // Private rows of this client passed: their view changes are facts now.
  for (const row of rows) {
    if (row.version > c.serverVersion) break;
    if (row.privateTo !== session.ident) continue;
    const { added, removed } = privateRowChanges(row);
    for (const k of added) session.futureAdds.delete(k);
    for (const k of removed) session.futureRemoves.delete(k);
    // A key that joins at a later row of this batch (a birth) was not in the view at this one:
    // its join is already in the view set, and must not be taken for a membership this row ends.
    const joinsLater = (k: string) => (joinAt.get(k) ?? -1) > row.version;
    await logView(writer, session, row.version, added.filter((k) => !session.viewSet.has(k)), removed.filter((k) => session.viewSet.has(k) && !joinsLater(k)));
  }
  await logView(writer, session, c.serverVersion, [], [...c.erased].filter((k) => session.viewSet.has(k)));
  return c;
}

/** Replayed rows up to `upTo` passed: the view changes logged for them are the view set now. */
function settleCommitments(session: PlannerSession, upTo: number): void {
  let n = 0;
  for (const c of session.commitments) {
    if (c.version > upTo) break;
    if (c.in) session.viewSet.add(c.key);
    else session.viewSet.delete(c.key);
    n++;
  }
  session.commitments.splice(0, n);
  for (const [k, v] of session.futureAdds) if (v <= upTo) session.futureAdds.delete(k);
  for (const [k, v] of session.futureRemoves) if (v <= upTo) session.futureRemoves.delete(k);
}

/**
 * Membership of touched objects, judged on their current state: objects in the view set that
 * no longer match leave; objects outside it that match enter. Objects with a view row already
 * written past the cursor are left alone.
 */
export function membership(session: PlannerSession, keys: Iterable<string>, found: Map<string, ObjectRecord>) {
  const enter: { key: string; type: string; record: ObjectRecord }[] = [];
  const leave: string[] = [];
  for (const k of keys) {
    if (session.futureAdds.has(k) || session.futureRemoves.has(k)) continue;
    const { type } = splitKey(k);
    const rec = found.get(k);
    // A gone object leaves the view when its erase reaches the client (see `erased`).
    if (rec === undefined) continue;
    const matches = session.clientFilter.knowsType(type) && session.view.matches(type, rec);
    const has = session.viewSet.has(k);
    if (has && !matches) leave.push(k);
    else if (!has && matches) enter.push({ key: k, type, record: session.clientFilter.record(type, rec) });
  }
  return { enter, leave };
}

/**
 * Moves objects into (their state) and out of (an erase) a client's view, and returns the items
 * that do it. Runs inside the transaction that read the objects, so their state is the state at
 * the rows appended here.
 *
 * An erase is a private row like any other (it names the objects, nothing of their state). The
 * objects entering are not written to the history: one empty private row, the entry marker, takes
 * the position, and the client is sent their state as the changeset of that version. A history
 * shared by every device therefore grows by a row per page a device bootstraps, not by a copy of
 * its view. A marker read back from the history brings nothing (downloads.ts): a client that
 * reconnects from before it did not get those objects, and they are worked out again (the
 * session's view log drops them, see session.ts `identify`).
 */
export async function appendViewRows(
  ctx: PlannerContext,
  tx: StoreWriter,
  session: PlannerSession,
  leave: readonly string[],
  enter: readonly { key: string; type: string; record: ObjectRecord }[],
  clientVersion: number,
): Promise<{ items: Item[]; last: number }> {
  const items: Item[] = [];
  let last = 0;
  const append = async (changeset: Changeset) => {
    const latest = await tx.latestVersion();
    return tx.appendHistory({ origin: SERVER_ORIGIN, originVersion: latest + 1, privateTo: session.ident, changeset });
  };
  if (leave.length) {
    const changeset: Changeset = { origin: SERVER_ORIGIN, timestamp: ctx.tick(), instructions: leave.map((k) => ({ op: 'EraseObject', ...splitKey(k) })) };
    const v = await append(changeset);
    items.push({ kind: 'changeset', serverVersion: v, clientVersion, changeset });
    // Objects a cut took out of the view earlier (`logDepartures`) are out already.
    await logView(tx, session, v, [], leave.filter((k) => session.viewSet.has(k)));
    last = v;
  }
  if (enter.length) {
    const timestamp = ctx.tick();
    const v = await append({ origin: SERVER_ORIGIN, timestamp, instructions: [] });
    const changeset: Changeset = { origin: SERVER_ORIGIN, timestamp, instructions: enter.flatMap((o) => enterInstructions(ctx.schema, o.type, o.record)) };
    items.push({ kind: 'changeset', serverVersion: v, clientVersion, changeset });
    await logView(tx, session, v, enter.map((o) => o.key).filter((k) => !session.viewSet.has(k)), []);
    last = v;
  }
  return { items, last };
}

/** Whether a history row is an entry marker (see `appendViewRows`). */
export function isEntryMarker(row: { privateTo: number | null; changeset: Changeset }): boolean {
  return row.privateTo !== null && row.changeset.instructions.length === 0;
}

export interface PlannedDownload {
  readonly items: Item[];
  readonly cursor: { serverVersion: number; clientVersion: number };
  /** The last version appended by the planner (private view rows), if any. */
  readonly appended?: number;
}

/** The next download for a session (undefined when it is up to date). */
export async function planDownload(
  ctx: PlannerContext,
  session: PlannerSession,
  rows: readonly CachedRow[],
  maxBytes: number,
  /** Inside a transaction that holds the append lock (an upload's): plan with it directly. */
  locked?: StoreWriter,
): Promise<PlannedDownload | undefined> {
  if (rows.length === 0) return undefined;
  const reader: ObjectReader = locked ?? ctx.peek ?? ctx.store;
  const writer: StoreWriter | SyncStore = locked ?? ctx.store;
  const c = await cut(writer, reader, session, rows, maxBytes);
  const items: Item[] = [...c.items];
  const cursor = { serverVersion: c.serverVersion, clientVersion: c.clientVersion };
  // Replayed rows: the objects' view rows were written when they were first planned.
  if (c.serverVersion <= session.replayUpTo) return { items, cursor };
  const candidates = [...c.outside].filter((k) => session.view.filterFor(splitKey(k).type) !== undefined);
  const check = [...c.inside, ...candidates];
  if (check.length === 0 && c.left.size === 0 && c.pending.size === 0) return { items, cursor };

  // A first look (without the lock, unless held already): most touched objects neither enter nor leave.
  const unread = check.filter((k) => !c.looked.has(k));
  const states = new Map(c.states);
  if (unread.length > 0) for (const [k, rec] of await reader.getObjects(unread.map(splitKey))) states.set(k, rec);
  if (locked) {
    // Under the lock the objects read are the objects at the cursor: append their view rows.
    await logDepartures(locked, session, c);
    const m = membership(session, check, states);
    const leave = [...new Set([...c.left.keys(), ...m.leave])];
    if (m.enter.length === 0 && leave.length === 0) return { items, cursor };
    const r = await appendViewRows(ctx, locked, session, leave, m.enter, cursor.clientVersion);
    return { items: [...items, ...r.items], cursor: { serverVersion: r.last, clientVersion: cursor.clientVersion }, appended: r.last };
  }
  const m = membership(session, check, states);
  if (m.enter.length === 0 && m.leave.length === 0 && c.left.size === 0 && c.pending.size === 0) return { items, cursor };
  // Otherwise: under the lock, take the rows appended meanwhile, judge again, append.
  let result: PlannedDownload = { items, cursor };
  await ctx.store.transaction(async (tx) => {
    await guardSession(tx, session);
    // The departures the cut above decided, before the rows appended meanwhile are cut.
    await logDepartures(tx, session, c);
    const leaving = new Set(c.left.keys());
    const latestNow = await tx.latestVersion();
    const keys = new Set(check);
    let at = cursor;
    const all = [...items];
    if (latestNow > at.serverVersion) {
      const more = (await tx.history(at.serverVersion, latestNow)).map(prepareRow);
      const extra = await cut(tx, tx, Object.assign(Object.create(session) as PlannerSession, { cursor: at }), more, Number.POSITIVE_INFINITY);
      await logDepartures(tx, session, extra);
      for (const k of extra.left.keys()) leaving.add(k);
      all.push(...extra.items);
      for (const k of extra.inside) keys.add(k);
      for (const k of extra.outside) if (session.view.filterFor(splitKey(k).type)) keys.add(k);
      at = { serverVersion: extra.serverVersion, clientVersion: extra.clientVersion };
    }
    const m2 = membership(session, keys, await tx.getObjects([...keys].map(splitKey)));
    for (const k of m2.leave) leaving.add(k);
    if (m2.enter.length === 0 && leaving.size === 0) {
      result = { items: all, cursor: at };
      return;
    }
    const r = await appendViewRows(ctx, tx, session, [...leaving], m2.enter, at.clientVersion);
    result = { items: [...all, ...r.items], cursor: { serverVersion: r.last, clientVersion: at.clientVersion }, appended: r.last };
  });
  return result;
}

/** A DOWNLOAD as planned: the session adds the version salt of its cursor when it sends it. */
export type PlannedMessage = Omit<Download, 'versionSalt'>;

/** Cuts a run of items into DOWNLOAD messages of at most `maxBytes` (roughly). */
export function toMessages(
  items: readonly Item[],
  start: { serverVersion: number; clientVersion: number },
  cursor: { serverVersion: number; clientVersion: number },
  queryVersion: number,
  latest: number,
  maxBytes: number,
  bootstrap: boolean,
): PlannedMessage[] {
  const out: PlannedMessage[] = [];
  let batch: Item[] = [];
  let bytes = 0;
  const size = (i: Item) => i.json?.length ?? i.changeset.instructions.length * 80;
  const flush = (last: boolean) => {
    // Intermediate messages of a bootstrap keep the old cursor: the client applies them together.
    const c = last ? cursor : start;
    out.push({
      t: 'DOWNLOAD',
      queryVersion,
      cursor: c,
      latestServerVersion: Math.max(latest, cursor.serverVersion),
      items: batch as Download['items'],
      batch: bootstrap && !last ? 'more' : 'last',
      progress: { downloaded: c.serverVersion, downloadable: Math.max(latest, cursor.serverVersion) },
      serverTime: Date.now(),
    });
    batch = [];
    bytes = 0;
  };
  for (const item of items) {
    const s = size(item);
    if (bootstrap && batch.length > 0 && bytes + s > maxBytes) flush(false);
    batch.push(item);
    bytes += s;
  }
  flush(true);
  return out;
}
