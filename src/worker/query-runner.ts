import { pkKey, type ObjectRecord, type PrimaryKey, type Schema } from '../model/index.ts';
import {
  compilePredicate,
  createResolver,
  indexConditionMatches,
  planIndexes,
  type CompiledQuery,
  type IndexCondition,
  type IndexPlan,
  type ObjectResolver,
} from '../query/index.ts';
import { recordFromStorable, type StoredRecord } from '../worker-api/codec.ts';
import { indexKeyOf, type IndexLayout } from './index-keys.ts';
import { rowId, typeBounds, type ObjectRow, type OutpostDexie } from './store.ts';
import { hiddenGen, STAGING_KEY } from './hidden-bootstrap.ts';

/*
 * Runs a compiled query against IndexedDB: the planner (src/query/plan.ts) picks an equality, IN
 * or range condition on an indexed field; the worker fetches the candidates through the `ix`
 * multi-entry index (or the primary key), re-checks the condition with the evaluator's meaning
 * and tests the residual predicate. Without a usable condition it scans the type. Rows of a
 * bootstrap being applied hidden are skipped (hidden-bootstrap.ts): the staging row is read in the
 * same read transaction as the rows, so a query sees a bootstrap wholly or not at all.
 */

export interface RunStats {
  /** Which access path was used: 'pk', 'index:<field>' or 'scan'. */
  access: string;
  /** Rows read from IndexedDB. */
  examined: number;
}

/** The last query plans run, for tests and the benchmark. */
export const lastRunStats: RunStats = { access: 'none', examined: 0 };

type Reads = (objects: IDBObjectStore, keyRange: typeof IDBKeyRange, add: (rows: readonly (ObjectRow | undefined)[]) => void) => void;

/**
 * Rows of one read transaction on IndexedDB directly (Dexie's promise machinery was a good part
 * of a small indexed query), without those of a bootstrap applied hidden: the staging row is read
 * in the same transaction.
 */
function visibleRows(db: OutpostDexie, reads: Reads): Promise<ObjectRow[]> {
  return new Promise((resolve, reject) => {
    const tx = db.backendDB().transaction(['objects', 'meta'], 'readonly');
    const rows: ObjectRow[] = [];
    let gen: number | undefined;
    const s = tx.objectStore('meta').get(STAGING_KEY);
    s.onsuccess = () => (gen = hiddenGen(s.result));
    reads(tx.objectStore('objects'), db.keyRange, (found) => {
      for (const r of found) if (r) rows.push(r);
    });
    tx.oncomplete = () => resolve(gen === undefined ? rows : rows.filter((r) => r.g !== gen));
    tx.onabort = () => reject(tx.error);
  });
}

/** Issues `getAll` over `range` (on the store or an index), adding what it finds. */
function getAll(source: IDBObjectStore | IDBIndex, range: IDBKeyRange, add: (rows: readonly ObjectRow[]) => void): void {
  const r = source.getAll(range);
  r.onsuccess = () => add(r.result as ObjectRow[]);
}

/** The `ix` key ranges serving condition `c`, or undefined when a value has no index key. */
function indexRanges(keyRange: typeof IDBKeyRange, type: string, c: IndexCondition): IDBKeyRange[] | undefined {
  switch (c.kind) {
    case 'eq': {
      const k = indexKeyOf(c.value);
      return k === undefined ? undefined : [keyRange.only([type, c.field, k])];
    }
    case 'in': {
      const keys = c.values.map(indexKeyOf);
      if (keys.some((k) => k === undefined)) return undefined;
      return keys.map((k) => keyRange.only([type, c.field, k!]));
    }
    case 'range': {
      const lo = c.lower ? indexKeyOf(c.lower.value) : undefined;
      const hi = c.upper ? indexKeyOf(c.upper.value) : undefined;
      if ((c.lower && lo === undefined) || (c.upper && hi === undefined)) return undefined;
      // [type, field] sorts before every [type, field, key]; [type, field, []] after (arrays sort last).
      const lower = lo === undefined ? [type, c.field] : [type, c.field, lo];
      const upper = hi === undefined ? [type, c.field, []] : [type, c.field, hi];
      return [keyRange.bound(lower, upper, c.lower ? !c.lower.inclusive : false, c.upper ? !c.upper.inclusive : false)];
    }
  }
}

/** Every row of a type, read straight from the store. */
function scanType(type: string): Reads {
  return (objects, keyRange, add) => {
    const [lo, hi] = typeBounds(type);
    getAll(objects, keyRange.bound(lo, hi, false, true), add);
  };
}

/** Types reachable through links from `type` (what a link-following query may read). */
function linkedTypes(schema: Schema, type: string, out = new Set<string>()): Set<string> {
  const t = schema.get(type);
  if (!t) return out;
  for (const p of t.properties.values()) {
    if (p.type !== 'object' || !p.objectType) continue;
    const target = schema.get(p.objectType);
    if (!target) continue;
    if (target.embedded) linkedTypes(schema, target.name, out);
    else if (!out.has(target.name)) {
      out.add(target.name);
      linkedTypes(schema, target.name, out);
    }
  }
  return out;
}

