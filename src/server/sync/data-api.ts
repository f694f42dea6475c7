import { decodeValue, encodeValue, type Instruction } from '../../changeset/index.ts';
import {
  checkPrimaryKey,
  isRecord,
  newObjectRecord,
  validateObject,
  type ObjectRecord,
  type PrimaryKey,
} from '../../model/index.ts';
import { OutpostError } from '../../errors.ts';
import { compileQuery, createResolver, type CompiledQuery, type PermissionUser } from '../../query/index.ts';
import type { SyncEngine } from './engine.ts';
import { keyOf } from './keys.ts';
import { revertObject } from './revert.ts';
import { SessionRoles, type TypeRole } from './roles.ts';

/*
 * The data API: query, insert, update and delete objects from a server (the role Atlas played
 * for Device Sync). Every write becomes a changeset in the history, so it reaches clients like
 * any other change. Values are Extended JSON, as on the wire. A caller is either the admin (all
 * access) or a user, who gets the same roles as in a sync session.
 */

export type DataCaller = { readonly kind: 'admin' } | { readonly kind: 'user'; readonly user: PermissionUser };

export interface DataRequest {
  readonly action: 'query' | 'get' | 'insert' | 'insertMany' | 'update' | 'delete';
  readonly type: string;
  readonly body: Record<string, unknown>;
}

export interface DataResponse {
  readonly status: number;
  readonly body: unknown;
}

const MAX_RESULTS = 10_000;
/** Objects in one insertMany: one changeset, so a bound on its size. */
export const MAX_INSERT_MANY = 1000;

/** What insertMany did with one object, in the order given. */
export type InsertManyResult = 'inserted' | 'exists' | { readonly error: { readonly code: string; readonly message: string } };

function bad(message: string): OutpostError {
  return new OutpostError('bad_message', message);
}

export class DataApi {
  constructor(private readonly engine: SyncEngine) {}

  private canRead(role: TypeRole | undefined, rec: ObjectRecord): boolean {
    if (!role) return true;
    if (role.read.kind === 'none') return false;
    return role.read.kind === 'all' || role.read.query.matches(rec);
  }

  /** The object as the caller may see it: without the fields its role hides. */
  private visible(role: TypeRole | undefined, rec: ObjectRecord): ObjectRecord {
    if (!role || role.hidden.size === 0) return rec;
    const out = Object.create(null) as ObjectRecord;
    for (const k of Object.keys(rec)) if (!role.hidden.has(k)) out[k] = rec[k]!;
    return out;
  }

  private checkWrite(role: TypeRole | undefined, type: string, before: ObjectRecord | undefined, after: ObjectRecord | undefined, fields: Iterable<string>): void {
    if (!role) return;
    const denied = () => new OutpostError('permission_denied', `no write permission for this ${type} (role ${role.name})`);
    if (role.write.kind === 'none') throw denied();
    if (role.write.kind === 'filter') {
      const q = role.write.query;
      if ((before && !q.matches(before)) || (after && !q.matches(after))) throw denied();
    }
    for (const f of fields) if (role.fields[f]?.write === false) throw new OutpostError('permission_denied', `field ${type}.${f} is not writable`);
  }

  private async load(type: string, pk: PrimaryKey): Promise<ObjectRecord | undefined> {
    const found = await this.engine.store.getObjects([{ type, pk }]);
    return found.get(keyOf(type, pk));
  }

  /** The objects of a type the caller may read (its role's read filter applied by the store). */
  private async readable(type: string, roles: SessionRoles | undefined): Promise<ObjectRecord[]> {
    const role = roles?.get(type);
    if (role?.read.kind === 'none') return [];
    const filter = { subscriptions: [compileQuery(this.engine.schema, type, 'TRUEPREDICATE')], readFilter: role?.read.kind === 'filter' ? role.read.query : null };
    const out: ObjectRecord[] = [];
    let afterPk: string | undefined;
    for (;;) {
      const page = await this.engine.store.queryObjects(type, filter, { ...(afterPk ? { afterPk } : {}), limit: 1000 });
      out.push(...page.map((p) => p.record));
      if (page.length < 1000) return out;
      afterPk = page[page.length - 1]!.pk;
    }
  }

