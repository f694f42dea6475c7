import {
  applyChangeset,
  applyInstructions,
  checkChangeset,
  ObjectState,
  SERVER_ORIGIN,
  type Changeset,
  type Instruction,
  type ObjectChange,
} from '../../changeset/index.ts';
import { rebase } from '../../merge/index.ts';
import { cloneValue, pkKey, type ObjectRecord, type PrimaryKey, type Schema } from '../../model/index.ts';
import { OutpostError } from '../../errors.ts';
import type { ConflictBound, NewConflict, ObjectKey, StoreWriter } from '../store/types.ts';
import { detectConcurrentConflicts, detectReverts, type ConcurrentRow, type DetectedConflict, type RevertedWrite } from './conflicts.ts';
import { keyOf } from './keys.ts';
import { revertObject } from './revert.ts';
import type { SessionRoles } from './roles.ts';
import type { SessionView } from './view.ts';

/*
 * Integration of one client's upload into the history (docs/merge-rules.md, docs/protocol.md, docs/server.md on roles), inside
 * one store transaction that holds the append lock.
 *
 * For each uploaded changeset: skip it if already integrated (a re-send), check the client
 * version follows on, transform it against the foreign changesets it had not seen (in the form
 * this client knows them: the reciprocal history), check permissions per object and top-level
 * field, apply and append the allowed part, and when something was rejected append a revert
 * that only this client receives. The reciprocal forms this upload rewrote are stored.
 */

export { SERVER_ORIGIN };

export interface UploadEntry {
  readonly clientVersion: number;
  readonly base: number;
  readonly changeset: Changeset;
}

export interface CompensatingWrite {
  readonly type: string;
  readonly pk: PrimaryKey;
  readonly reason: string;
  readonly clientVersion: number;
  /** write_outside_view or permission_denied. */
  readonly code: 'write_outside_view' | 'permission_denied';
}

export interface IntegrationContext {
  readonly ident: number;
  readonly schema: Schema;
  readonly developmentMode: boolean;
  readonly roles: SessionRoles;
  readonly view: SessionView;
  /** Objects this client has (as the server knows): `objectKeyString` of type and pk text. */
  readonly viewSet: ReadonlySet<string>;
  /** A new server timestamp (for reverts). */
  readonly tick: () => number;
  /** The server version up to which this client's downloads were worked out (its session cursor). */
  readonly processedUpTo: number;
  /**
   * Whether the client was sent the rows about an object at a version: false where the object
   * was outside its view (before it entered, after it left, or all along). The client's changesets are transformed against exactly the
   * rows it was sent.
   */
  readonly inViewAt: (key: string, version: number) => boolean;
  /** How many conflict journal entries to keep, and for how long (the journal is pruned as it is written). */
  readonly conflictJournal?: { readonly maxEntries: number; readonly maxAgeMs: number };
}

export const DEFAULT_CONFLICT_JOURNAL = { maxEntries: 10_000, maxAgeMs: 30 * 24 * 3600_000 } as const;

export interface IntegrationResult {
  readonly integrated: number;
  readonly lastVersion: number;
  readonly compensating: CompensatingWrite[];
  /** Objects added to the client's view set (it created them). */
  /** Objects the client created that joined its view, with the version of the row that created them. */
  readonly addedToView: (ObjectKey & { version: number })[];
  /** The schema after development-mode additions. */
  readonly schema: Schema;
  /** Microseconds spent transforming. */
  readonly mergeMicros: number;
  /** Entries this upload added to the conflict journal. */
  readonly conflicts: number;
}

interface WindowEntry {
  readonly version: number;
  readonly origin: number;
  readonly originVersion: number;
  /** Private rows (reverts) are the server correcting this client, never a conflict. */
  readonly private: boolean;
  changeset: Changeset;
  changed: boolean;
}

export function objectInstructions(instructions: readonly Instruction[]): Map<string, { type: string; pk: PrimaryKey; list: Instruction[] }> {
  const out = new Map<string, { type: string; pk: PrimaryKey; list: Instruction[] }>();
  for (const i of instructions) {
    if (i.op === 'AddType' || i.op === 'AddField') continue;
    const k = keyOf(i.type, i.pk);
    let g = out.get(k);
    if (!g) out.set(k, (g = { type: i.type, pk: i.pk, list: [] }));
    g.list.push(i);
  }
  return out;
}

