import { applyInstructions, type Instruction, type ObjectState } from '../changeset/index.ts';
import { ObjectId, parseSchema, type ObjectRecord, type PrimaryKey, type Value } from '../model/index.ts';
import type { Random } from './random.ts';

/** The fuzzer's schema: every kind of field the merge rules treat differently. */
export const fuzzSchema = parseSchema([
  {
    name: 'Task',
    primaryKey: '_id',
    properties: {
      _id: 'string',
      title: 'string',
      status: { type: 'string?', default: 'new' },
      n: 'int',
      visits: 'counter',
      items: 'string[]',
      tags: 'string<>',
      attrs: 'string{}',
      address: 'Address',
      rows: 'Row[]',
    },
  },
  { name: 'Address', embedded: true, properties: { street: 'string', city: 'string' } },
  { name: 'Row', embedded: true, properties: { label: 'string', cells: 'int[]' } },
  { name: 'Note', primaryKey: '_id', properties: { _id: 'objectId', text: 'string', task: 'Task' } },
]);

export const TASK_KEYS = ['t1', 't2', 't3', 't4'];
export const NOTE_KEYS = [
  new ObjectId('64b000000000000000000001'),
  new ObjectId('64b000000000000000000002'),
  new ObjectId('64b000000000000000000003'),
];
const TAG_VALUES = ['a', 'b', 'c'];
const DICT_KEYS = ['x', 'y', 'z'];

/** What a write meant, recorded for the oracle (which never looks at transformed instructions). */
export type Intent =
  | { kind: 'create'; type: string; key: string }
  | { kind: 'erase'; type: string; key: string }
  | { kind: 'set'; type: string; key: string; field: string; value: Value; isDefault: boolean }
  | { kind: 'add'; type: string; key: string; field: string; amount: number }
  | { kind: 'listInsert'; type: string; key: string; field: string; slot: string }
  | { kind: 'listErase'; type: string; key: string; field: string; slot: string }
  | { kind: 'clear'; type: string; key: string; field: string }
  | { kind: 'setInsert' | 'setErase'; type: string; key: string; field: string; value: string }
  | { kind: 'dictSet'; type: string; key: string; field: string; dkey: string; value: string | null }
  | { kind: 'replace'; type: string; key: string; field: string; value: Value }
  | { kind: 'innerSet'; type: string; key: string; field: string; inner: string; value: string };

export interface GeneratedOp {
  instruction: Instruction;
  intent?: Intent;
}

/** The slot an item value belongs to: items are `slot#revision`. */
export function slotOf(item: string): string {
  return item.slice(0, item.indexOf('#'));
}

export function objKey(type: string, pk: PrimaryKey): string {
  return type + ':' + (typeof pk === 'string' ? pk : (pk as ObjectId).toHexString());
}

/**
 * Random write transactions that are valid against a replica's current objects, the way an
 * app's writes would be. `tag` makes every inserted value unique so the oracle can follow it.
 */
export class Workload {
  private counter = 0;

  /**
   * @param sharedKeys pick primary keys from small fixed pools, so that replicas create, erase
   *   and re-create the same keys concurrently (the hard case); otherwise every create uses a
   *   new key (as apps with ObjectId keys do) and edits pick among the objects the replica has.
   */
  constructor(
    private readonly rng: Random,
    private readonly tag: string,
    private readonly sharedKeys = true,
  ) {}

  private taskKey(s: ObjectState): string {
    if (this.sharedKeys) return this.rng.pick(TASK_KEYS);
    const have = [...s.objects('Task')].map((r) => r._id as string);
    return have.length > 0 && this.rng.bool(0.85) ? this.rng.pick(have) : `${this.tag}.t${++this.counter}`;
  }

  private unique(): string {
    return `${this.tag}.${++this.counter}`;
  }

  /** A transaction of 1 to 4 operations, applied to `scratch` as it is generated. */
  transaction(scratch: ObjectState): GeneratedOp[] {
    const ops: GeneratedOp[] = [];
    const n = 1 + this.rng.int(4);
    for (let k = 0; k < n; k++) {
      const generated = this.operation(scratch);
      for (const g of generated) {
        applyInstructions(scratch, [g.instruction]);
        ops.push(g);
      }
    }
    return ops;
  }

