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

/*
 * Runs a compiled query against IndexedDB: the planner (src/query/plan.ts) picks an equality, IN
 * or range condition on an indexed field; the worker fetches the candidates through the `ix`
 * multi-entry index (or the primary key), re-checks the condition with the evaluator's meaning
 * and tests the residual predicate. Without a usable condition it scans the type.
 */

export interface RunStats {
  /** Which access path was used: 'pk', 'index:<field>' or 'scan'. */
  access: string;
  /** Rows read from IndexedDB. */
  examined: number;
}

/** The last query plans run, for tests and the benchmark. */
export const lastRunStats: RunStats = { access: 'none', examined: 0 };

export function typeRange(db: OutpostDexie, type: string) {
  const [lo, hi] = typeBounds(type);
  return db.objects.where('id').between(lo, hi, true, false);
}

function indexRange(db: OutpostDexie, type: string, c: IndexCondition) {
  const where = db.objects.where('ix');
  switch (c.kind) {
    case 'eq': {
      const k = indexKeyOf(c.value);
      return k === undefined ? undefined : where.equals([type, c.field, k]);
    }
    case 'in': {
      const keys = c.values.map(indexKeyOf);
      if (keys.some((k) => k === undefined)) return undefined;
      return where.anyOf(keys.map((k) => [type, c.field, k!]));
    }
    case 'range': {
      const lo = c.lower ? indexKeyOf(c.lower.value) : undefined;
      const hi = c.upper ? indexKeyOf(c.upper.value) : undefined;
      if ((c.lower && lo === undefined) || (c.upper && hi === undefined)) return undefined;
      // [type, field] sorts before every [type, field, key]; [type, field, []] after (arrays sort last).
      const lower = lo === undefined ? [type, c.field] : [type, c.field, lo];
      const upper = hi === undefined ? [type, c.field, []] : [type, c.field, hi];
      return where.between(lower, upper, c.lower ? c.lower.inclusive : true, c.upper ? c.upper.inclusive : true);
    }
  }
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

/** A resolver over every object a link-following query can reach (loaded from IndexedDB). */
export async function loadResolver(db: OutpostDexie, schema: Schema, type: string): Promise<ObjectResolver> {
  const objects: { type: string; record: ObjectRecord }[] = [];
  for (const t of linkedTypes(schema, type)) {
    const rows = await typeRange(db, t).toArray();
    for (const r of rows) objects.push({ type: t, record: recordFromStorable(r.r) });
  }
  return createResolver(schema, objects);
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
      rows = (await db.objects.bulkGet(ids)).filter((r): r is ObjectRow => r !== undefined);
      access = 'pk';
    } else if (layout.isIndexed(type, c.field)) {
      const range = indexRange(db, type, c);
      if (!range) continue;
      rows = await range.toArray();
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
    rows = await typeRange(db, type).toArray();
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