/** Loads the objects a changeset touches into a scratch state. */
export async function loadState(tx: StoreWriter, schema: Schema, groups: Map<string, { type: string; pk: PrimaryKey }>): Promise<ObjectState> {
  const state = new ObjectState(schema);
  const keys: ObjectKey[] = [...groups.values()].map((g) => ({ type: g.type, pk: g.pk }));
  if (keys.length === 0) return state;
  const found = await tx.getObjects(keys);
  for (const g of groups.values()) {
    const rec = found.get(keyOf(g.type, g.pk));
    if (rec) state.put(g.type, pkKey(g.pk), rec);
  }
  return state;
}

export async function persist(tx: StoreWriter, state: ObjectState, changes: readonly ObjectChange[]): Promise<void> {
  const puts = changes.filter((c) => c.kind !== 'delete').map((c) => ({ type: c.type, pk: c.pk, record: state.get(c.type, c.pk)! }));
  const deletes = changes.filter((c) => c.kind === 'delete').map((c) => ({ type: c.type, pk: c.pk }));
  if (puts.length) await tx.putObjects(puts);
  if (deletes.length) await tx.deleteObjects(deletes);
}

export interface Verdict {
  /** Instructions that pass, in order. */
  readonly allowed: Instruction[];
  /** Rejected parts whose revert the client needs: whole objects or top-level fields. */
  readonly reverts: Map<string, Revert>;
  readonly compensating: CompensatingWrite[];
}

/**
 * Decides, per object and top-level field, what of a transformed changeset the client may do.
 * `state` holds the objects as the server has them before the changeset.
 */