  /**
   * A query that follows backlinks: evaluated here over what the caller may read of every type it
   * reaches (so a hidden object never counts as a link), with one reverse index per linking
   * property, built once for the query.
   */
  private async queryWithBacklinks(q: CompiledQuery, type: string, roles: SessionRoles | undefined): Promise<ObjectRecord[]> {
    const schema = this.engine.schema;
    const resolver = createResolver(schema, []);
    let candidates: ObjectRecord[] = [];
    for (const t of new Set([type, ...q.readsTypes])) {
      const objects = await this.readable(t, roles);
      for (const rec of objects) resolver.add(t, rec);
      if (t === type) candidates = objects;
    }
    return q.run(candidates, resolver);
  }

  async handle(caller: DataCaller, req: DataRequest): Promise<DataResponse> {
    const schema = this.engine.schema;
    const t = schema.get(req.type);
    if (!t || t.embedded) throw new OutpostError('unknown_type', `unknown object type "${req.type}"`);
    const roles = caller.kind === 'admin' ? undefined : new SessionRoles(schema, this.engine.rules, caller.user, this.engine.queryable);
    const role = roles?.get(req.type);
    const pkOf = () => checkPrimaryKey(schema, req.type, decodeValue(req.body.pk));
    switch (req.action) {
      case 'query': {
        const text = req.body.query ?? 'TRUEPREDICATE';
        const args = req.body.args ?? [];
        if (typeof text !== 'string' || !Array.isArray(args)) throw bad('query must be a string and args an array');
        const q = compileQuery(schema, req.type, text, args.map((a) => decodeValue(a)));
        // Filtering or sorting on a hidden field would reveal it: refused as in subscriptions.
        roles?.checkQuery(q);
        const limit = Math.min(Number(req.body.limit ?? 1000) || 1000, MAX_RESULTS);
        if (role?.read.kind === 'none') return { status: 200, body: { objects: [] } };
        if (q.needsBacklinks) {
          const result = await this.queryWithBacklinks(q, req.type, roles);
          return { status: 200, body: { objects: result.slice(0, limit).map((r) => encodeValue(this.visible(role, r))) } };
        }
        const out: ObjectRecord[] = [];
        let afterPk: string | undefined;
        // Push the predicate down; SORT/DISTINCT/LIMIT of the query apply to the matches.
        const filter = { subscriptions: [q], readFilter: role?.read.kind === 'filter' ? role.read.query : null };
        for (;;) {
          const page = await this.engine.store.queryObjects(req.type, filter, { ...(afterPk ? { afterPk } : {}), limit: 1000 });
          out.push(...page.map((p) => p.record));
          if (page.length < 1000 || out.length >= MAX_RESULTS) break;
          afterPk = page[page.length - 1]!.pk;
        }
        const result = q.run(out).slice(0, limit);
        return { status: 200, body: { objects: result.map((r) => encodeValue(this.visible(role, r))) } };
      }
      case 'get': {
        const rec = await this.load(req.type, pkOf());
        if (!rec || !this.canRead(role, rec)) throw new OutpostError('not_found', `no ${req.type} with that primary key`);
        return { status: 200, body: { object: encodeValue(this.visible(role, rec)) } };
      }
      case 'insert': {
        if (!isRecord(req.body.object)) throw bad('insert needs an "object"');
        const input = decodeValue(req.body.object) as ObjectRecord;
        const rec = validateObject(schema, req.type, input, 'create');
        const pk = rec[t.primaryKey!] as PrimaryKey;
        const existing = await this.load(req.type, pk);
        if (existing && this.canRead(role, existing)) throw new OutpostError('object_exists', `a ${req.type} with that primary key exists`);
        this.checkWrite(role, req.type, undefined, rec, Object.keys(input));
        // A key taken by an object the caller may not read: refused as a write its role does not
        // allow, so that the answer does not tell it the object exists.
        if (existing) throw new OutpostError('permission_denied', `no write permission for this ${req.type} (role ${role!.name})`);
        const instructions: Instruction[] = [
          { op: 'CreateObject', type: req.type, pk },
          ...revertObject(t, pk, newObjectRecord(t, pk), rec, 'all'),
        ];
        const version = await this.engine.serverWrite(instructions);
        return { status: 201, body: { version } };
      }
      case 'insertMany':
        return this.insertMany(role, req.type, req.body.objects);
      case 'update': {
        const pk = pkOf();
        if (!isRecord(req.body.set)) throw bad('update needs a "set" object');
        const patch = validateObject(schema, req.type, decodeValue(req.body.set), 'update');
        if (t.primaryKey! in patch) throw bad('the primary key cannot change');
        const before = await this.load(req.type, pk);
        if (!before || !this.canRead(role, before)) throw new OutpostError('not_found', `no ${req.type} with that primary key`);
        const after = Object.assign(Object.create(null), before, patch) as ObjectRecord;
        this.checkWrite(role, req.type, before, after, Object.keys(patch));
        const instructions = revertObject(t, pk, before, after, new Set(Object.keys(patch)));
        const version = instructions.length ? await this.engine.serverWrite(instructions) : this.engine.latestVersion;
        return { status: 200, body: { version } };
      }
      case 'delete': {
        const pk = pkOf();
        const before = await this.load(req.type, pk);
        if (!before || !this.canRead(role, before)) throw new OutpostError('not_found', `no ${req.type} with that primary key`);
        this.checkWrite(role, req.type, before, undefined, []);
        const version = await this.engine.serverWrite([{ op: 'EraseObject', type: req.type, pk }]);
        return { status: 200, body: { version } };
      }
    }
  }

