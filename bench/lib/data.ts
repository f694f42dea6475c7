import type { Instruction } from '../../src/changeset/index.ts';
import type { ObjectSchemaInput } from '../../src/model/index.ts';
import { prng } from '../../src/sim/random.ts';

export { prng };

/*
 * The one data set every contestant gets: work orders with a string key and only strings and
 * integers (types IndexedDB, Dexie, RxDB and JSON all store natively, so no contestant pays for
 * a conversion the others skip), about 230 bytes of JSON each, generated deterministically from
 * the index so that every run, page and process builds exactly the same objects.
 */

export const WORK_ORDER = 'WorkOrder';

export const schema: ObjectSchemaInput[] = [
  {
    name: WORK_ORDER,
    primaryKey: '_id',
    properties: {
      _id: 'string',
      title: 'string',
      status: { type: 'string', indexed: true },
      priority: 'int',
      assignee: 'string',
      dueAt: 'int',
      notes: 'string',
      visits: 'counter',
    },
  },
];

/** Fields the server lets subscriptions filter on. */
export const queryable = { global: ['status', 'priority'] };

export interface PlainWorkOrder {
  _id: string;
  title: string;
  status: string;
  priority: number;
  assignee: string;
  dueAt: number;
  notes: string;
  visits: number;
}

/** Work order number i (the same object everywhere). */
export function workOrder(i: number): PlainWorkOrder {
  const n = String(i).padStart(7, '0');
  return {
    _id: `wo-${n}`,
    title: `Work order ${n}: replace valve`,
    status: `status-${i % 100}`,
    priority: i % 5,
    assignee: `user-${(i * 7919) % 37}`,
    dueAt: Date.UTC(2026, 0, 1) + i * 60_000,
    notes: `Site ${i % 997}, floor ${i % 12}; bring the ${i % 2 ? 'long' : 'short'} ladder and the spare gasket set.`,
    visits: 0,
  };
}

export function workOrders(from: number, to: number): PlainWorkOrder[] {
  const out: PlainWorkOrder[] = [];
  for (let i = from; i < to; i++) out.push(workOrder(i));
  return out;
}

/** The instructions that create a work order (a counter starts at zero: no instruction). */
export function createInstructions(o: PlainWorkOrder): Instruction[] {
  const target = { type: WORK_ORDER, pk: o._id };
  return [
    { op: 'CreateObject', ...target },
    { op: 'Set', ...target, path: ['title'], value: o.title },
    { op: 'Set', ...target, path: ['status'], value: o.status },
    { op: 'Set', ...target, path: ['priority'], value: o.priority },
    { op: 'Set', ...target, path: ['assignee'], value: o.assignee },
    { op: 'Set', ...target, path: ['dueAt'], value: o.dueAt },
    { op: 'Set', ...target, path: ['notes'], value: o.notes },
  ];
}