  private operation(s: ObjectState): GeneratedOp[] {
    const rng = this.rng;
    if (rng.bool(0.15)) return this.noteOperation(s);
    const key = this.taskKey(s);
    const task = s.get('Task', key);
    const t = { type: 'Task', pk: key } as const;
    const i = { type: 'Task', key };
    if (!task) {
      const ops: GeneratedOp[] = [{ instruction: { op: 'CreateObject', ...t }, intent: { kind: 'create', ...i } }];
      const title = this.unique();
      ops.push({ instruction: { op: 'Set', ...t, path: ['title'], value: title }, intent: { kind: 'set', ...i, field: 'title', value: title, isDefault: false } });
      // The schema default of `status`, written as a default: it loses to explicit writes.
      ops.push({
        instruction: { op: 'Set', ...t, path: ['status'], value: 'new', default: true },
        intent: { kind: 'set', ...i, field: 'status', value: 'new', isDefault: true },
      });
      return ops;
    }
    const roll = rng.int(100);
    if (roll < 5) return [{ instruction: { op: 'EraseObject', ...t }, intent: { kind: 'erase', ...i } }];
    if (roll < 15) {
      const value = this.unique();
      return [{ instruction: { op: 'Set', ...t, path: ['title'], value }, intent: { kind: 'set', ...i, field: 'title', value, isDefault: false } }];
    }
    if (roll < 20) {
      const value = rng.bool(0.2) ? null : this.unique();
      return [{ instruction: { op: 'Set', ...t, path: ['status'], value }, intent: { kind: 'set', ...i, field: 'status', value, isDefault: false } }];
    }
    if (roll < 24) {
      const value = rng.int(1000);
      return [{ instruction: { op: 'Set', ...t, path: ['n'], value }, intent: { kind: 'set', ...i, field: 'n', value, isDefault: false } }];
    }
    if (roll < 30) {
      const amount = 1 + rng.int(9);
      return [{ instruction: { op: 'AddInteger', ...t, path: ['n'], value: amount }, intent: { kind: 'add', ...i, field: 'n', amount } }];
    }
    if (roll < 38) {
      const amount = rng.int(7) - 2;
      return [{ instruction: { op: 'AddInteger', ...t, path: ['visits'], value: amount }, intent: { kind: 'add', ...i, field: 'visits', amount } }];
    }
    if (roll < 58) return this.itemsOperation(task, t, i);
    if (roll < 66) {
      const tags = task.tags as string[];
      if (rng.bool(0.05)) return [{ instruction: { op: 'Clear', ...t, path: ['tags'] }, intent: { kind: 'clear', ...i, field: 'tags' } }];
      const value = rng.pick(TAG_VALUES);
      const kind = tags.includes(value) && rng.bool(0.6) ? 'setErase' : 'setInsert';
      return [{ instruction: { op: kind === 'setErase' ? 'SetErase' : 'SetInsert', ...t, path: ['tags'], value }, intent: { kind, ...i, field: 'tags', value } }];
    }
    if (roll < 74) {
      if (rng.bool(0.05)) return [{ instruction: { op: 'Clear', ...t, path: ['attrs'] }, intent: { kind: 'clear', ...i, field: 'attrs' } }];
      const dkey = rng.pick(DICT_KEYS);
      if (rng.bool(0.3)) {
        return [
          { instruction: { op: 'Set', ...t, path: ['attrs', dkey], value: null, erase: true }, intent: { kind: 'dictSet', ...i, field: 'attrs', dkey, value: null } },
        ];
      }
      const value = this.unique();
      return [{ instruction: { op: 'Set', ...t, path: ['attrs', dkey], value }, intent: { kind: 'dictSet', ...i, field: 'attrs', dkey, value } }];
    }
    if (roll < 84) return this.addressOperation(task, t, i);
    return this.rowsOperation(task, t);
  }

  private itemsOperation(task: ObjectRecord, t: { type: 'Task'; pk: string }, i: { type: string; key: string }): GeneratedOp[] {
    const rng = this.rng;
    const items = task.items as string[];
    const roll = rng.int(100);
    if (roll < 3) return [{ instruction: { op: 'Clear', ...t, path: ['items'] }, intent: { kind: 'clear', ...i, field: 'items' } }];
    if (items.length === 0 || roll < 45) {
      const slot = this.unique();
      return [
        {
          instruction: { op: 'ListInsert', ...t, path: ['items', rng.int(items.length + 1)], value: slot + '#0' },
          intent: { kind: 'listInsert', ...i, field: 'items', slot },
        },
      ];
    }
    const at = rng.int(items.length);
    if (roll < 65) {
      return [{ instruction: { op: 'ListErase', ...t, path: ['items', at] }, intent: { kind: 'listErase', ...i, field: 'items', slot: slotOf(items[at]!) } }];
    }
    if (roll < 82) return [{ instruction: { op: 'ListMove', ...t, path: ['items', at], to: rng.int(items.length) } }];
    // Replace an element with a new revision of the same slot: membership is unchanged.
    return [{ instruction: { op: 'Set', ...t, path: ['items', at], value: `${slotOf(items[at]!)}#${this.unique()}` } }];
  }

