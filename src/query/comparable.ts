import type { Schema } from '../model/index.ts';
import type { ComparePredicate } from './ast.ts';
import type { BoundOp, ValueBase, ValueType } from './bound.ts';
import type { QueryError } from './errors.ts';
import { describeType, propertyValueType } from './value-types.ts';

/**
 * Which value types a comparison operator accepts on its two sides (Realm's rules, with Outpost's
 * documented differences). Throws a QueryError pointing at the right-hand side otherwise.
 */

export type Category = 'num' | Exclude<ValueBase, 'int' | 'double' | 'decimal'>;
export function category(t: ValueType): Category {
  return t.base === 'int' || t.base === 'double' || t.base === 'decimal' ? 'num' : t.base;
}

export function checkComparable(
schema: Schema,
op: BoundOp,
l: ValueType,
r: ValueType,
fold: boolean,
p: ComparePredicate,
err: (message: string, pos: number) => QueryError,
): void {
  const cl = category(l);
  const cr = category(r);
  const bad = (why?: string): never => {
    // Point at the right-hand side: usually the constant of the wrong type.
    throw err(why ?? `cannot compare ${describeType(l)} with ${describeType(r)} using ${p.op}`, p.right.pos);
  };
  if (fold) {
    // As in Realm, [c] also applies to binary data (ASCII letters); [d] only to strings.
    const ok = (c: Category): boolean => c === 'string' || c === 'mixed' || c === 'null' || (c === 'data' && !p.diacriticInsensitive);
    if (!ok(cl) || !ok(cr)) bad(`[c] and [d] apply to strings; cannot use them to compare ${describeType(l)} with ${describeType(r)}`);
  }
  switch (op) {
    case '==':
    case '!=': {
      if (cl === 'null' || cr === 'null') {
        if (cl === 'record' || cr === 'record') bad();
        return;
      }
      if (cl === 'mixed' || cr === 'mixed') {
        if (cl === 'record' || cr === 'record' || cl === 'embedded' || cr === 'embedded' || cl === 'link' || cr === 'link') bad();
        return;
      }
      if (cl === 'link' || cr === 'link') {
        const link = cl === 'link' ? l : r;
        const other = cl === 'link' ? r : l;
        if (other.base === 'link') {
          if (other.objectType !== link.objectType) bad();
          return;
        }
        const target = schema.require(link.objectType!);
        const pkType = propertyValueType(target.properties.get(target.primaryKey!)!, schema);
        if (category(other) !== category(pkType)) bad();
        return;
      }
      if (cl === 'embedded' || cr === 'embedded' || cl === 'record' || cr === 'record') bad();
      if (cl !== cr) bad();
      return;
    }
    case '<':
    case '<=':
    case '>':
    case '>=':
    case 'BETWEEN': {
      const unordered = new Set<Category>(['null', 'link', 'embedded', 'record']);
      if (unordered.has(cl) || unordered.has(cr)) {
        // Realm lets an argument be null here (< and > match nothing, <= and >= match null);
        // the literal null is refused as a likely mistake.
        if ((cl === 'null' && p.left.kind === 'arg') || (cr === 'null' && p.right.kind === 'arg')) {
          const other = cl === 'null' ? cr : cl;
          if (other !== 'link' && other !== 'embedded' && other !== 'record') return;
        }
        if (cl === 'null' || cr === 'null') bad(`cannot use ${p.op} with null`);
        bad(`${p.op} is not supported for ${describeType(unordered.has(cl) ? l : r)}; only == and != are`);
      }
      if (cl === 'mixed' || cr === 'mixed' || cl === cr) return;
      bad();
      return;
    }
    default: {
      // BEGINSWITH ENDSWITH CONTAINS LIKE; as in Realm, null stands for the null string or data.
      if (cl === 'null' || cr === 'null') {
        const other = cl === 'null' ? cr : cl;
        if (other !== 'null' && other !== 'string' && other !== 'data' && other !== 'mixed') {
          bad(`${p.op} needs strings or binary data; cannot use it with ${describeType(cl === 'null' ? r : l)}`);
        }
        return;
      }
      const ok = (c: Category): boolean => c === 'string' || c === 'data' || c === 'mixed';
      if (!ok(cl) || !ok(cr)) {
        bad(`${p.op} needs strings or binary data; cannot use it with ${describeType(ok(cl) ? r : l)}`);
      }
      if (cl !== 'mixed' && cr !== 'mixed' && cl !== cr) bad();
      return;
    }
  }
}
