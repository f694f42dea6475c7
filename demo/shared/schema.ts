import type { ObjectId, ObjectSchemaInput } from 'outpost';

/*
 * The field-service data model, shared by the React app, the Vue board and the seed script. The
 * server holds the same schema in outpost.config.json (the seed script checks that they agree:
 * a client whose schema differs from the server's is refused at BIND).
 */

/** A postal address, embedded in customers and work orders (a work order keeps its site's address). */
export const Address: ObjectSchemaInput = {
  name: 'Address',
  embedded: true,
  properties: { street: 'string', city: 'string', postcode: 'string' },
};

/** One step of a work order's checklist. */
export const Task: ObjectSchemaInput = {
  name: 'Task',
  embedded: true,
  properties: { title: 'string', done: 'bool', doneAt: 'date?', doneBy: 'string?' },
};

/** A part used on a job. `qty` is a counter: two technicians adding parts offline add up. */
export const PartLine: ObjectSchemaInput = {
  name: 'PartLine',
  embedded: true,
  properties: { sku: 'string', name: 'string', qty: 'counter' },
};

/** A note in a work order's log. A list, so notes written on two devices are both kept. */
export const Note: ObjectSchemaInput = {
  name: 'Note',
  embedded: true,
  properties: { text: 'string', author: 'string', authorId: 'string', at: 'date' },
};

export const WorkOrder: ObjectSchemaInput = {
  name: 'WorkOrder',
  primaryKey: '_id',
  properties: {
    _id: 'objectId',
    /** What people call it ("WO-1042"); the primary key is an ObjectId so devices can create offline. */
    code: 'string',
    title: 'string',
    description: 'string',
    /** open | in_progress | done */
    status: { type: 'string', indexed: true },
    /** 1 low, 2 normal, 3 urgent */
    priority: 'int',
    region: { type: 'string', indexed: true },
    /** The technician's user id; null while the job is in the region's pool. */
    assigneeId: { type: 'string?', indexed: true },
    customerId: 'objectId?',
    customerName: 'string',
    site: 'Address',
    dueAt: 'date',
    createdAt: 'date',
    completedAt: 'date?',
    tasks: 'Task[]',
    parts: 'PartLine[]',
    notes: 'Note[]',
  },
};

export const Customer: ObjectSchemaInput = {
  name: 'Customer',
  primaryKey: '_id',
  properties: {
    _id: 'objectId',
    name: 'string',
    region: { type: 'string', indexed: true },
    contact: 'string',
    phone: 'string',
    address: 'Address',
    /** Gate codes, where the key is: what a technician needs on site. */
    accessNotes: 'string',
  },
};

/** A technician's public card (name, regions), keyed by user id, so anyone can show who holds a job. */
export const Technician: ObjectSchemaInput = {
  name: 'Technician',
  primaryKey: '_id',
  properties: { _id: 'string', name: 'string', email: 'string', regions: 'string[]' },
};

export const schema: readonly ObjectSchemaInput[] = [Address, Task, PartLine, Note, WorkOrder, Customer, Technician];

export const APP_ID = 'field-service';

export type Status = 'open' | 'in_progress' | 'done';

export interface AddressDoc {
  readonly street: string;
  readonly city: string;
  readonly postcode: string;
}

export interface TaskDoc {
  readonly title: string;
  readonly done: boolean;
  readonly doneAt: Date | null;
  readonly doneBy: string | null;
}

export interface PartLineDoc {
  readonly sku: string;
  readonly name: string;
  readonly qty: number;
}

export interface NoteDoc {
  readonly text: string;
  readonly author: string;
  readonly authorId: string;
  readonly at: Date;
}

export interface WorkOrderDoc {
  readonly _id: ObjectId;
  readonly code: string;
  readonly title: string;
  readonly description: string;
  readonly status: Status;
  readonly priority: number;
  readonly region: string;
  readonly assigneeId: string | null;
  readonly customerId: ObjectId | null;
  readonly customerName: string;
  readonly site: AddressDoc | null;
  readonly dueAt: Date;
  readonly createdAt: Date;
  readonly completedAt: Date | null;
  readonly tasks: readonly TaskDoc[];
  readonly parts: readonly PartLineDoc[];
  readonly notes: readonly NoteDoc[];
}

export interface CustomerDoc {
  readonly _id: ObjectId;
  readonly name: string;
  readonly region: string;
  readonly contact: string;
  readonly phone: string;
  readonly address: AddressDoc | null;
  readonly accessNotes: string;
}

export interface TechnicianDoc {
  readonly _id: string;
  readonly name: string;
  readonly email: string;
  readonly regions: readonly string[];
}