  /**
   * Many objects in one changeset (bulk loads: `outpost import-data`). Each object is checked as
   * insert checks it; one that is refused (a value, a rule) or already there is reported in its
   * place in `results`, and the others are written together: one transaction, one history entry.
   */
  private async insertMany(role: TypeRole | undefined, type: string, objects: unknown): Promise<DataResponse> {
    if (!Array.isArray(objects)) throw bad('insertMany needs "objects", an array');
    if (objects.length > MAX_INSERT_MANY) throw bad(`insertMany takes at most ${MAX_INSERT_MANY} objects`);
    const schema = this.engine.schema;
    const t = schema.require(type);
    const results: InsertManyResult[] = [];
    const checked: { index: number; rec: ObjectRecord; pk: PrimaryKey; fields: string[] }[] = [];
    for (const raw of objects) {
      try {
        if (!isRecord(raw)) throw bad('each object must be a JSON object');
        const input = decodeValue(raw) as ObjectRecord;
        const rec = validateObject(schema, type, input, 'create');
        checked.push({ index: results.length, rec, pk: rec[t.primaryKey!] as PrimaryKey, fields: Object.keys(input) });
        results.push('inserted');
      } catch (err) {
        results.push({ error: errorBody(err) });
      }
    }
    const existing = await this.engine.store.getObjects(checked.map((c) => ({ type, pk: c.pk })));
    const seen = new Set<string>();
    const instructions: Instruction[] = [];
    for (const c of checked) {
      const key = keyOf(type, c.pk);
      const found = existing.get(key);
      try {
        if ((found && this.canRead(role, found)) || seen.has(key)) {
          results[c.index] = 'exists';
          continue;
        }
        this.checkWrite(role, type, undefined, c.rec, c.fields);
        // As in insert: a key taken by an object the caller may not read is a refused write.
        if (found) throw new OutpostError('permission_denied', `no write permission for this ${type} (role ${role!.name})`);
        seen.add(key);
        instructions.push({ op: 'CreateObject', type, pk: c.pk }, ...revertObject(t, c.pk, newObjectRecord(t, c.pk), c.rec, 'all'));
      } catch (err) {
        results[c.index] = { error: errorBody(err) };
      }
    }
    const version = instructions.length > 0 ? await this.engine.serverWrite(instructions) : this.engine.latestVersion;
    return { status: 200, body: { version, results } };
  }
}

function errorBody(err: unknown): { code: string; message: string } {
  if (err instanceof OutpostError) return { code: err.code, message: err.message };
  throw err;
}
