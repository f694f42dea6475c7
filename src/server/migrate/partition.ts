import { translateExpression, Untranslatable, type Translated } from './expression.ts';
import type { Notes } from './notes.ts';

/*
 * The partition-based settings of sync/config.json (`partition.key`, `partition.type`,
 * `partition.permissions.read` / `.write`) → the server's `partition` setting. The permissions
 * are App Services expressions over `%%partition` (the partition value a client asks for) and
 * `%%user`; in Outpost they are filters on the partition key field of each document, which has
 * that value, so `%%partition` becomes the field. What cannot be translated (a `%function`, as
 * the "function rules" strategy uses) denies, and is reported: nothing is granted that App
 * Services refused.
 */

export interface PartitionSetting {
  key: string;
  read: Translated;
  write: Translated;
}

/** `%%partition` as the key field: as an operand (`{"%%partition": …}`) and as a value (`"%%partition"`). */
function substitute(expr: unknown, key: string): unknown {
  if (expr === '%%partition') return `%%root.${key}`;
  if (Array.isArray(expr)) return expr.map((x) => substitute(x, key));
  if (expr === null || typeof expr !== 'object') return expr;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(expr as Record<string, unknown>)) out[k === '%%partition' ? key : k] = substitute(v, key);
  return out;
}

export function translatePartition(raw: unknown, notes: Notes, file: string): PartitionSetting | null {
  const p = raw as { key?: unknown; type?: unknown; permissions?: { read?: unknown; write?: unknown } } | undefined;
  if (!p || typeof p.key !== 'string' || p.key === '') {
    notes.dropped(file, 'partition-based sync without a partition key: not carried over');
    return null;
  }
  const key = p.key;
  const permission = (which: 'read' | 'write'): Translated => {
    const expr = p.permissions?.[which];
    // Deny by default: App Services refused a partition without a permission that grants it.
    if (expr === undefined) return false;
    try {
      return translateExpression(substitute(expr, key));
    } catch (err) {
      if (!(err instanceof Untranslatable)) throw err;
      notes.dropped(file, `partition ${which} permission ${JSON.stringify(expr)}: ${err.message}; it denies instead (write the rule by hand in "partition.${which}")`);
      return false;
    }
  };
  const setting = { key, read: permission('read'), write: permission('write') };
  notes.changed(
    file,
    `partition-based sync: partition key "${key}"${typeof p.type === 'string' ? ` (${p.type})` : ''} became "partition"; clients opened with sync.partitionValue subscribe to ${key} == <value>, and the partition permissions are the rules of every type with that field`,
  );
  return setting;
}
