import type { Instruction } from '../../changeset/index.ts';
import { valuesEqual, zeroValue, type ObjectRecord, type ObjectSchema, type PrimaryKey, type Value } from '../../model/index.ts';

/*
 * The revert of rejected writes (a compensating write). The client applied its whole changeset;
 * the server kept only the allowed part. The revert is a changeset, valid on the client's state,
 * that brings each rejected part back to the server's state: a whole object (created, erased or
 * restored) or single top-level fields. Parts of one object on different top-level fields are
 * independent under the merge rules, which is what lets the server split a changeset this way.
 */

function fieldInstructions(t: ObjectSchema, pk: PrimaryKey, field: string, value: Value): Instruction[] {
  const prop = t.properties.get(field)!;
  const target = { type: t.name, pk };
  switch (prop.collection) {
    case 'none':
      return [{ op: 'Set', ...target, path: [field], value }];
    case 'list':
      return [
        { op: 'Clear', ...target, path: [field] },
        ...(value as Value[]).map((v, i): Instruction => ({ op: 'ListInsert', ...target, path: [field, i], value: v })),
      ];
    case 'set':
      return [
        { op: 'Clear', ...target, path: [field] },
        ...(value as Value[]).map((v): Instruction => ({ op: 'SetInsert', ...target, path: [field], value: v })),
      ];
    case 'dictionary':
      return [
        { op: 'Clear', ...target, path: [field] },
        ...Object.keys(value as ObjectRecord).map((k): Instruction => ({ op: 'Set', ...target, path: [field, k], value: (value as ObjectRecord)[k]! })),
      ];
  }
}

/**
 * Instructions that turn the client's copy of an object (`client`) into the server's (`server`),
 * for every field (`fields` = 'all') or the named top-level fields. Either side may be absent.
 */
export function revertObject(
  t: ObjectSchema,
  pk: PrimaryKey,
  client: ObjectRecord | undefined,
  server: ObjectRecord | undefined,
  fields: 'all' | ReadonlySet<string>,
  /** Write every field, equal or not (a correction that must win over writes the client never saw). */
  force = false,
): Instruction[] {
  if (!client && !server) return [];
  if (client && !server) return fields === 'all' ? [{ op: 'EraseObject', type: t.name, pk }] : [];
  const out: Instruction[] = [];
  let from = client;
  if (!from) {
    if (fields !== 'all') return [];
    out.push({ op: 'CreateObject', type: t.name, pk });
  }
  for (const [name, prop] of t.properties) {
    if (name === t.primaryKey) continue;
    if (fields !== 'all' && !fields.has(name)) continue;
    const want = server![name] ?? zeroValue(prop);
    const have = from ? (from[name] ?? zeroValue(prop)) : zeroValue(prop);
    if (force || !valuesEqual(want, have)) out.push(...fieldInstructions(t, pk, name, want));
  }
  return out;
}
