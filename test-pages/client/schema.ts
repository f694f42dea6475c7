import type { ObjectSchemaInput } from '../../src/model/index.ts';

export const e2eSchema: ObjectSchemaInput[] = [
  {
    name: 'Task',
    primaryKey: '_id',
    properties: {
      _id: 'objectId',
      title: 'string',
      done: { type: 'bool', default: false },
      priority: { type: 'int', indexed: true, default: 0 },
      tags: 'string<>',
    },
  },
];
