// The same object type as the server's outpost.config.json.
export const Item = {
  name: 'Item',
  primaryKey: '_id',
  properties: { _id: 'objectId', owner: { type: 'string', indexed: true }, title: 'string', done: 'bool' },
};
