import { ObjectId, UUID, pkKey, type PrimaryKey } from '../../model/index.ts';
import { objectKeyString } from '../store/types.ts';

/** The view-set key of an object. */
export function keyOf(type: string, pk: PrimaryKey): string {
  return objectKeyString(type, pkKey(pk));
}

/** The primary key back from its `pkKey` text (`s…` string, `d…` int, `o…` objectId, `u…` uuid). */
export function pkFromText(text: string): PrimaryKey {
  const tag = text[0];
  const rest = text.slice(1);
  switch (tag) {
    case 's':
      return rest;
    case 'd':
      return Number(rest);
    case 'o':
      return new ObjectId(rest);
    case 'u':
      return new UUID(rest);
    default:
      throw new Error(`not a primary key text: ${JSON.stringify(text)}`);
  }
}

/** Type and primary key from a view-set key. */
export function splitKey(key: string): { type: string; pk: PrimaryKey } {
  const at = key.indexOf('\u0000');
  return { type: key.slice(0, at), pk: pkFromText(key.slice(at + 1)) };
}
