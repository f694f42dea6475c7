import type { ObjectSchemaInput } from 'outpost';

// The same object type as the server's outpost.config.json.
export const Item: ObjectSchemaInput = {
  name: 'Item',
  primaryKey: '_id',
  properties: { _id: 'objectId', owner: { type: 'string', indexed: true }, title: 'string', done: 'bool' },
};

export interface ItemDoc {
  _id: unknown;
  owner: string;
  title: string;
  done: boolean;
}
