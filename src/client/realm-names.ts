import { isRecord, type PropertySchema, type Schema } from '../model/index.ts';
import type { NameMapping } from '../model/realm-schema.ts';
import { formatQuery, parseQuery, type Expr, type PathExpr, type PathSegment, type Predicate, type QueryAst } from '../query/index.ts';

/*
 * Realm's `mapTo` on the page: the database, the worker, the wire and the server all use stored
 * names; application code uses the JavaScript names. This turns one into the other at the client's
 * surface: objects read (snapshots), objects and paths written, query and sort texts. As in Realm,
 * a query may name a property by either name. Without any `mapTo` no Names object exists, so
 * schemas without one pay nothing.
 */

export class Names {
  /** type → JS name → stored name, and back. */
  private readonly toStoredByType = new Map<string, ReadonlyMap<string, string>>();
  private readonly toJsByType = new Map<string, ReadonlyMap<string, string>>();

  constructor(
    private readonly schema: Schema,
    mapping: NameMapping,
  ) {
    for (const [type, props] of Object.entries(mapping)) {
      this.toStoredByType.set(type, new Map(Object.entries(props)));
      this.toJsByType.set(type, new Map(Object.entries(props).map(([js, stored]) => [stored, js])));
    }
  }

  /** A Names for the mapping, or null when nothing is renamed. */
  static of(schema: Schema, mapping: NameMapping): Names | null {
    return Object.keys(mapping).length > 0 ? new Names(schema, mapping) : null;
  }

  /** The stored name of a property written by its JS name (or already by its stored name). */
  storedField(type: string, name: string): string {
    return this.toStoredByType.get(type)?.get(name) ?? name;
  }

  /** The JS name of a stored property. */
  jsField(type: string, name: string): string {
    return this.toJsByType.get(type)?.get(name) ?? name;
  }

  /** An object written by the app → the record to store (embedded objects inside too). */
  toStored(type: string, rec: unknown): unknown {
    return this.renameRecord(type, rec, (t, n) => this.storedField(t, n));
  }

  /** A stored record → the object the app sees. */
  toJs(type: string, rec: unknown): unknown {
    return this.renameRecord(type, rec, (t, n) => this.jsField(t, n));
  }