export function judge(
  ctx: IntegrationContext,
  inView: (k: string) => boolean,
  bornConcurrently: (k: string) => boolean,
  state: ObjectState,
  changeset: Changeset,
  clientVersion: number,
): Verdict {
  const groups = objectInstructions(changeset.instructions);
  const rejectAll = new Map<string, { reason: string; code: CompensatingWrite['code'] }>();
  const rejectFields = new Map<string, Map<string, string>>();
  const noRevert = new Set<string>();
  const hidden = new Set<string>();
  for (const [k, g] of groups) {
    const before = state.get(g.type, g.pk);
    const creates = g.list.some((i) => i.op === 'CreateObject');
    // Not in the client's view: a new object, or the same key created concurrently elsewhere
    // (two offline creates meet as one object); anything else is outside the view.
    const joins = !inView(k) && creates && (!before || bornConcurrently(k));
    if (!inView(k) && !joins) {
      if (creates) {
        // The key belongs to an object this client cannot see: its copy is erased again. The
        // answer must not tell that the object exists: the create is judged as the create of a
        // new object would be, and refused as one outside the view (the same reason, code and
        // revert, an erase, as a new object that does not match the subscriptions).
        rejectAll.set(k, createRefusal(ctx, g) ?? { reason: outsideViewReason(g.type), code: 'write_outside_view' });
        hidden.add(k);
      } else {
        rejectAll.set(k, { reason: `${g.type} is outside this session's view`, code: 'write_outside_view' });
        noRevert.add(k); // the client removes it (or already has) when it leaves the view
      }
      continue;
    }
    const role = ctx.roles.get(g.type);
    // The object as this changeset leaves it, to check write filters and subscriptions after the write.
    const scratch = new ObjectState(ctx.schema);
    if (before) scratch.put(g.type, pkKey(g.pk), cloneValue(before));
    let after: ObjectRecord | undefined;
    try {
      applyInstructions(scratch, g.list);
      after = scratch.get(g.type, g.pk);
    } catch (err) {
      throw err instanceof OutpostError ? err : new OutpostError('bad_changeset', String(err));
    }
    if (role.write.kind === 'none') {
      rejectAll.set(k, { reason: `no write permission for ${g.type} (role ${role.name})`, code: 'permission_denied' });
      continue;
    }
    if (role.write.kind === 'filter') {
      const q = role.write.query;
      if ((before && !q.matches(before)) || (after && !q.matches(after))) {
        rejectAll.set(k, { reason: `write permission denied for this ${g.type} (role ${role.name})`, code: 'permission_denied' });
        continue;
      }
    }
    if (joins && after && !ctx.view.matches(g.type, after)) {
      rejectAll.set(k, { reason: outsideViewReason(g.type), code: 'write_outside_view' });
      continue;
    }
    for (const i of g.list) {
      if (i.op === 'CreateObject' || i.op === 'EraseObject' || i.op === 'AddType' || i.op === 'AddField') continue;
      const field = i.path[0] as string;
      if (role.fields[field]?.write === false) {
        let m = rejectFields.get(k);
        if (!m) rejectFields.set(k, (m = new Map()));
        m.set(field, `field ${g.type}.${field} is not writable (role ${role.name})`);
      }
    }
  }

  const allowed: Instruction[] = [];
  for (const i of changeset.instructions) {
    if (i.op === 'AddType' || i.op === 'AddField') {
      allowed.push(i);
      continue;
    }
    const k = keyOf(i.type, i.pk);
    if (rejectAll.has(k)) continue;
    if (i.op !== 'CreateObject' && i.op !== 'EraseObject' && rejectFields.get(k)?.has(i.path[0] as string)) continue;
    allowed.push(i);
  }

  const reverts = new Map<string, Revert>();
  const compensating: CompensatingWrite[] = [];
  for (const [k, { reason, code }] of rejectAll) {
    const g = groups.get(k)!;
    compensating.push({ type: g.type, pk: g.pk, reason, clientVersion, code });
    if (noRevert.has(k)) continue;
    // A rejected create or erase changed the client's copy as a whole: all of it comes back.
    // Otherwise only the fields the rejected writes touched are rewritten, so that the client's
    // later (allowed) changes to other fields, concurrent with the revert, survive it.
    const whole = hidden.has(k) || g.list.some((i) => i.op === 'CreateObject' || i.op === 'EraseObject');
    if (whole) reverts.set(k, { type: g.type, pk: g.pk, fields: 'all', ...(hidden.has(k) ? { absent: true as const } : {}) });
    else reverts.set(k, fieldRevert(g, new Set(g.list.map((i) => (i as { path: readonly unknown[] }).path[0] as string))));
  }
  for (const [k, fields] of rejectFields) {
    const g = groups.get(k)!;
    for (const reason of new Set(fields.values())) compensating.push({ type: g.type, pk: g.pk, reason, clientVersion, code: 'permission_denied' });
    reverts.set(k, fieldRevert(g, new Set(fields.keys())));
  }
  return { allowed, reverts, compensating };
}

/** Why a create outside the session's view was refused: one reason whether or not the key exists. */
function outsideViewReason(type: string): string {
  return `the new ${type} is outside this session's view`;
}

/**
 * How the write rules refuse a create, judged as if the object were new (nothing before it), or
 * undefined when they allow it.
 */
function createRefusal(ctx: IntegrationContext, g: { type: string; pk: PrimaryKey; list: Instruction[] }): { reason: string; code: CompensatingWrite['code'] } | undefined {
  const role = ctx.roles.get(g.type);
  if (role.write.kind === 'none') return { reason: `no write permission for ${g.type} (role ${role.name})`, code: 'permission_denied' };
  if (role.write.kind !== 'filter') return undefined;
  let after: ObjectRecord | undefined;
  try {
    const scratch = new ObjectState(ctx.schema);
    applyInstructions(scratch, g.list);
    after = scratch.get(g.type, g.pk);
  } catch {
    return undefined;
  }
  if (after && !role.write.query.matches(after)) return { reason: `write permission denied for this ${g.type} (role ${role.name})`, code: 'permission_denied' };
  return undefined;
}

/** What of one object the client must get back to the server's state. */
export interface Revert {
  readonly type: string;
  readonly pk: PrimaryKey;
  readonly fields: 'all' | Set<string>;
  /** The key is taken by an object outside the client's view: its copy is erased. */
  readonly absent?: true;
  /**
   * Fields the rejected writes only incremented, with the total: undone by the opposite
   * increment rather than a Set, so the client's own later increments (concurrent with the
   * revert) still count.
   */
  readonly undo?: Map<string, number>;
}

