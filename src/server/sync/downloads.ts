import type { Changeset, Instruction } from '../../changeset/index.ts';
import { pkKey, zeroValue, type ObjectRecord, type PrimaryKey, type Schema } from '../../model/index.ts';
import { objectKeyString } from '../store/types.ts';
import type { CachedRow } from './history-cache.ts';

/*
 * What one session downloads of a run of history rows: its own rows are skipped (they only move
 * the acknowledgement), private rows of other clients are skipped, and every changeset is cut
 * to the objects in the session's view set (the objects the client has) and to the types and
 * fields the client's schema knows. Objects the rows touch that are not in the view set are
 * collected: they may have entered the view.
 */

export interface ChangesetItem {
  readonly kind: 'changeset';
  readonly serverVersion: number;
  readonly clientVersion: number;
  readonly changeset: Changeset;
  /** The wire JSON when the changeset went through unfiltered (reused across sessions). */
  readonly json?: string;
}

export type Item = ChangesetItem;

/**
 * The part of the server schema a client may have: the types and fields of its own schema, less
 * the fields its role hides (`fields.<f>.read: false`). Hidden fields are never sent: not in
 * changesets, not in the state of entering objects, not in fresh copies.
 */
export class ClientSchemaFilter {
  private readonly fields: Map<string, Set<string>> | undefined;
  private readonly hidden: ReadonlyMap<string, ReadonlySet<string>>;

  constructor(
    private readonly server: Schema,
    client: Schema | undefined,
    hidden: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
    known?: Map<string, Set<string>>,
  ) {
    this.hidden = hidden;
    if (known) {
      this.fields = known;
      return;
    }
    if (!client) return;
    let same = true;
    const fields = new Map<string, Set<string>>();
    for (const [name, t] of client.types) {
      fields.set(name, new Set(t.properties.keys()));
      const st = server.get(name);
      if (!st || st.properties.size !== t.properties.size) same = false;
    }
    if (same && client.types.size === server.types.size) return;
    this.fields = fields;
  }

  /** The same filter, also cutting the fields the session's role hides. */
  hiding(hidden: ReadonlyMap<string, ReadonlySet<string>>): ClientSchemaFilter {
    return new ClientSchemaFilter(this.server, undefined, hidden, this.fields);
  }

  get isIdentity(): boolean {
    return this.fields === undefined && this.hidden.size === 0;
  }

  keeps(i: Instruction): boolean {
    if (this.isIdentity) return true;
    if (i.op === 'AddType') return this.fields === undefined;
    if (this.fields) {
      const f = this.fields.get(i.type);
      if (!f) return false;
      if (i.op === 'AddField') return false;
      if (i.op === 'CreateObject' || i.op === 'EraseObject') return true;
      if (!f.has(i.path[0] as string)) return false;
    }
    if (i.op === 'AddField' || i.op === 'CreateObject' || i.op === 'EraseObject') return true;
    return !this.hidden.get(i.type)?.has(i.path[0] as string);
  }

  /**
   * An instruction of an entry private to this client (a revert, a correction) as it may have
   * it. On a hidden field the client's copy is the zero value: a revert that writes the field
   * writes that instead of the server's value, and a Clear stays (it empties the client's own
   * rejected writes); an opposite increment only undoes the client's own.
   */
  forPrivate(i: Instruction): Instruction | undefined {
    if (i.op === 'AddType' || i.op === 'AddField' || i.op === 'CreateObject' || i.op === 'EraseObject') return this.keeps(i) ? i : undefined;
    if (this.fields && !this.fields.get(i.type)?.has(i.path[0] as string)) return undefined;
    if (!this.hidden.get(i.type)?.has(i.path[0] as string)) return i;
    if (i.op === 'Clear' || (i.op === 'AddInteger' && i.path.length === 1)) return i;
    if (i.op === 'Set' && i.path.length === 1) {
      const prop = this.server.get(i.type)?.properties.get(i.path[0] as string);
      return prop ? { ...i, value: zeroValue(prop) } : undefined;
    }
    return undefined;
  }

  /** A record with only the fields the client may have (embedded objects keep theirs: same types). */
  record(type: string, rec: ObjectRecord): ObjectRecord {
    const f = this.fields?.get(type);
    const h = this.hidden.get(type);
    if (!f && !h) return rec;
    const out = Object.create(null) as ObjectRecord;
    for (const k of Object.keys(rec)) if ((!f || f.has(k)) && !h?.has(k)) out[k] = rec[k]!;
    return out;
  }

  knowsType(type: string): boolean {
    return !this.fields || this.fields.has(type);
  }
}