  private renameRecord(type: string, rec: unknown, rename: (type: string, name: string) => string): unknown {
    if (!isRecord(rec)) return rec;
    const t = this.schema.get(type);
    if (!t) return rec;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(rec)) {
      const name = rename(type, key);
      // The property is looked up by its stored name, whichever way the record is turned.
      const prop = t.properties.get(name) ?? t.properties.get(key);
      out[name] = prop?.embedded && prop.objectType ? this.renameValue(prop.objectType, prop.collection, value, rename) : value;
    }
    return out;
  }

  private renameValue(type: string, collection: string, value: unknown, rename: (type: string, name: string) => string): unknown {
    if (value === null || value === undefined) return value;
    if (collection === 'none') return this.renameRecord(type, value, rename);
    if (collection === 'list' && Array.isArray(value)) return value.map((v) => this.renameRecord(type, v, rename));
    if (collection === 'dictionary' && isRecord(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.renameRecord(type, v, rename)]));
    }
    return value;
  }

  /** A write path (`['address', 'city']`, `['steps', 2, 'label']`, `['attrs', 'key']`) → stored names. */
  storedPath(type: string, path: readonly (string | number)[]): (string | number)[] {
    return this.walk(type, path).path;
  }

  /** A value written at a path: an embedded object there (or a collection of them) gets stored names too. */
  storedValueAt(type: string, path: readonly (string | number)[], value: unknown): unknown {
    const end = this.walk(type, path);
    if (end.embedded === null) return value;
    return end.whole ? this.renameValue(end.embedded, end.collection, value, (t, n) => this.storedField(t, n)) : this.toStored(end.embedded, value);
  }

  /**
   * Follows a path through the schema. At its end: the embedded type there (if any), and whether
   * the path names the whole property (`whole`, of `collection` kind) or one element of it.
   */
  private walk(type: string, path: readonly (string | number)[]): { path: (string | number)[]; embedded: string | null; whole: boolean; collection: string } {
    const out: (string | number)[] = [];
    let current: string | null = type;
    let pending: { objectType: string | null; collection: string } | null = null;
    let end = { embedded: null as string | null, whole: false, collection: 'none' };
    for (const seg of path) {
      if (pending && pending.collection !== 'none') {
        // An index or a key: one element of the collection.
        out.push(seg);
        current = pending.objectType;
        end = { embedded: current, whole: false, collection: 'none' };
        pending = null;
        continue;
      }
      if (current === null || typeof seg !== 'string') {
        out.push(seg);
        end = { embedded: null, whole: false, collection: 'none' };
        continue;
      }
      const name = this.storedField(current, seg);
      out.push(name);
      const prop: PropertySchema | undefined = this.schema.get(current)?.properties.get(name);
      const objectType: string | null = prop?.embedded && prop.objectType ? prop.objectType : null;
      pending = prop ? { objectType, collection: prop.collection } : null;
      end = { embedded: objectType, whole: true, collection: prop?.collection ?? 'none' };
      current = prop?.collection === 'none' ? objectType : null;
    }
    return { path: out, ...end };
  }

  /** A dotted key path (`'customer.fullName'`) → stored names. */
  storedKeyPath(type: string, keyPath: string): string {
    return this.renameFields(type, keyPath.split('.')).join('.');
  }

  private renameFields(type: string, names: readonly string[]): string[] {
    let current: string | null = type;
    return names.map((n) => {
      if (current === null) return n;
      const stored = this.storedField(current, n);
      const prop: PropertySchema | undefined = this.schema.get(current)?.properties.get(stored);
      current = prop && prop.type === 'object' && prop.collection === 'none' ? (prop.objectType ?? null) : prop?.collection === 'none' ? null : (prop?.objectType ?? null);
      return stored;
    });
  }

  /** A query text written with JS names → the same query with stored names. */
  storedQuery(type: string, query: string): string {
    let ast: QueryAst;
    try {
      ast = parseQuery(query);
    } catch {
      return query; // the query's own checks report the syntax error, with its position
    }
    const renamed: QueryAst = {
      ...ast,
      predicate: this.predicate(type, ast.predicate, new Map()),
      descriptors: ast.descriptors.map((d) =>
        d.kind === 'sort'
          ? { ...d, keys: d.keys.map((k) => ({ ...k, path: this.renameFields(type, k.path) })) }
          : d.kind === 'distinct'
            ? { ...d, paths: d.paths.map((p) => this.renameFields(type, p)) }
            : d,
      ),
    };
    return formatQuery(renamed);
  }

  private predicate(type: string, p: Predicate, vars: ReadonlyMap<string, string>): Predicate {
    switch (p.kind) {
      case 'constant':
        return p;
      case 'not':
        return { ...p, operand: this.predicate(type, p.operand, vars) };
      case 'and':
      case 'or':
        return { ...p, operands: p.operands.map((o) => this.predicate(type, o, vars)) };
      case 'compare':
        return { ...p, left: this.expr(type, p.left, vars), right: this.expr(type, p.right, vars) };
    }
  }

  private expr(type: string, e: Expr, vars: ReadonlyMap<string, string>): Expr {
    switch (e.kind) {
      case 'path':
        return this.path(type, e, vars);
      case 'arith':
        return { ...e, left: this.expr(type, e.left, vars), right: this.expr(type, e.right, vars) };
      case 'subquery': {
        const collection = this.path(type, e.collection, vars);
        const element = this.pathType(type, collection, vars);
        const inner = new Map(vars);
        if (element !== null) inner.set(e.variable, element);
        return { ...e, collection, predicate: this.predicate(type, e.predicate, inner) };
      }
      default:
        return e;
    }
  }

  private path(type: string, e: PathExpr, vars: ReadonlyMap<string, string>): PathExpr {
    let current: string | null = e.variable === null ? type : (vars.get(e.variable) ?? null);
    const segments = e.segments.map((s): PathSegment => {
      if (s.type !== 'field' || current === null) {
        if (s.type === 'key' || s.type === 'op') current = null;
        return s;
      }
      const name = this.storedField(current, s.name);
      const prop: PropertySchema | undefined = this.schema.get(current)?.properties.get(name);
      current = prop && prop.type === 'object' ? (prop.objectType ?? null) : null;
      return name === s.name ? s : { ...s, name };
    });
    return { ...e, segments };
  }

  /** The object type a (renamed) path ends at, or null. */
  private pathType(type: string, e: PathExpr, vars: ReadonlyMap<string, string>): string | null {
    let current: string | null = e.variable === null ? type : (vars.get(e.variable) ?? null);
    for (const s of e.segments) {
      if (current === null) return null;
      if (s.type !== 'field') continue;
      const prop: PropertySchema | undefined = this.schema.get(current)?.properties.get(s.name);
      current = prop && prop.type === 'object' ? (prop.objectType ?? null) : null;
    }
    return current;
  }
}

/** What a database opened with a Realm JS schema needs at its surface (none of it when unused). */
export interface RealmSurface {
  /** `mapTo` renames; null when no property is renamed. */
  readonly names: Names | null;
  /** Per type, stored property name → the function giving each new object's default. */
  readonly defaults: Readonly<Record<string, Readonly<Record<string, () => unknown>>>>;
}
