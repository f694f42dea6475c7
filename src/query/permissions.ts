import { Decimal128, ObjectId, UUID, isRecord, type Schema } from '../model/index.ts';
import { compileQuery, type CompiledQuery } from './compile.ts';
import { QueryError } from './errors.ts';
import { SUBSCRIPTION_QUERY_LIMITS, resolveLimits, type QueryLimits } from './limits.ts';
import { decodeStorageValue } from './storage-doc.ts';
import { checkSubscriptionSubset, type QueryableFields } from './subscription.ts';

/** The user a permission filter is bound to. */
export interface PermissionUser {
  readonly id: string;
  readonly name?: string | null;
  readonly email?: string | null;
  /** Custom user data (also accepted as `customData`). Values may use $oid/$date/$uuid/$decimal markers. */
  readonly custom_data?: Readonly<Record<string, unknown>> | null;
  readonly customData?: Readonly<Record<string, unknown>> | null;
}

export interface PermissionFilterOptions {
  /** When given, the filter must also stay inside the subscription subset over these fields. */
  readonly queryable?: QueryableFields;
  /** A missing `%%user.custom_data.x` reads as null instead of failing (default: fail). */
  readonly missingAsNull?: boolean;
  readonly limits?: Partial<QueryLimits>;
}

const MARKERS = new Set(['$oid', '$date', '$uuid', '$decimal', '$binary', '$double']);

function customValue(v: unknown, name: string, pos: number, text: string): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (v instanceof Date || v instanceof ObjectId || v instanceof UUID || v instanceof Decimal128 || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map((x, i) => customValue(x, `${name}[${i}]`, pos, text));
  if (isRecord(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1 && MARKERS.has(keys[0]!)) {
      // Extended-JSON style values in custom data ({"$oid": "…"}); `$numberDecimal` is Mongo's spelling.
      try {
        return decodeStorageValue(v);
      } catch {
        throw new QueryError(`${name} holds an invalid ${keys[0]} value`, pos, text);
      }
    }
    if (keys.length === 1 && keys[0] === '$numberDecimal' && typeof v.$numberDecimal === 'string') {
      return Decimal128.fromString(v.$numberDecimal);
    }
    throw new QueryError(`${name} is an object; name one of its fields`, pos, text);
  }
  throw new QueryError(`${name} has a type a query cannot use`, pos, text);
}

/**
 * Compiles a permission filter (a read or write rule's document filter) for one user. `%%user.id`,
 * `%%user.name`, `%%user.email` and `%%user.custom_data.<field>[.<field>…]` are replaced by the
 * user's values, bound as values (never spliced into the text). Any other `%%` name is an error.
 * The result is an ordinary compiled query (type-checked; translatable with toSql).
 */
export function compilePermissionFilter(
  schema: Schema,
  typeName: string,
  filter: string,
  user: PermissionUser,
  options: PermissionFilterOptions = {},
): CompiledQuery {
  const custom = user.custom_data ?? user.customData ?? null;
  const expansion = (path: readonly string[], pos: number): unknown => {
    const name = `%%${path.join('.')}`;
    if (path[0] !== 'user' || path.length < 2) throw new QueryError(`unknown variable ${name}`, pos, filter);
    const field = path[1];
    if (path.length === 2 && (field === 'id' || field === 'name' || field === 'email')) {
      const v = user[field];
      if (v === undefined || v === null) {
        if (field === 'id' || !options.missingAsNull) throw new QueryError(`the user has no ${field} for ${name}`, pos, filter);
        return null;
      }
      return v;
    }
    if (field === 'custom_data' && path.length >= 3) {
      let cur: unknown = custom;
      for (const key of path.slice(2)) {
        if (isRecord(cur) && Object.prototype.hasOwnProperty.call(cur, key) && cur[key] !== undefined) cur = cur[key];
        else {
          if (options.missingAsNull) return null;
          throw new QueryError(`the user's custom data has no value for ${name}`, pos, filter);
        }
      }
      return customValue(cur, name, pos, filter);
    }
    throw new QueryError(`unknown variable ${name}; use %%user.id, %%user.name, %%user.email or %%user.custom_data.<field>`, pos, filter);
  };
  const limits = resolveLimits(options.limits, options.queryable ? SUBSCRIPTION_QUERY_LIMITS : undefined);
  const q = compileQuery(schema, typeName, filter, [], { limits, allowExpansions: true, expansion });
  for (const d of q.ast.descriptors) throw new QueryError(`${d.kind.toUpperCase()} is not allowed in a permission filter`, d.pos, filter);
  if (options.queryable) checkSubscriptionSubset(q, options.queryable, 'permission filter');
  return q;
}
