import { decodeValue } from '../../changeset/encoding.ts';
import type { ConflictEntry } from '../../protocol/index.ts';
import type { ConflictRow, ConflictValue, StoreReader } from '../store/types.ts';
import { keyOf } from './keys.ts';
import type { SessionRoles } from './roles.ts';

/*
 * Who may read a conflict journal entry (docs/server.md, "Conflict journal"): deny unless a rule
 * grants. The reader's role for the type must let it read the object (judged on the object as
 * it is now or, once erased, as it was just before the erase; an erased object whose state was
 * not kept is readable under a read rule of `true`, and by the loser's user when the object was
 * in the loser's view when it wrote) and must not hide the entry's field.
 * The admin API reads the whole journal; every other path goes through here.
 */
export async function readableConflicts(
  rows: readonly ConflictRow[],
  reader: { readonly userId: string; readonly roles: SessionRoles },
  store: Pick<StoreReader, 'getObjects'>,
): Promise<ConflictRow[]> {
  const roles = reader.roles;
  const candidates = rows.filter((r) => {
    const role = roles.get(r.type);
    if (role.read.kind === 'none') return false;
    const field = r.path[0];
    return field === undefined || !role.hidden.has(field);
  });
  const filtered = candidates.filter((r) => roles.get(r.type).read.kind === 'filter');
  const objects = filtered.length > 0 ? await store.getObjects(filtered.map((r) => ({ type: r.type, pk: r.pk }))) : new Map();
  return candidates.filter((r) => {
    const read = roles.get(r.type).read;
    if (read.kind === 'all') return true;
    if (read.kind !== 'filter') return false;
    const now = objects.get(keyOf(r.type, r.pk));
    if (now !== undefined) return read.query.matches(now);
    if (r.erasedObject !== undefined) return read.query.matches(r.erasedObject);
    return r.loserSaw === true && r.loser.userId === reader.userId;
  });
}

function wireValue(v: ConflictValue | undefined): ConflictEntry['lost'] {
  if (v === undefined) return undefined;
  return 'value' in v ? { value: decodeValue(v.value) } : { size: v.size };
}

/** A journal entry as CONFLICTS carries it (the state of an erased object stays on the server). */
export function conflictEntry(r: ConflictRow): ConflictEntry {
  const lost = wireValue(r.lost);
  const won = wireValue(r.won);
  return {
    id: r.id,
    at: r.at,
    kind: r.kind,
    type: r.type,
    pk: r.pk,
    path: [...r.path],
    loser: { ...r.loser },
    winner: { ...r.winner },
    ...(lost ? { lost } : {}),
    ...(won ? { won } : {}),
    ...(r.reason !== undefined ? { reason: r.reason.slice(0, 1024) } : {}),
  };
}