/**
 * A resolver over every object a link-following query can reach (loaded from IndexedDB): the types
 * the compiled query reads (`reads`: through links and backlinks), or else every type reachable
 * through links. Backlinks (`linking`) are answered from a reverse index the resolver builds once
 * per (type, property) on first use, so a query over n objects does one pass over the linking type,
 * not one per object.
 */
export async function loadResolver(db: OutpostDexie, schema: Schema, type: string, reads?: ReadonlySet<string>): Promise<ObjectResolver> {
  const objects: { type: string; record: ObjectRecord }[] = [];
  for (const t of reads ?? linkedTypes(schema, type)) {
    const rows = await visibleRows(db, scanType(t));
    for (const r of rows) objects.push({ type: t, record: recordFromStorable(r.r) });
  }
  return createResolver(schema, objects);
}

/** The types whose links the linkingObjects properties of `type` read (the resolver must hold them). */
export function linkingSourceTypes(schema: Schema, type: string): string[] {
  return [...(schema.get(type)?.linkingObjects.values() ?? [])].map((lo) => lo.objectType);
}

/**
 * The records with their linkingObjects properties filled in, as Realm exposes them: for each, the
 * primary keys of the objects linking to it (once per link), the way a list of links reads. The
 * stored records are not changed.
 */
export function withLinkingObjects(schema: Schema, type: string, records: readonly ObjectRecord[], resolver: ObjectResolver | undefined): ObjectRecord[] {
  const t = schema.get(type);
  if (!t || t.linkingObjects.size === 0 || !resolver?.linking || t.primaryKey === undefined) return [...records];
  const pkName = t.primaryKey;
  return records.map((rec) => {
    const out = { ...rec } as Record<string, unknown>;
    for (const lo of t.linkingObjects.values()) {
      const sourcePk = schema.get(lo.objectType)?.primaryKey;
      const linking = resolver.linking!(lo.objectType, lo.property, rec[pkName] as PrimaryKey);
      out[lo.name] = sourcePk === undefined ? [] : linking.map((r) => r[sourcePk]);
    }
    return out as ObjectRecord;
  });
}

export interface Matched {
  readonly keys: string[];
  readonly records: ObjectRecord[];
  /** The same objects as stored (what a one-shot query sends to the page as is). */
  readonly stored: StoredRecord[];
}

/**
 * The objects matching the query's predicate (SORT / DISTINCT / LIMIT not applied), each with its
 * primary-key string.
 */
export async function matchQuery(db: OutpostDexie, layout: IndexLayout, q: CompiledQuery, resolver?: ObjectResolver): Promise<Matched> {
  const type = q.typeName;
  const pkField = q.objectSchema.primaryKey;
  const plan: IndexPlan = planIndexes(q, { indexed: (f) => f === pkField || layout.isIndexed(type, f) });
  let rows: ObjectRow[] | undefined;
  let access = 'scan';
  let chosen: IndexCondition | undefined;
  // The best condition this store can serve: the primary key for equality and IN, else an `ix` entry.
  for (const c of plan.candidates) {
    if (c.field === pkField && (c.kind === 'eq' || c.kind === 'in')) {
      const values = c.kind === 'eq' ? [c.value] : c.values;
      const ids = values.map((v) => rowId(type, pkKey(v as PrimaryKey)));
      rows = await visibleRows(db, (objects, _, add) => {
        for (const id of ids) {
          const r = objects.get(id);
          r.onsuccess = () => add([r.result as ObjectRow | undefined]);
        }
      });
      access = 'pk';
    } else if (layout.isIndexed(type, c.field)) {
      const ranges = indexRanges(db.keyRange, type, c);
      if (!ranges) continue;
      rows = await visibleRows(db, (objects, _, add) => {
        const ix = objects.index('ix');
        for (const range of ranges) getAll(ix, range, add);
      });
      access = `index:${c.field}`;
    } else continue;
    chosen = c;
    break;
  }
  const keys: string[] = [];
  const records: ObjectRecord[] = [];
  const stored: StoredRecord[] = [];
  if (rows && chosen) {
    const residual = chosen === plan.index ? (rec: ObjectRecord) => plan.residualMatches(rec, resolver) : residualTest(plan, chosen, resolver);
    const seen = new Set<string>();
    for (const row of rows) {
      if (seen.has(row.k)) continue;
      seen.add(row.k);
      const rec = recordFromStorable(row.r);
      if (!indexConditionMatches(chosen, rec[chosen.field] ?? null)) continue;
      if (!residual(rec)) continue;
      keys.push(row.k);
      records.push(rec);
      stored.push(row.r);
    }
  } else {
    rows = await visibleRows(db, scanType(type));
    for (const row of rows) {
      const rec = recordFromStorable(row.r);
      if (!q.matches(rec, resolver)) continue;
      keys.push(row.k);
      records.push(rec);
      stored.push(row.r);
    }
  }
  lastRunStats.access = access;
  lastRunStats.examined = rows.length;
  return { keys, records, stored };
}

function residualTest(plan: IndexPlan, c: IndexCondition, resolver: ObjectResolver | undefined): (rec: ObjectRecord) => boolean {
  const fn = compilePredicate(plan.residualFor(c));
  return (rec) => fn(rec, { resolver });
}