function fieldRevert(g: { type: string; pk: PrimaryKey; list: Instruction[] }, fields: Set<string>): Revert {
  const undo = new Map<string, number>();
  for (const f of fields) {
    const on = g.list.filter((i) => i.op !== 'CreateObject' && i.op !== 'EraseObject' && i.op !== 'AddType' && i.op !== 'AddField' && i.path[0] === f);
    if (on.length > 0 && on.every((i) => i.op === 'AddInteger' && i.path.length === 1)) {
      undo.set(f, on.reduce((sum, i) => sum + (i as { value: number }).value, 0));
    }
  }
  return { type: g.type, pk: g.pk, fields, ...(undo.size > 0 ? { undo } : {}) };
}

/**
 * The changeset as stored in the history keeps a CreateObject only where it really creates the
 * object (a "birth"): a create of an object that already exists changes nothing, and dropping
 * it lets downloads treat every CreateObject in the history as the start of an object.
 */
export function withoutRepeatedCreates(instructions: readonly Instruction[], state: ObjectState): Instruction[] {
  const exists = new Map<string, boolean>();
  const out: Instruction[] = [];
  for (const i of instructions) {
    if (i.op === 'CreateObject' || i.op === 'EraseObject') {
      const k = keyOf(i.type, i.pk);
      const present = exists.get(k) ?? state.has(i.type, i.pk);
      if (i.op === 'CreateObject') {
        exists.set(k, true);
        if (present) continue;
      } else exists.set(k, false);
    }
    out.push(i);
  }
  return out;
}

/**
 * A row as the client received it: without the instructions about objects that were outside
 * its view at that version, except the objects `keep` (which it created itself: those are
 * transformed against everything, and corrected afterwards).
 */
function asReceived(c: Changeset, version: number, inViewAt: IntegrationContext['inViewAt'], keep: ReadonlySet<string>): Changeset {
  const kept = c.instructions.filter((i) => {
    if (i.op === 'AddType' || i.op === 'AddField') return true;
    const k = keyOf(i.type, i.pk);
    return keep.has(k) || inViewAt(k, version);
  });
  return kept.length === c.instructions.length ? c : { origin: c.origin, timestamp: c.timestamp, instructions: kept };
}

/**
 * The objects a changeset touches that entered the client's view at an entry marker after its
 * base (planner.ts, `appendViewRows`): the client rebased the changeset over their state, which
 * the history does not hold to transform it against here, so the client is sent each of them as
 * the server has it (a correction, as for an object it created without having it).
 */
function enteredAtMarker(e: UploadEntry, ctx: IntegrationContext, markers: readonly number[], fresh: ReadonlyMap<string, unknown>) {
  const out = new Map<string, { type: string; pk: PrimaryKey }>();
  if (!markers.some((m) => m > e.base)) return out;
  for (const [k, g] of objectInstructions(e.changeset.instructions)) {
    if (fresh.has(k) || !ctx.viewSet.has(k) || ctx.inViewAt(k, e.base)) continue;
    if (markers.some((m) => m > e.base && ctx.inViewAt(k, m) && !ctx.inViewAt(k, m - 1))) out.set(k, { type: g.type, pk: g.pk });
  }
  return out;
}

