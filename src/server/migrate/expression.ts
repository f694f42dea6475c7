import { EJSON } from 'bson';
import { Decimal128, ObjectId, UUID } from '../../model/index.ts';

/*
 * App Services rule expressions (JSON, as in rules.json) translated to the server's rule form: a
 * query-language filter with `%%user.…` values (docs/server.md, roles). An expression is an
 * object whose keys are AND-ed: operators (`%and`, `%or`, `$and`, `$or`, `$nor`), or a left
 * operand (a document field, `%%root.<field>`, `%%user.…`, `%%true`/`%%false`) whose value is a
 * literal, an expansion, or an operator object (`$eq $ne $gt $gte $lt $lte $in $nin $exists
 * $not`, also written with `%`). Anything else (functions, `$regex`, `$elemMatch`, …) cannot be
 * carried over and is an Untranslatable naming it; the caller decides what that means (a denied
 * rule, a dropped role) so that nothing is granted that App Services refused.
 */

export class Untranslatable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Untranslatable';
  }
}

/** Where an expression is evaluated: over a document (filters), or over the user only (apply_when). */
export interface ExpressionContext {
  /** Whether a document field (a list, set or dictionary) holds several values, for `$ne`/`$nin`/`$in`. */
  readonly isCollection?: (field: string) => boolean;
  /** Whether the type has a field; a condition on one it lacks is decided here (the field is absent in every document). */
  readonly hasField?: (field: string) => boolean;
}

/** How a condition matches a field every document lacks, as MongoDB matches a missing field. */
function onMissing(value: unknown): boolean {
  if (value === null) return true;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const ops = Object.entries(value as Record<string, unknown>);
  if (ops.length === 0 || !ops.every(([k]) => k.startsWith('$') || k.startsWith('%'))) return false;
  return ops.every(([k, arg]) => {
    switch (k.slice(1)) {
      case 'exists':
        return arg === false;
      case 'eq':
        return arg === null;
      case 'ne':
        return arg !== null;
      case 'in':
        return Array.isArray(arg) && arg.includes(null);
      case 'nin':
        return !(Array.isArray(arg) && arg.includes(null));
      case 'not':
        return !onMissing(arg);
      default:
        return false;
    }
  });
}

/** A translated rule: a boolean, or a filter text. */
export type Translated = boolean | string;

const COMPARISONS: Readonly<Record<string, string>> = { eq: '==', ne: '!=', gt: '>', gte: '>=', lt: '<', lte: '<=' };

function and(parts: readonly Translated[]): Translated {
  if (parts.some((p) => p === false)) return false;
  const rest = parts.filter((p): p is string => p !== true);
  if (rest.length === 0) return true;
  return rest.length === 1 ? rest[0]! : rest.map((p) => `(${p})`).join(' AND ');
}

function or(parts: readonly Translated[]): Translated {
  if (parts.some((p) => p === true)) return true;
  const rest = parts.filter((p): p is string => p !== false);
  if (rest.length === 0) return false;
  return rest.length === 1 ? rest[0]! : rest.map((p) => `(${p})`).join(' OR ');
}

function not(p: Translated): Translated {
  return typeof p === 'boolean' ? !p : `NOT (${p})`;
}

export function andRules(...parts: Translated[]): Translated {
  return and(parts);
}