  private addressOperation(task: ObjectRecord, t: { type: 'Task'; pk: string }, i: { type: string; key: string }): GeneratedOp[] {
    const rng = this.rng;
    const address = task.address as ObjectRecord | null;
    if (address && rng.bool(0.7)) {
      const inner = rng.bool() ? 'city' : 'street';
      const value = this.unique();
      return [{ instruction: { op: 'Set', ...t, path: ['address', inner], value }, intent: { kind: 'innerSet', ...i, field: 'address', inner, value } }];
    }
    const value: Value = rng.bool(0.15) ? null : ({ street: this.unique(), city: this.unique() } as unknown as ObjectRecord);
    return [{ instruction: { op: 'Set', ...t, path: ['address'], value }, intent: { kind: 'replace', ...i, field: 'address', value } }];
  }

  /** Lists of embedded objects with nested lists: checked for convergence only. */
  private rowsOperation(task: ObjectRecord, t: { type: 'Task'; pk: string }): GeneratedOp[] {
    const rng = this.rng;
    const rows = task.rows as ObjectRecord[];
    const roll = rng.int(100);
    if (roll < 3) return [{ instruction: { op: 'Clear', ...t, path: ['rows'] } }];
    if (rows.length === 0 || roll < 30) {
      const value = { label: this.unique(), cells: [rng.int(10)] } as unknown as ObjectRecord;
      return [{ instruction: { op: 'ListInsert', ...t, path: ['rows', rng.int(rows.length + 1)], value } }];
    }
    const r = rng.int(rows.length);
    if (roll < 40) return [{ instruction: { op: 'ListErase', ...t, path: ['rows', r] } }];
    if (roll < 50) return [{ instruction: { op: 'ListMove', ...t, path: ['rows', r], to: rng.int(rows.length) } }];
    if (roll < 60) return [{ instruction: { op: 'Set', ...t, path: ['rows', r, 'label'], value: this.unique() } }];
    if (roll < 65) {
      const value = { label: this.unique(), cells: [] } as unknown as ObjectRecord;
      return [{ instruction: { op: 'Set', ...t, path: ['rows', r], value } }];
    }
    const cells = rows[r]!.cells as number[];
    if (cells.length === 0 || roll < 80) {
      return [{ instruction: { op: 'ListInsert', ...t, path: ['rows', r, 'cells', rng.int(cells.length + 1)], value: rng.int(100) } }];
    }
    const c = rng.int(cells.length);
    if (roll < 88) return [{ instruction: { op: 'ListErase', ...t, path: ['rows', r, 'cells', c] } }];
    if (roll < 94) return [{ instruction: { op: 'ListMove', ...t, path: ['rows', r, 'cells', c], to: rng.int(cells.length) } }];
    if (roll < 97) return [{ instruction: { op: 'Clear', ...t, path: ['rows', r, 'cells'] } }];
    return [{ instruction: { op: 'Set', ...t, path: ['rows', r, 'cells', c], value: rng.int(100) } }];
  }

  private noteOperation(s: ObjectState): GeneratedOp[] {
    const rng = this.rng;
    const notes = [...s.objects('Note')].map((r) => r._id as ObjectId);
    const fresh = () => new ObjectId(Array.from({ length: 12 }, () => rng.int(256).toString(16).padStart(2, '0')).join(''));
    const pk = this.sharedKeys ? rng.pick(NOTE_KEYS) : notes.length > 0 && rng.bool(0.85) ? rng.pick(notes) : fresh();
    const key = pk.toHexString();
    const t = { type: 'Note', pk } as const;
    const i = { type: 'Note', key };
    if (!s.get('Note', pk)) return [{ instruction: { op: 'CreateObject', ...t }, intent: { kind: 'create', ...i } }];
    const roll = rng.int(10);
    if (roll < 2) return [{ instruction: { op: 'EraseObject', ...t }, intent: { kind: 'erase', ...i } }];
    if (roll < 6) {
      const value = this.unique();
      return [{ instruction: { op: 'Set', ...t, path: ['text'], value }, intent: { kind: 'set', ...i, field: 'text', value, isDefault: false } }];
    }
    // A link to a task that may or may not exist: links are by primary key.
    const tasks = [...s.objects('Task')].map((r) => r._id as string);
    const value = rng.bool(0.2) || (!this.sharedKeys && tasks.length === 0) ? null : this.sharedKeys ? rng.pick(TASK_KEYS) : rng.pick(tasks);
    return [{ instruction: { op: 'Set', ...t, path: ['task'], value }, intent: { kind: 'set', ...i, field: 'task', value, isDefault: false } }];
  }
}