/** Integrates an upload; throws a typed OutpostError for anything the client must be told. */
export async function integrateUpload(tx: StoreWriter, ctx: IntegrationContext, entries: readonly UploadEntry[]): Promise<IntegrationResult> {
  const file = await tx.getClientFile(ctx.ident);
  if (!file) throw new OutpostError('bad_client_file', `client file ${ctx.ident} is unknown`);
  let lastIntegrated = file.lastIntegrated;
  let reciprocalBase = file.reciprocalBase;
  let schema = ctx.schema;
  const pending = entries.filter((e) => e.clientVersion > lastIntegrated);
  const result = { integrated: 0, lastVersion: await tx.latestVersion(), compensating: [] as CompensatingWrite[], addedToView: [] as (ObjectKey & { version: number })[] };
  if (pending.length === 0) return { ...result, schema, mergeMicros: 0, conflicts: 0 };

  const firstBase = pending[0]!.base;
  if (firstBase < reciprocalBase || firstBase > result.lastVersion) {
    throw new OutpostError('bad_cursor', `upload base ${firstBase} is outside the history this client can continue from (${reciprocalBase}..${result.lastVersion})`);
  }
  // The foreign changesets after the first base, as this client knows them.
  const rows = await tx.history(firstBase, result.lastVersion);
  const reciprocal = await tx.reciprocal(ctx.ident, firstBase);
  // Objects this upload creates that the client did not have in its view: transformed against
  // every concurrent row (and corrected afterwards), not only those it was sent.
  const createdHere = new Set(
    pending.flatMap((e) => e.changeset.instructions.filter((i) => i.op === 'CreateObject').map((i) => keyOf(i.type, (i as { pk: PrimaryKey }).pk))),
  );
  for (const k of createdHere) if (ctx.viewSet.has(k)) createdHere.delete(k);
  const window: WindowEntry[] = rows
    .filter((r) => r.origin !== ctx.ident && (r.privateTo === null || r.privateTo === ctx.ident))
    .map((r) => {
      const c = reciprocal.get(r.version) ?? r.changeset;
      // A row only this client gets is never cut, in downloads or here.
      return {
        version: r.version,
        origin: r.origin,
        originVersion: r.originVersion,
        private: r.privateTo !== null,
        changeset: r.privateTo === null ? asReceived(c, r.version, ctx.inViewAt, createdHere) : c,
        changed: false,
      };
    });

  const markers = rows.filter((r) => r.privateTo === ctx.ident && r.changeset.instructions.length === 0).map((r) => r.version);
  // Objects born (really created) in foreign rows of the window: a create of the same key by
  // this client, made before it saw them, is a concurrent create and joins the object.
  const births = rows
    .filter((r) => r.origin !== ctx.ident && r.privateTo === null)
    .map((r) => ({ version: r.version, keys: new Set(r.changeset.instructions.filter((i) => i.op === 'CreateObject').map((i) => keyOf(i.type, (i as { pk: PrimaryKey }).pk))) }))
    .filter((b) => b.keys.size > 0);
  let mergeMicros = 0;
  const detected: DetectedConflict[] = [];
  let previousBase = firstBase;
  // Objects this upload created: in the client's view from now on (the caller adds them to
  // the session's view set once the transaction commits).
  const added = new Set<string>();
  for (const e of pending) {
    if (e.clientVersion !== lastIntegrated + 1) {
      throw new OutpostError('bad_client_version', `expected client version ${lastIntegrated + 1}, got ${e.clientVersion}`);
    }
    if (e.base < previousBase || e.base > result.lastVersion) throw new OutpostError('bad_cursor', `upload base ${e.base} goes backwards or past the history`);
    if (e.changeset.origin !== ctx.ident) throw new OutpostError('bad_changeset', `changeset origin ${e.changeset.origin} is not this client file (${ctx.ident})`);
    if (!ctx.developmentMode && e.changeset.instructions.some((i) => i.op === 'AddType' || i.op === 'AddField')) {
      throw new OutpostError('schema_mismatch', 'schema changes are only accepted in development mode');
    }
    const checked = checkChangeset(schema, e.changeset);
    const inView = (k: string) => ctx.viewSet.has(k) || added.has(k);
    // Objects the client created that the server did not think it had: it has them now, but it
    // did not get the changes other clients made to the same key before its upload arrived.
    const fresh = objectInstructions(e.changeset.instructions.filter((i) => i.op === 'CreateObject' && !inView(keyOf(i.type, i.pk))));

    const concurrent = window.filter((w) => w.version > e.base);
    const concurrentBefore = concurrent.map((w) => w.changeset);
    const t0 = performance.now();
    const r = rebase(checked, concurrentBefore);
    mergeMicros += (performance.now() - t0) * 1000;
    concurrent.forEach((w, k) => {
      if (r.concurrent[k] !== w.changeset) {
        w.changeset = r.concurrent[k]!;
        w.changed = true;
      }
    });

    const groups = objectInstructions(r.changeset.instructions);
    for (const [k, g] of fresh) if (!groups.has(k)) groups.set(k, { ...g, list: [] });
    const entered = enteredAtMarker(e, ctx, markers, fresh);
    for (const [k, g] of entered) if (!groups.has(k)) groups.set(k, { ...g, list: [] });
    const state = await loadState(tx, schema, groups);
    const bornConcurrently = (k: string) => births.some((b) => b.version > e.base && b.keys.has(k));
    const verdict = judge({ ...ctx, schema }, inView, bornConcurrently, state, r.changeset, e.clientVersion);
    const allowed: Changeset = { origin: ctx.ident, timestamp: r.changeset.timestamp, instructions: withoutRepeatedCreates(verdict.allowed, state) };
    // Objects this upload erases, as they were: who may read a journal entry about them is judged on it.
    const erasedObjects = new Map<string, ObjectRecord>();
    for (const i of allowed.instructions) {
      if (i.op !== 'EraseObject') continue;
      const before = state.get(i.type, i.pk);
      if (before) erasedObjects.set(keyOf(i.type, i.pk), cloneValue(before));
    }
    const changes = applyChangeset(state, allowed);
    await persist(tx, state, changes);
    if (state.schema !== schema) {
      schema = state.schema;
      await tx.setSchema(schema.toJSON());
    }
    const version = await tx.appendHistory({ origin: ctx.ident, originVersion: e.clientVersion, privateTo: null, changeset: allowed });
    result.lastVersion = version;

    // Reverts and corrections bring the client's copy to the server's, whatever the client's
    // copy is (it may have changes the server never saw): the object's whole state, or the
    // rejected fields, written over it; or an erase when it is not in the client's view.
    const corrections: Instruction[] = [];
    const resync = (type: string, pk: PrimaryKey, k: string, fields: 'all' | Set<string>, absent: boolean, undo?: Map<string, number>) => {
      const server = absent ? undefined : state.get(type, pk);
      const visible = server !== undefined && (ctx.viewSet.has(k) || added.has(k)) ? server : undefined;
      const t = schema.require(type);
      if (!visible) {
        corrections.push({ op: 'EraseObject', type, pk });
        return;
      }
      let rewrite = fields;
      if (undo && fields !== 'all') {
        rewrite = new Set([...fields].filter((f) => !undo.has(f)));
        for (const [f, sum] of undo) if (sum !== 0) corrections.push({ op: 'AddInteger', type, pk, path: [f], value: -sum });
      }
      corrections.push(...revertObject(t, pk, rewrite === 'all' ? undefined : visible, visible, rewrite, true));
    };
    for (const [k, g] of fresh) {
      if (verdict.reverts.has(k)) continue;
      const server = state.get(g.type, g.pk);
      if (server !== undefined && ctx.view.matches(g.type, server) && !added.has(k)) {
        added.add(k);
        result.addedToView.push({ type: g.type, pk: g.pk, version });
      }
      // Rows about this key that the client was not sent (it was not in its view then).
      const missed = rows.some(
        (row) =>
          row.version > e.base &&
          row.origin !== ctx.ident &&
          (row.privateTo === null || row.privateTo === ctx.ident) &&
          row.changeset.instructions.some((i) => i.op !== 'AddType' && i.op !== 'AddField' && keyOf(i.type, i.pk) === k),
      );
      if (missed) resync(g.type, g.pk, k, 'all', false);
    }
    // Objects that entered the client's view at an entry marker after this changeset's base
    // (planner.ts, `appendViewRows`): the client rebased the changeset over their state, which
    // the history does not hold to transform it against here, so the client is sent the object
    // as the server has it.
    for (const [k, g] of entered) {
      // An object the changeset erased is gone on both sides.
      if (verdict.reverts.has(k) || state.get(g.type, g.pk) === undefined) continue;
      resync(g.type, g.pk, k, 'all', false);
      // The client has the object from its own changes now, whether or not it gets the marker:
      // a reconnect from before the marker does not enter it again (session.ts, `identify`).
      if (!added.has(k)) {
        added.add(k);
        result.addedToView.push({ type: g.type, pk: g.pk, version });
      }
    }
    for (const [k, g] of verdict.reverts) resync(g.type, g.pk, k, g.fields, g.absent === true, g.undo);
    let revertVersion: number | null = null;
    if (corrections.length > 0) {
      const revert: Changeset = { origin: SERVER_ORIGIN, timestamp: ctx.tick(), instructions: corrections };
      const v = await tx.appendHistory({ origin: SERVER_ORIGIN, originVersion: version + 1, privateTo: ctx.ident, changeset: revert });
      result.lastVersion = v;
      revertVersion = v;
      // The correction is foreign to this client and concurrent with its later changesets.
      window.push({ version: v, origin: SERVER_ORIGIN, originVersion: version + 1, private: true, changeset: revert, changed: false });
    }
    const rowsSeen: ConcurrentRow[] = [];
    concurrent.forEach((w, n) => {
      if (!w.private) rowsSeen.push({ version: w.version, origin: w.origin, originVersion: w.originVersion, before: concurrentBefore[n]!, after: r.concurrent[n]! });
    });
    const upload = { origin: ctx.ident, clientVersion: e.clientVersion, version, before: checked, after: r.changeset, applied: allowed };
    detected.push(...detectConcurrentConflicts(upload, rowsSeen, erasedObjects, (k) => ctx.inViewAt(k, e.base)));
    detected.push(...detectReverts(upload, revertedWrites(verdict), (type, pk) => state.get(type, pk), revertVersion));
    result.compensating.push(...verdict.compensating);
    lastIntegrated = e.clientVersion;
    reciprocalBase = e.base;
    previousBase = e.base;
    result.integrated++;
  }

  for (const w of window) {
    if (w.changed && w.version > reciprocalBase) await tx.putReciprocal(ctx.ident, w.version, w.changeset);
  }
  if (detected.length > 0) await recordConflicts(tx, detected, ctx.conflictJournal ?? DEFAULT_CONFLICT_JOURNAL);
  await tx.pruneReciprocal(ctx.ident, reciprocalBase);
  // The client had downloaded up to its last base: the view changes sent up to there are settled.
  await tx.settleViewLog(ctx.ident, reciprocalBase);
  // The objects it created join its view at the rows that created them (kept across reconnects
  // like joins: it has them whatever its download cursor).
  for (const a of result.addedToView) {
    await tx.logViewChanges(ctx.ident, a.version, [{ kind: 'add', type: a.type, pk: a.pk, version: a.version }]);
  }
  // The client had downloaded up to its base: compaction may drop what is before it.
  await tx.updateClientFile(ctx.ident, {
    lastIntegrated,
    reciprocalBase,
    lastSeenAt: Date.now(),
    syncedVersion: Math.max(file.syncedVersion, reciprocalBase),
    // The window was cut as this session's downloads were, and the objects this upload created
    // joined its view at the rows it appended: a reconnect replays all of that as it was.
    plannedVersion: Math.max(file.plannedVersion, result.lastVersion),
  });
  return { ...result, schema, mergeMicros, conflicts: detected.length };
}