export function orRules(...parts: Translated[]): Translated {
  return or(parts);
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `%%user.…` as the server binds it, or Untranslatable. */
function userExpansion(text: string): string {
  if (text === '%%user.id') return '%%user.id';
  if (text === '%%user.data.email' || text === '%%user.email') return '%%user.email';
  const m = /^%%user\.custom_data((?:\.[A-Za-z_][A-Za-z0-9_]*)+)$/.exec(text);
  if (m) return `%%user.custom_data${m[1]}`;
  throw new Untranslatable(`${text}: Outpost binds %%user.id, %%user.data.email and %%user.custom_data.<field> only`);
}

/** `%%root.a.b` as the key path `a.b`. */
function fieldPath(text: string): string {
  const parts = text.slice('%%root.'.length).split('.');
  if (!parts.every((p) => NAME.test(p))) throw new Untranslatable(`${text}: not a plain field path`);
  return parts.join('.');
}

/** A left operand: a key path over the document, or a user value. */
function operand(key: string): { text: string; field?: string } | { constant: boolean } {
  if (key === '%%true' || key === '%%false') return { constant: key === '%%true' };
  if (key.startsWith('%%user')) return { text: userExpansion(key) };
  const path = key.startsWith('%%root.') ? key.slice('%%root.'.length) : key;
  if (path.startsWith('%') || path.startsWith('$')) throw new Untranslatable(`${key}: not a field or an expansion Outpost knows`);
  const parts = path.split('.');
  if (!parts.every((p) => NAME.test(p))) throw new Untranslatable(`${key}: not a plain field path`);
  return { text: parts.join('.'), field: parts[0]! };
}

/** A right-hand value as a query-language literal. */
export function literal(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') {
    if (v.startsWith('%%')) {
      if (v === '%%true' || v === '%%false') return v.slice(2);
      if (v.startsWith('%%user')) return userExpansion(v);
      if (v.startsWith('%%root.')) return fieldPath(v);
      throw new Untranslatable(`${v}: an expansion Outpost cannot bind (only %%user… values, %%true and %%false)`);
    }
    return JSON.stringify(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Untranslatable(`${v}: not a finite number`);
    return String(v);
  }
  if (typeof v === 'object' && !Array.isArray(v)) {
    const keys = Object.keys(v as object);
    if (keys.length === 1 && keys[0]!.startsWith('$')) {
      let x: unknown;
      try {
        x = EJSON.deserialize({ v }, { relaxed: true }).v;
      } catch (err) {
        throw new Untranslatable(`${JSON.stringify(v)}: ${(err as Error).message}`);
      }
      if (x instanceof ObjectId) return `oid(${x.toHexString()})`;
      if (x instanceof UUID) return `uuid(${x.toHexString(true)})`;
      if (x instanceof Date) {
        const ms = x.getTime();
        return `T${Math.floor(ms / 1000)}:${(ms % 1000 + 1000) % 1000 * 1_000_000}`;
      }
      if (x instanceof Decimal128) return x.toString();
      if (typeof x === 'number') return literal(x);
      if (typeof x === 'object' && x !== null && 'toNumber' in x) return literal((x as { toNumber(): number }).toNumber());
    }
  }
  throw new Untranslatable(`${JSON.stringify(v)}: a value Outpost rules cannot hold`);
}

function list(v: unknown, op: string): string {
  if (typeof v === 'string' && v.startsWith('%%user')) return userExpansion(v);
  if (typeof v === 'string' && v.startsWith('%%root.')) return fieldPath(v);
  if (!Array.isArray(v)) throw new Untranslatable(`${op} needs an array or a %%user value`);
  return `{${v.map(literal).join(', ')}}`;
}

/** One `left: value` pair. */
function condition(key: string, value: unknown, ctx: ExpressionContext): Translated {
  const left = operand(key);
  if ('constant' in left) {
    // `{"%%true": true}` and the like: a constant compared with a literal.
    if (typeof value === 'boolean') return left.constant === value;
    if (value === '%%true' || value === '%%false') return left.constant === (value === '%%true');
    throw new Untranslatable(`${key}: ${JSON.stringify(value)} (functions and other computed values cannot be carried over)`);
  }
  if (left.field !== undefined && ctx.hasField && !ctx.hasField(left.field)) return onMissing(value);
  const many = left.field !== undefined && (ctx.isCollection?.(left.field) ?? false);
  const l = left.text;
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).some((k) => k.startsWith('$') || k.startsWith('%'))) {
    const keys = Object.keys(value);
    // An EJSON value ({"$oid": …}) is a literal, not an operator.
    if (keys.length === 1 && /^\$(oid|date|uuid|numberLong|numberInt|numberDouble|numberDecimal)$/.test(keys[0]!)) return `${l} == ${literal(value)}`;
    const parts: Translated[] = [];
    for (const k of keys) {
      const op = k.slice(1);
      const arg = (value as Record<string, unknown>)[k];
      if (op in COMPARISONS) {
        if (op !== 'eq' && op !== 'ne' && typeof arg === 'string' && arg.startsWith('%%user')) {
          // The server refuses such a rule (a user without the value would order against null).
          throw new Untranslatable(`${k} against ${arg} (on ${key}): Outpost rules do not order against user values, which a user may lack`);
        }
        if (op === 'ne' && many) parts.push(`NONE ${l} == ${literal(arg)}`);
        else parts.push(`${l} ${COMPARISONS[op]} ${literal(arg)}`);
      } else if (op === 'in' || op === 'nin') {
        let test: string;
        if (typeof arg === 'string' && arg.startsWith('%%user')) {
          // `x IN %%user…` fails to compile for a user without that value; `%%user… == x`
          // compares with each element of a list value, and with a single value, and is false
          // when the user has none: what $in does with an array expansion.
          if (many) throw new Untranslatable(`${k} with ${arg} on the list field ${key} has no equivalent in Outpost rules`);
          test = `${userExpansion(arg)} == ${l}`;
        } else test = `${many ? 'ANY ' : ''}${l} IN ${list(arg, k)}`;
        parts.push(op === 'in' ? test : not(test));
      }
      else if (op === 'exists') {
        if (typeof arg !== 'boolean') throw new Untranslatable(`${k} takes true or false`);
        parts.push(many ? (arg ? `${l}.@count > 0` : `${l}.@count == 0`) : `${l} ${arg ? '!=' : '=='} null`);
      } else if (op === 'not') {
        if (arg === null || typeof arg !== 'object' || Array.isArray(arg)) throw new Untranslatable(`${k} takes an operator object`);
        parts.push(not(condition(key, arg, ctx)));
      } else throw new Untranslatable(`${k} (on ${key}) has no equivalent in Outpost rules`);
    }
    return and(parts);
  }
  if (Array.isArray(value)) throw new Untranslatable(`${key}: equality with a whole array has no equivalent in Outpost rules`);
  if (value !== null && typeof value === 'object' && Object.keys(value).length > 0 && !Object.keys(value)[0]!.startsWith('$')) {
    throw new Untranslatable(`${key}: equality with a whole embedded document has no equivalent in Outpost rules`);
  }
  return `${l} == ${literal(value)}`;
}

