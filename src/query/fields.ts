import type { BoundOperand, BoundPredicate, Step } from './bound.ts';
import type { CompiledQuery } from './compile.ts';

/**
 * Every field a compiled query reads, with the type that owns it: in comparisons, inside
 * SUBQUERY, through links and embedded objects, and in SORT and DISTINCT (an order is as
 * telling as a filter). What field-level read rules check a query against.
 */
export function referencedFields(q: CompiledQuery): { type: string; field: string }[] {
  const seen = new Map<string, { type: string; field: string }>();
  const steps = (list: readonly Step[]) => {
    const add = (type: string, field: string) => {
      const key = `${type}\u0000${field}`;
      if (!seen.has(key)) seen.set(key, { type, field });
    };
    for (const s of list) {
      if (s.kind === 'field') add(s.owner.name, s.name);
      // A backlink reads the linking type's link field (who points here is as telling as the link).
      else if (s.kind === 'backlinks') for (const src of s.sources) add(src.type, src.property);
    }
  };
  const operand = (o: BoundOperand) => {
    if (o.kind === 'path') steps(o.steps);
    else if (o.kind === 'arith') {
      operand(o.left);
      operand(o.right);
    } else if (o.kind === 'subquery') {
      steps(o.collection.steps);
      predicate(o.predicate);
    }
  };
  const predicate = (p: BoundPredicate): void => {
    switch (p.kind) {
      case 'constant':
        return;
      case 'not':
        return predicate(p.operand);
      case 'and':
      case 'or':
        return p.operands.forEach(predicate);
      case 'compare':
        operand(p.left);
        operand(p.right);
        return;
    }
  };
  predicate(q.predicate);
  for (const d of q.descriptors) {
    if (d.kind === 'sort') for (const k of d.keys) steps(k.steps);
    else if (d.kind === 'distinct') for (const k of d.keys) steps(k);
  }
  return [...seen.values()];
}
