import { parseSchema, type Schema } from '../../model/index.ts';
import { compilePermissionFilter, referencedFields, type CompiledQuery, type PermissionUser, type QueryableFields } from '../../query/index.ts';
import { OutpostError } from '../../errors.ts';

/*
 * Roles (docs/server.md, roles): for each object type an ordered list, falling back to the default
 * roles. The first role whose `applyWhen` holds for the user is chosen when a session starts and
 * kept for the whole session. `read` and `write` are booleans or document filters in the query
 * language, with `%%user.id` and `%%user.custom_data.<field>` bound to the user.
 */

export type RuleSpec = boolean | string;

export interface RoleSpec {
  readonly name: string;
  /** Whether the role applies to the user: a boolean or a predicate over `%%user…` values. */
  readonly applyWhen: RuleSpec;
  readonly read: RuleSpec;
  readonly write: RuleSpec;
  /**
   * Field-level rules: a field that is not writable here cannot be written even where `write`
   * allows; a field with `read: false` is hidden (never sent, not queryable, not writable).
   */
  readonly fields?: Readonly<Record<string, { readonly read?: boolean; readonly write?: boolean }>>;
}

export interface RulesSpec {
  readonly roles?: Readonly<Record<string, readonly RoleSpec[]>>;
  readonly defaultRoles?: readonly RoleSpec[];
}

/** A rule resolved for one user: always, never, or a compiled document filter. */
export type Rule = { readonly kind: 'all' } | { readonly kind: 'none' } | { readonly kind: 'filter'; readonly query: CompiledQuery };

export interface TypeRole {
  readonly name: string;
  readonly read: Rule;
  readonly write: Rule;
  readonly fields: Readonly<Record<string, { readonly read?: boolean; readonly write?: boolean }>>;
  /** The fields this role may not read (`read: false`): never sent to the user, and not writable. */
  readonly hidden: ReadonlySet<string>;
}

const NO_FIELDS: ReadonlySet<string> = new Set();

/**
 * The field rules as enforced: a hidden field is not writable either, whatever its `write` says
 * (a client could not see what it wrote, and a write filter on it would be an oracle).
 */
function fieldRules(schema: Schema, type: string, spec: RoleSpec['fields']): Pick<TypeRole, 'fields' | 'hidden'> {
  if (!spec) return { fields: {}, hidden: NO_FIELDS };
  const pk = schema.require(type).primaryKey;
  const hidden = new Set<string>();
  const fields: Record<string, { read?: boolean; write?: boolean }> = {};
  for (const [name, rule] of Object.entries(spec)) {
    // The primary key names the object: it cannot be hidden (the role's read rule hides objects).
    if (rule.read === false && name !== pk) {
      hidden.add(name);
      fields[name] = { read: false, write: false };
    } else fields[name] = { ...rule };
  }
  return { fields, hidden: hidden.size > 0 ? hidden : NO_FIELDS };
}

const USER_SCHEMA = parseSchema([{ name: 'User', primaryKey: 'id', properties: { id: 'string' } }]);

function applies(spec: RuleSpec, user: PermissionUser): boolean {
  if (typeof spec === 'boolean') return spec;
  const q = compilePermissionFilter(USER_SCHEMA, 'User', spec, user, { missingAsNull: true });
  return q.matches(Object.assign(Object.create(null), { id: user.id }));
}

function resolveRule(schema: Schema, type: string, spec: RuleSpec, user: PermissionUser, queryable: QueryableFields): Rule {
  if (spec === true) return { kind: 'all' };
  if (spec === false) return { kind: 'none' };
  return { kind: 'filter', query: compilePermissionFilter(schema, type, spec, user, { queryable, missingAsNull: true }) };
}

/** What a document may be read under: its read rule OR its write rule (writing implies reading, as in Realm). */
function readSpec(role: RoleSpec): RuleSpec {
  if (role.read === true || role.write === true) return true;
  if (role.read === false) return role.write;
  if (role.write === false) return role.read;
  return `(${role.read}) OR (${role.write})`;
}

/**
 * The roles a user gets, per object type, chosen once for a session. A type without a matching
 * role can be neither read nor written.
 */
export class SessionRoles {
  private readonly byType = new Map<string, TypeRole>();
  /** The role definitions chosen, by type (for `signature`). */
  private readonly specs = new Map<string, RoleSpec | null>();

  constructor(schema: Schema, rules: RulesSpec, user: PermissionUser, queryable: QueryableFields) {
    for (const type of schema.types.keys()) {
      if (schema.require(type).embedded) continue;
      const candidates = rules.roles?.[type] ?? rules.defaultRoles ?? [];
      let chosen: TypeRole = { name: '(none)', read: { kind: 'none' }, write: { kind: 'none' }, fields: {}, hidden: NO_FIELDS };
      this.specs.set(type, null);
      for (const role of candidates) {
        try {
          if (!applies(role.applyWhen, user)) continue;
          const write = resolveRule(schema, type, role.write, user, queryable);
          const read = resolveRule(schema, type, readSpec(role), user, queryable);
          chosen = { name: role.name, read, write, ...fieldRules(schema, type, role.fields) };
          this.specs.set(type, role);
        } catch (err) {
          throw new OutpostError('permission_denied', `role "${role.name}" for ${type} cannot be used: ${(err as Error).message}`);
        }
        break;
      }
      this.byType.set(type, chosen);
    }
  }

  get(type: string): TypeRole {
    return this.byType.get(type) ?? { name: '(none)', read: { kind: 'none' }, write: { kind: 'none' }, fields: {}, hidden: NO_FIELDS };
  }

  /** The hidden fields per type (only types that have some). */
  hiddenFields(): Map<string, ReadonlySet<string>> {
    const out = new Map<string, ReadonlySet<string>>();
    for (const [type, role] of this.byType) if (role.hidden.size > 0) out.set(type, role.hidden);
    return out;
  }

  /**
   * Refuses a query (a subscription, a data API query) that names a field the user may not read,
   * on any type it reaches: as in Realm, a field a role cannot read is not queryable by it, so
   * that which objects match cannot reveal the field's value. `index` is the subscription's.
   */
  checkQuery(q: CompiledQuery, index?: number): void {
    for (const r of referencedFields(q)) {
      if (!this.get(r.type).hidden.has(r.field)) continue;
      throw new OutpostError('bad_query', `field ${r.type}.${r.field} is not readable by this user's role, so it cannot be queried`, {
        ...(index !== undefined ? { index } : {}),
      });
    }
  }

  /**
   * The roles chosen, by type, with their definitions: sessions of one client file that get a
   * different signature have different permissions, and the objects the file holds may no longer
   * be the ones it may see (a client reset cause).
   */
  signature(): string {
    const text = JSON.stringify([...this.specs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let i = 0; i < text.length; i++) {
      h1 = Math.imul(h1 ^ text.charCodeAt(i), 0x01000193) >>> 0;
      h2 = Math.imul(h2 ^ text.charCodeAt(i), 0x5bd1e995) >>> 0;
    }
    return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
  }
}
