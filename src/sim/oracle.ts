import type { ObjectState } from '../changeset/index.ts';
import { canonicalJson, isRecord, type ObjectRecord, type Value } from '../model/index.ts';
import { NOTE_KEYS, TASK_KEYS, slotOf, type Intent } from './workload.ts';

/*
 * The oracle: what the merge rules say the final state must be, computed from the writes'
 * intents and their causal order alone, never from transformed instructions. It checks
 * meaning where convergence alone could hide a wrong-but-agreed result: a field holds the
 * latest concurrent write (explicit over default), counters are the sum of their surviving
 * increments, an erase beats concurrent and earlier writes, a clear beats what it concurrently
 * empties, list inserts from every side survive unless erased or cleared.
 */

export interface RecordedOp {
  readonly intent: Intent;
  /** The replica that wrote it (client index, or -1 for the server) and its version there. */
  readonly replica: number;
  readonly version: number;
  /** Position within its transaction. */
  readonly index: number;
  readonly timestamp: number;
  /** What the writer had integrated: replica -> highest version. */
  readonly seen: ReadonlyMap<number, number>;
}

export type OriginOf = (replica: number) => number;

function happenedBefore(x: RecordedOp, y: RecordedOp): boolean {
  if (x.replica === y.replica && x.version === y.version) return x.index < y.index;
  return (y.seen.get(x.replica) ?? 0) >= x.version;
}

function concurrent(x: RecordedOp, y: RecordedOp): boolean {
  return !happenedBefore(x, y) && !happenedBefore(y, x);
}

function later(x: RecordedOp, y: RecordedOp, originOf: OriginOf): boolean {
  if (x.timestamp !== y.timestamp) return x.timestamp > y.timestamp;
  return originOf(x.replica) > originOf(y.replica);
}

/** The ops that no other op of the list happened after. */
function maximal(ops: RecordedOp[]): RecordedOp[] {
  return ops.filter((x) => !ops.some((y) => y !== x && happenedBefore(x, y)));
}

function latest(ops: RecordedOp[], originOf: OriginOf, explicitFirst = false): RecordedOp | undefined {
  let best: RecordedOp | undefined;
  for (const op of maximal(ops)) {
    if (!best) best = op;
    else {
      const a = op.intent as { isDefault?: boolean };
      const b = best.intent as { isDefault?: boolean };
      if (explicitFirst && !!a.isDefault !== !!b.isDefault) {
        if (!a.isDefault) best = op;
      } else if (later(op, best, originOf)) best = op;
    }
  }
  return best;
}

export function checkOracle(ops: readonly RecordedOp[], state: ObjectState, originOf: OriginOf): string[] {
  const problems: string[] = [];
  const byObject = new Map<string, RecordedOp[]>();
  for (const op of ops) {
    const k = op.intent.type + ':' + op.intent.key;
    let list = byObject.get(k);
    if (!list) byObject.set(k, (list = []));
    list.push(op);
  }
  const keys: [string, string, Value][] = [
    ...TASK_KEYS.map((k): [string, string, Value] => ['Task', k, k]),
    ...NOTE_KEYS.map((k): [string, string, Value] => ['Note', k.toHexString(), k]),
  ];
  for (const [type, key, pk] of keys) {
    const objOps = byObject.get(type + ':' + key) ?? [];
    const erases = objOps.filter((o) => o.intent.kind === 'erase');
    const alive = (op: RecordedOp) => erases.every((e) => happenedBefore(e, op));
    const exists = objOps.some((o) => o.intent.kind === 'create' && alive(o));
    const rec = state.get(type, pk as never);
    const where = `${type} ${key}`;
    if (exists !== !!rec) {
      problems.push(`${where}: expected ${exists ? 'to exist' : 'erased'}, found ${rec ? 'it' : 'nothing'}`);
      continue;
    }
    if (!rec) continue;
    const live = objOps.filter(alive);
    checkObject(where, type, live, rec, originOf, problems);
  }
  return problems;
}

function fieldOps(live: RecordedOp[], field: string, kinds: Intent['kind'][]): RecordedOp[] {
  return live.filter((o) => kinds.includes(o.intent.kind) && (o.intent as { field?: string }).field === field);
}

/**
 * Ops on a collection that survive its clears. A clear that lost to a later concurrent clear
 * was dropped by the merge, so only the others empty what they did not see.
 */
function survivingClears(live: RecordedOp[], field: string, originOf: OriginOf): RecordedOp[] {
  const clears = fieldOps(live, field, ['clear']);
  return clears.filter((k) => !clears.some((k2) => k2 !== k && concurrent(k, k2) && later(k2, k, originOf)));
}

function notCleared(op: RecordedOp, clears: RecordedOp[]): boolean {
  return clears.every((k) => happenedBefore(k, op));
}

function same(a: Value, b: Value): boolean {
  return JSON.stringify(canonicalJson(a)) === JSON.stringify(canonicalJson(b));
}

