import { PRIMARY_KEY_TYPES, type Schema } from '../../model/index.ts';
import type { RoleConfig, RolesConfig, RuleConfig } from './roles.ts';

/*
 * Partition-based sync (Realm's older sync mode), on top of flexible sync. The configuration
 * names the partition key field and the read and write permissions of a partition, as filters
 * on that field (`_partition == %%user.id`; import-app writes them from `%%partition`
 * expressions). Every type with the key field gets one role from them (roles of its own
 * would be ambiguous, and are refused), so the server enforces them as it enforces any rule,
 * deny by default. A client opened with `sync: { partitionValue }` subscribes to
 * `<key> == <value>` on each of its types
 * (src/client/partition.ts), after reading the key from `GET /api/sync/config`.
 */

export interface PartitionInput {
  readonly key: string;
  readonly read?: RuleConfig;
  readonly write?: RuleConfig;
}

export interface PartitionConfig {
  readonly key: string;
  /** The key's property type (`string`, `int`, `objectId` or `uuid`), the same on every type that has it. */
  readonly type: string;
  readonly read: RuleConfig;
  readonly write: RuleConfig;
  /** The types the partition's role applies to. */
  readonly types: readonly string[];
}

/** Write implies read, as in App Services: a partition one may write is readable. */
function readRule(read: RuleConfig, write: RuleConfig): RuleConfig {
  if (read === true || write === true) return true;
  if (read === false) return write;
  if (write === false) return read;
  return `(${read}) OR (${write})`;
}

/**
 * Checks the partition settings against the schema and derives what the rest of the server uses:
 * the roles (the partition's role added to every partitioned type without roles of its own) and
 * the key as a queryable field (subscriptions and rules name it). Problems are pushed, not thrown.
 */
export function applyPartition(
  input: PartitionInput | undefined,
  schema: Schema | undefined,
  roles: RolesConfig,
  global: readonly string[],
  problems: string[],
): { partition: PartitionConfig | null; roles: RolesConfig; global: readonly string[] } {
  if (!input) return { partition: null, roles, global };
  // Deny by default: a permission not given is false.
  const read = input.read ?? false;
  const write = input.write ?? false;
  const types: string[] = [];
  let keyType: string | undefined;
  for (const t of schema?.types.values() ?? []) {
    if (t.embedded) continue;
    const p = t.properties.get(input.key);
    if (!p) continue;
    if (p.collection !== 'none' || !(PRIMARY_KEY_TYPES as readonly string[]).includes(p.type)) {
      problems.push(`partition.key: ${t.name}.${input.key} must be a single string, int, objectId or uuid`);
      continue;
    }
    if (keyType !== undefined && keyType !== p.type) problems.push(`partition.key: ${t.name}.${input.key} is ${p.type}, another type has it as ${keyType}`);
    keyType ??= p.type;
    types.push(t.name);
  }
  if (types.length === 0) {
    problems.push(`partition.key: no object type in the schema has the field "${input.key}"`);
    return { partition: null, roles, global };
  }
  const role: RoleConfig = { name: 'partition', applyWhen: true, read: readRule(read, write), write };
  const byType: Record<string, readonly RoleConfig[]> = { ...roles.byType };
  for (const name of types) {
    // One source of rules per type: which of two would apply would be a guess.
    if (byType[name]) problems.push(`roles.byType.${name}: ${name} has the partition key "${input.key}", so the partition permissions are its rules; remove its roles or the field`);
    byType[name] = [role];
  }
  return {
    partition: { key: input.key, type: keyType!, read, write, types },
    roles: { ...roles, byType },
    global: global.includes(input.key) ? global : [...global, input.key],
  };
}
