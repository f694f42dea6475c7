/**
 * Conformance runner over Realm JS's query test table (test-data/conformance/realm-query-tests.json,
 * see its README). Each enabled case is run through compileQuery + run and must give Realm's
 * answer; the test prints `rql conformance: N/209 passed` and fails unless all pass.
 *
 * How the table's data become Outpost objects:
 * - Schemas: the table lists properties in order (`{ name, type, objectType?, optional? }`); they
 *   become Outpost schema inputs unchanged in meaning. Outpost requires a primary key on every
 *   non-embedded type and the table's types often have none, so the runner adds a synthetic
 *   `_outpost_id: int` primary key to those types, numbered per type in creation order. It is used
 *   to identify objects for ObjectSet expectations only where the table's schema had no primary
 *   key (in this table every ObjectSet suite declares one, so the synthetic key is never compared).
 * - Values are converted the way Realm JS's runner did (`typeConverters` keyed by the property
 *   type): a date given as a number is `new Date(number)` (milliseconds since the epoch); binary
 *   data given as an array of byte values is those bytes (a string would be taken as base64; the
 *   table has none); objectId and uuid strings become ObjectId / UUID values. The optional variants
 *   (`objectId?`, `uuid?`, `date?`) get the same conversion: Realm JS received the raw string and
 *   stored it as that type.
 * - A nested array in an object value creates a linked object of the property's object type (for a
 *   list of objects, one object per inner array); the link field holds its primary key. Objects are
 *   created parent first, as Realm JS did, so table order (the order of unsorted results) matches.
 * - An argument `[i, "prop"]` is the value of `prop` on the i-th top-level object; for a link that
 *   is the linked object's record (the binder compares it by primary key).
 */
import { describe, expect, it } from 'vitest';
import {
  Decimal128,
  ObjectId,
  UUID,
  newObjectRecord,
  parseSchema,
  type ObjectRecord,
  type ObjectSchemaInput,
  type PropertyInput,
  type Schema,
} from '../model/index.ts';
import { decodeBase64 } from './base64.ts';
import { createResolver } from './compile.ts';
import { addRecord, runQuery, loadConformance, printTally, rejectionFailure } from './testing/conformance.ts';

const SYNTHETIC_PK = '_outpost_id';
const EXPECTED_ENABLED = 209;

interface RawProperty {
  name: string;
  type: string;
  objectType?: string;
  optional?: boolean;
}
interface RawSchema {
  name: string;
  primaryKey?: string;
  embedded?: boolean;
  properties: RawProperty[];
}
interface Suite {
  schema: RawSchema[];
  objects: { type: string; value: unknown[] }[];
  tests: unknown[][];
}

function toSchema(raw: RawSchema[]): Schema {
  const inputs: ObjectSchemaInput[] = raw.map((t) => {
    const properties: Record<string, PropertyInput> = {};
    for (const p of t.properties) {
      if (p.type === 'object' || p.type === 'list' || p.type === 'set' || p.type === 'dictionary') {
        properties[p.name] = { type: p.type, objectType: p.objectType!, ...(p.optional ? { optional: true } : {}) };
      } else {
        properties[p.name] = p.optional ? { type: p.type, optional: true } : p.type;
      }
    }
    let primaryKey = t.primaryKey;
    if (primaryKey === undefined && !t.embedded) {
      properties[SYNTHETIC_PK] = 'int';
      primaryKey = SYNTHETIC_PK;
    }
    return { name: t.name, ...(primaryKey ? { primaryKey } : {}), ...(t.embedded ? { embedded: true } : {}), properties };
  });
  return parseSchema(inputs);
}

/** The element type of a table property: `date?` → date, `Foo[]` → Foo, `object` → its objectType. */
function elementType(p: RawProperty): { base: string; list: boolean } {
  if (p.type === 'object') return { base: p.objectType!, list: false };
  let t = p.type;
  let list = false;
  if (t.endsWith('[]')) {
    list = true;
    t = t.slice(0, -2);
  }
  if (t.endsWith('?')) t = t.slice(0, -1);
  return { base: t, list };
}

class SuiteWorld {
  readonly schema: Schema;
  readonly tables = new Map<string, ObjectRecord[]>();
  readonly resolver;
  private readonly counters = new Map<string, number>();

  constructor(readonly suite: Suite) {
    this.schema = toSchema(suite.schema);
    this.resolver = createResolver(this.schema, []);
  }

  private rawType(name: string): RawSchema {
    const t = this.suite.schema.find((s) => s.name === name);
    if (!t) throw new Error(`type ${name} not in suite`);
    return t;
  }