function checkObject(where: string, type: string, live: RecordedOp[], rec: ObjectRecord, originOf: OriginOf, problems: string[]): void {
  const expectField = (field: string, expected: Value) => {
    if (!same(rec[field] ?? null, expected)) {
      problems.push(`${where}.${field}: expected ${JSON.stringify(canonicalJson(expected))}, found ${JSON.stringify(canonicalJson(rec[field] ?? null))}`);
    }
  };
  const lww = (field: string, zero: Value, explicitFirst = false) => {
    const w = latest(fieldOps(live, field, ['set']), originOf, explicitFirst);
    expectField(field, w ? (w.intent as { value: Value }).value : zero);
  };
  if (type === 'Note') {
    lww('text', '');
    lww('task', null);
    return;
  }
  lww('title', '');
  lww('status', null, true);

  // n: the latest Set, plus the increments it did not overwrite.
  const sets = fieldOps(live, 'n', ['set']);
  const w = latest(sets, originOf);
  let n = w ? ((w.intent as { value: number }).value) : 0;
  for (const add of fieldOps(live, 'n', ['add'])) {
    const amount = (add.intent as { amount: number }).amount;
    if (!w) n += amount;
    else if (happenedBefore(add, w)) continue;
    else if (happenedBefore(w, add) || later(add, w, originOf)) n += amount;
  }
  expectField('n', n);

  let visits = 0;
  for (const add of fieldOps(live, 'visits', ['add'])) visits += (add.intent as { amount: number }).amount;
  expectField('visits', visits);

  // items: every surviving insert's slot, unless erased.
  const itemClears = survivingClears(live, 'items', originOf);
  const erased = new Set(fieldOps(live, 'items', ['listErase']).map((o) => (o.intent as { slot: string }).slot));
  const expectedSlots = fieldOps(live, 'items', ['listInsert'])
    .filter((o) => notCleared(o, itemClears))
    .map((o) => (o.intent as { slot: string }).slot)
    .filter((s) => !erased.has(s))
    .sort();
  const actualSlots = (rec.items as string[]).map(slotOf).sort();
  if (JSON.stringify(expectedSlots) !== JSON.stringify(actualSlots)) {
    problems.push(`${where}.items: expected slots ${JSON.stringify(expectedSlots)}, found ${JSON.stringify(actualSlots)}`);
  }

  // tags: per value, the latest surviving insert or erase decides.
  const tagClears = survivingClears(live, 'tags', originOf);
  const tagOps = fieldOps(live, 'tags', ['setInsert', 'setErase']).filter((o) => notCleared(o, tagClears));
  const expectedTags = [...new Set(tagOps.map((o) => (o.intent as { value: string }).value))]
    .filter((v) => latest(tagOps.filter((o) => (o.intent as { value: string }).value === v), originOf)?.intent.kind === 'setInsert')
    .sort();
  expectField('tags', expectedTags);

  // attrs: per key, the latest surviving write (a removal is a write of "erased").
  const attrClears = survivingClears(live, 'attrs', originOf);
  const attrOps = fieldOps(live, 'attrs', ['dictSet']).filter((o) => notCleared(o, attrClears));
  const attrs: Record<string, Value> = {};
  for (const dkey of new Set(attrOps.map((o) => (o.intent as { dkey: string }).dkey))) {
    const win = latest(attrOps.filter((o) => (o.intent as { dkey: string }).dkey === dkey), originOf);
    const value = (win?.intent as { value: string | null } | undefined)?.value;
    if (value !== null && value !== undefined) attrs[dkey] = value;
  }
  const actualAttrs = isRecord(rec.attrs) ? { ...rec.attrs } : rec.attrs;
  if (!same(actualAttrs as Value, attrs as Value)) {
    problems.push(`${where}.attrs: expected ${JSON.stringify(attrs)}, found ${JSON.stringify(canonicalJson(rec.attrs ?? null))}`);
  }

  // address: the latest replacement, with the inner writes made after every surviving one.
  const replacements = fieldOps(live, 'address', ['replace']);
  const effective = replacements.filter((r) => !replacements.some((r2) => r2 !== r && concurrent(r, r2) && later(r2, r, originOf)));
  const winner = latest(replacements, originOf);
  let address: Value = winner ? (winner.intent as { value: Value }).value : null;
  if (isRecord(address)) {
    address = { ...address };
    const inner = fieldOps(live, 'address', ['innerSet']).filter((o) => notCleared(o, effective));
    for (const f of ['street', 'city']) {
      const win = latest(inner.filter((o) => (o.intent as { inner: string }).inner === f), originOf);
      if (win) (address as Record<string, Value>)[f] = (win.intent as { value: string }).value;
    }
  }
  const actualAddress = isRecord(rec.address) ? { ...rec.address } : rec.address;
  if (!same((actualAddress ?? null) as Value, address)) {
    problems.push(`${where}.address: expected ${JSON.stringify(canonicalJson(address))}, found ${JSON.stringify(canonicalJson(rec.address ?? null))}`);
  }
}