/** Translates an App Services expression (`{}` is always true; a boolean is itself). */
export function translateExpression(expr: unknown, ctx: ExpressionContext = {}): Translated {
  if (typeof expr === 'boolean') return expr;
  if (expr === '%%true' || expr === '%%false') return expr === '%%true';
  if (expr === null || typeof expr !== 'object' || Array.isArray(expr)) throw new Untranslatable(`${JSON.stringify(expr)} is not an expression`);
  const parts: Translated[] = [];
  for (const [key, value] of Object.entries(expr as Record<string, unknown>)) {
    if (key === '%and' || key === '$and' || key === '%or' || key === '$or' || key === '$nor') {
      if (!Array.isArray(value)) throw new Untranslatable(`${key} takes an array of expressions`);
      const subs = value.map((x) => translateExpression(x, ctx));
      parts.push(key.endsWith('and') ? and(subs) : key === '$nor' ? not(or(subs)) : or(subs));
    } else if (key === '%not' || key === '$not') parts.push(not(translateExpression(value, ctx)));
    else if (key.startsWith('%') && !key.startsWith('%%')) throw new Untranslatable(`${key} has no equivalent in Outpost rules (App Services functions and operators run code Outpost does not have)`);
    else if (key.startsWith('$')) throw new Untranslatable(`${key} has no equivalent in Outpost rules`);
    else parts.push(condition(key, value, ctx));
  }
  return and(parts);
}

/** Whether an expression reads the document (a field, `%%root`), rather than only the user. */
export function readsDocument(expr: unknown): boolean {
  if (expr === null || typeof expr !== 'object' || Array.isArray(expr)) return false;
  const mentionsRoot = (v: unknown): boolean =>
    typeof v === 'string' ? v.startsWith('%%root') : v !== null && typeof v === 'object' ? Object.values(v).some(mentionsRoot) : false;
  for (const [key, value] of Object.entries(expr as Record<string, unknown>)) {
    if (/^[%$](and|or|nor)$/.test(key)) {
      if (Array.isArray(value) && value.some(readsDocument)) return true;
    } else if (/^[%$]not$/.test(key)) {
      if (readsDocument(value)) return true;
    } else if (key.startsWith('%%root') || (!key.startsWith('%') && !key.startsWith('$'))) return true;
    else if (mentionsRoot(value)) return true;
  }
  return false;
}