export interface CutResult {
  readonly items: ChangesetItem[];
  /** The last row taken, and the client's own last integrated version as of it. */
  readonly serverVersion: number;
  readonly clientVersion: number;
  /** Objects touched but not in the view set (may have entered it), and those in it (may have left). */
  readonly outside: Set<string>;
  readonly inside: Set<string>;
  /** Objects whose erase the client was sent (and not a later re-creation): it no longer has them. */
  readonly erased: Set<string>;
  readonly bytes: number;
}

/**
 * Objects born in these rows (a CreateObject, which in the history always starts an object)
 * that are not in the view set: if they match the view they join it from their birth on, and
 * the client gets their whole history instead of a copy, so that a create of the same key it
 * made offline merges with them by the rules.
 */
export function birthsOutside(rows: readonly CachedRow[], ident: number, inView: (key: string) => boolean): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of rows) {
    if (row.origin === ident || (row.privateTo !== null && row.privateTo !== ident)) continue;
    for (const i of row.changeset.instructions) {
      if (i.op !== 'CreateObject') continue;
      const k = objectKeyString(i.type, pkKey(i.pk));
      if (!inView(k) && !out.has(k)) out.set(k, row.version);
    }
  }
  return out;
}

export function cutRows(
  rows: readonly CachedRow[],
  ident: number,
  clientVersion: number,
  inViewAt: (key: string, version: number) => boolean,
  filter: ClientSchemaFilter,
  maxBytes: number,
  /** Objects in the view that are gone by now: of their instructions only the erasures are sent. */
  onlyErase: ReadonlySet<string> = new Set(),
): CutResult {
  const items: ChangesetItem[] = [];
  const outside = new Set<string>();
  const inside = new Set<string>();
  const erased = new Set<string>();
  const noteErasures = (instructions: readonly Instruction[], inView: (k: string) => boolean) => {
    for (const i of instructions) {
      if (i.op !== 'EraseObject' && i.op !== 'CreateObject') continue;
      const k = objectKeyString(i.type, pkKey(i.pk));
      if (!inView(k)) continue;
      if (i.op === 'EraseObject') erased.add(k);
      else erased.delete(k);
    }
  };
  let serverVersion = -1;
  let bytes = 0;
  for (const row of rows) {
    if (bytes > maxBytes && items.length > 0) break;
    serverVersion = row.version;
    if (row.origin === ident) {
      clientVersion = row.originVersion;
      continue;
    }
    if (row.privateTo !== null && row.privateTo !== ident) continue;
    // An entry marker (planner.ts, `appendViewRows`) holds nothing: the objects it entered were
    // sent with it when it was planned, and are not sent again from the history.
    if (row.privateTo === ident && row.changeset.instructions.length === 0) continue;
    // A row only this client gets (the revert of its own writes) is about objects it has,
    // whether or not the view set says so: it is never cut.
    const inView = row.privateTo === ident ? () => true : (k: string) => inViewAt(k, row.version);
    let all = !row.hasSchema || filter.isIdentity;
    for (const k of row.objects) {
      if (inView(k)) {
        // Objects of its own private rows were judged when the row was written (an enter row
        // under the view it was written for, which a bootstrap interrupted by a reconnect has not
        // made active yet): judging them again would erase them only to enter them again.
        if (row.privateTo === null) inside.add(k);
        if (onlyErase.has(k) && row.privateTo === null) all = false;
      } else {
        outside.add(k);
        all = false;
      }
    }
    noteErasures(row.changeset.instructions, inView);
    if (all && filter.isIdentity) {
      items.push({ kind: 'changeset', serverVersion: row.version, clientVersion, changeset: row.changeset, json: row.json });
      bytes += row.json.length;
      continue;
    }
    const kept =
      row.privateTo === ident
        ? row.changeset.instructions.map((i) => filter.forPrivate(i)).filter((i): i is Instruction => i !== undefined)
        : row.changeset.instructions.filter((i) => {
            if (!filter.keeps(i)) return false;
            if (i.op === 'AddType' || i.op === 'AddField') return true;
            const k = objectKeyString(i.type, pkKey(i.pk));
            if (onlyErase.has(k) && i.op !== 'EraseObject') return false;
            return inView(k);
          });
    // A changeset with nothing left for this client is not sent: the cursor covers it.
    if (kept.length === 0) continue;
    const changeset = { origin: row.changeset.origin, timestamp: row.changeset.timestamp, instructions: kept };
    items.push({ kind: 'changeset', serverVersion: row.version, clientVersion, changeset });
    bytes += kept.length * 64 + 64;
  }
  return { items, serverVersion, clientVersion, outside, inside, erased, bytes };
}