  private scalar(base: string, v: unknown): unknown {
    if (v === null) return null;
    switch (base) {
      case 'date':
        return new Date(v as number | string);
      case 'data':
        if (typeof v === 'string') return decodeBase64(v) ?? new TextEncoder().encode(v);
        return Uint8Array.from(v as number[]);
      case 'objectId':
        return new ObjectId(v as string);
      case 'uuid':
        return new UUID(v as string);
      case 'decimal':
        return Decimal128.fromString(String(v));
      default:
        return v;
    }
  }

  /** Creates an object (parent first, then the objects its nested arrays describe); returns its record. */
  create(typeName: string, values: unknown[]): ObjectRecord {
    const raw = this.rawType(typeName);
    const t = this.schema.require(typeName);
    const rec = newObjectRecord(t);
    let table = this.tables.get(typeName);
    if (!table) this.tables.set(typeName, (table = []));
    table.push(rec);
    if (raw.primaryKey === undefined) {
      const n = this.counters.get(typeName) ?? 0;
      this.counters.set(typeName, n + 1);
      rec[SYNTHETIC_PK] = n;
    }
    raw.properties.forEach((p, i) => {
      const v = values[i];
      const { base, list } = elementType(p);
      const target = this.schema.get(base);
      if (target) {
        const link = (x: unknown): unknown => {
          if (x === null || x === undefined) return null;
          const child = this.create(base, x as unknown[]);
          return child[target.primaryKey!];
        };
        rec[p.name] = (list ? ((v as unknown[] | null) ?? []).map(link) : link(v)) as ObjectRecord[string];
      } else {
        rec[p.name] = (list ? ((v as unknown[] | null) ?? []).map((x) => this.scalar(base, x)) : this.scalar(base, v)) as ObjectRecord[string];
      }
    });
    addRecord(this.schema, this.resolver, typeName, rec);
    return rec;
  }
}

function loadTable(): Record<string, Suite> {
  return loadConformance<Record<string, Suite>>('realm-query-tests.json');
}

describe('Realm query conformance', () => {
  it('passes every enabled case of realm-query-tests.json', () => {
    const table = loadTable();
    let enabled = 0;
    let passed = 0;
    const failures: string[] = [];
    for (const [suiteName, suite] of Object.entries(table)) {
      const world = new SuiteWorld(suite);
      const created = suite.objects.map((o) => world.create(o.type, o.value));
      const argValue = (arg: unknown): unknown => {
        // `[i, "prop"]`: the value of prop on the i-th object; for a link, the linked object itself (as in Realm JS).
        if (Array.isArray(arg) && arg.length === 2 && typeof arg[0] === 'number' && typeof arg[1] === 'string') {
          const owner = suite.objects[arg[0]]!;
          const prop = world.suite.schema.find((s) => s.name === owner.type)!.properties.find((p) => p.name === arg[1]);
          const v = created[arg[0]]![arg[1]];
          if (prop && prop.type === 'object' && v !== null) {
            return world.tables.get(prop.objectType!)!.find((r) => r[world.schema.require(prop.objectType!).primaryKey!] === v) ?? null;
          }
          return v;
        }
        return arg;
      };
      for (const test of suite.tests) {
        const kind = test[0] as string;
        if (kind === 'Disabled') continue;
        enabled++;
        const label = `${suiteName}: ${JSON.stringify(test)}`;
        try {
          if (kind === 'QueryCount' || kind === 'ObjectSet') {
            const type = test[2] as string;
            const text = test[3] as string;
            const args = test.slice(4).map(argValue);
            const results = runQuery(world.schema, world.tables, world.resolver, type, text, args);
            if (kind === 'QueryCount') {
              if (results.length !== test[1]) throw new Error(`expected ${String(test[1])} results, got ${results.length}`);
            } else {
              const rawType = suite.schema.find((s) => s.name === type)!;
              const pkName = rawType.primaryKey ?? SYNTHETIC_PK;
              const got = results.map((r) => r[pkName]);
              const want = test[1] as unknown[];
              if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
            }
          } else if (kind === 'QueryThrows') {
            const type = test[1] as string;
            const text = test[2] as string;
            const args = test.slice(3).map(argValue);
            const failure = rejectionFailure(world.schema, type, text, args);
            if (failure !== undefined) throw new Error(failure);
          } else {
            throw new Error(`unknown case kind ${kind}`);
          }
          passed++;
        } catch (err) {
          failures.push(`${label}\n    ${(err as Error).message}`);
        }
      }
    }
    printTally('rql', passed, EXPECTED_ENABLED, failures);
    expect(enabled).toBe(EXPECTED_ENABLED);
    expect(failures).toEqual([]);
    expect(passed).toBe(EXPECTED_ENABLED);
  });
});