/** The writes a verdict refused, one per object, with the fields its revert rewrites. */
function revertedWrites(verdict: Verdict): RevertedWrite[] {
  const out = new Map<string, RevertedWrite>();
  for (const c of verdict.compensating) {
    const k = keyOf(c.type, c.pk);
    if (out.has(k)) continue;
    out.set(k, { type: c.type, pk: c.pk, reason: `${c.code}: ${c.reason}`, fields: verdict.reverts.get(k)?.fields ?? 'all' });
  }
  return [...out.values()];
}

/** Journals the decisions with the users of both sides (looked up once per client file). */
async function recordConflicts(tx: StoreWriter, detected: readonly DetectedConflict[], bound: Omit<ConflictBound, 'now'>): Promise<void> {
  const users = new Map<number, string | null>([[SERVER_ORIGIN, null]]);
  const userOf = async (origin: number): Promise<string | null> => {
    if (!users.has(origin)) users.set(origin, (await tx.getClientFile(origin))?.userId ?? null);
    return users.get(origin)!;
  };
  const at = Date.now();
  const entries: NewConflict[] = [];
  for (const d of detected) {
    entries.push({ ...d, at, loser: { ...d.loser, userId: await userOf(d.loser.origin) }, winner: { ...d.winner, userId: await userOf(d.winner.origin) } });
  }
  await tx.recordConflicts(entries, { ...bound, now: at });
}
