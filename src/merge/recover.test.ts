import { describe, expect, it } from 'vitest';
import { applyInstructions, ObjectState, type Changeset, type Instruction } from '../changeset/index.ts';
import { parseSchema, type ObjectRecord, type PrimaryKey } from '../model/index.ts';
import { firstListPath, recoverChanges } from './recover.ts';

/*
 * One test per recovery rule (src/merge/recover.ts): the local changesets the server never
 * integrated, replayed onto the fresh server state after a client reset.
 */

const schema = parseSchema([
  {
    name: 'Task',
    primaryKey: '_id',
    properties: {
      _id: 'string',
      title: 'string',
      n: 'int',
      visits: 'counter',
      items: 'string[]',
      steps: 'Step[]',
      tags: 'string<>',
      attrs: 'string{}',
      address: 'Address',
    },
  },
  { name: 'Step', embedded: true, properties: { title: 'string', done: 'bool', notes: 'string[]' } },
  { name: 'Address', embedded: true, properties: { city: 'string', lines: 'string[]' } },
]);

const T = { type: 'Task', pk: 't' } as const;

function state(...instructions: Instruction[]): ObjectState {
  const s = new ObjectState(schema);
  applyInstructions(s, instructions);
  return s;
}

const cs = (...instructions: Instruction[]): Changeset => ({ origin: 5, timestamp: 100, instructions });
const none = () => undefined;

/** Recovers, applies the result onto a copy of `fresh`, and returns both. */
function recover(fresh: ObjectState, changesets: Changeset[], local: (type: string, pk: PrimaryKey) => ObjectRecord | undefined = none) {
  const instructions = recoverChanges(schema, fresh, changesets, local);
  const after = fresh.clone();
  applyInstructions(after, instructions);
  return { instructions, after, task: after.get('Task', 't') };
}

describe('recoverChanges', () => {
  it('does not modify the fresh state', () => {
    const fresh = state({ op: 'CreateObject', ...T });
    const before = JSON.stringify(fresh.toCanonical());
    recoverChanges(schema, fresh, [cs({ op: 'Set', ...T, path: ['title'], value: 'x' })], none);
    expect(JSON.stringify(fresh.toCanonical())).toBe(before);
  });

  it('CreateObject creates an absent object, and is a no-op on an existing one', () => {
    const { instructions, task } = recover(state(), [cs({ op: 'CreateObject', ...T }, { op: 'Set', ...T, path: ['title'], value: 'new' })]);
    expect(task?.title).toBe('new');
    expect(instructions.map((i) => i.op)).toEqual(['CreateObject', 'Set']);

    const existing = recover(state({ op: 'CreateObject', ...T }, { op: 'Set', ...T, path: ['title'], value: 'server' }), [cs({ op: 'CreateObject', ...T })]);
    expect(existing.instructions).toEqual([]);
    expect(existing.task?.title).toBe('server');
  });

  it('EraseObject erases a present object and is dropped for an absent one', () => {
    expect(recover(state({ op: 'CreateObject', ...T }), [cs({ op: 'EraseObject', ...T })]).task).toBeUndefined();
    expect(recover(state(), [cs({ op: 'EraseObject', ...T })]).instructions).toEqual([]);
  });

  it('a server delete wins: writes to an object absent from the fresh state are dropped', () => {
    const r = recover(state(), [
      cs({ op: 'Set', ...T, path: ['title'], value: 'lost' }, { op: 'AddInteger', ...T, path: ['visits'], value: 1 }, { op: 'ListInsert', ...T, path: ['items', 0], value: 'a' }),
    ]);
    expect(r.instructions).toEqual([]);
    expect(r.task).toBeUndefined();
  });

  it('an object the client created in the replayed changesets takes its later writes', () => {
    const local = { _id: 't', title: 'mine', items: ['a', 'b'] } as unknown as ObjectRecord;
    const r = recover(
      state(),
      [cs({ op: 'CreateObject', ...T }), cs({ op: 'Set', ...T, path: ['title'], value: 'mine' }, { op: 'ListInsert', ...T, path: ['items', 0], value: 'a' }, { op: 'ListInsert', ...T, path: ['items', 1], value: 'b' })],
      () => local,
    );
    expect(r.task).toMatchObject({ title: 'mine', items: ['a', 'b'] });
  });

  it('client field updates win over the server value', () => {
    const fresh = state({ op: 'CreateObject', ...T }, { op: 'Set', ...T, path: ['title'], value: 'server' }, { op: 'Set', ...T, path: ['n'], value: 9 });
    const r = recover(fresh, [cs({ op: 'Set', ...T, path: ['title'], value: 'client' })]);
    expect(r.task).toMatchObject({ title: 'client', n: 9 });
  });

  it('a schema default from a create does not overwrite an object the server has', () => {
    const fresh = state({ op: 'CreateObject', ...T }, { op: 'Set', ...T, path: ['title'], value: 'server' });
    const r = recover(fresh, [cs({ op: 'CreateObject', ...T }, { op: 'Set', ...T, path: ['title'], value: 'default', default: true }, { op: 'Set', ...T, path: ['n'], value: 3 })]);
    expect(r.task).toMatchObject({ title: 'server', n: 3 });
  });

  it('counter increments are added to the fresh value', () => {
    const fresh = state({ op: 'CreateObject', ...T }, { op: 'AddInteger', ...T, path: ['visits'], value: 10 });
    const r = recover(fresh, [cs({ op: 'AddInteger', ...T, path: ['visits'], value: 2 }), cs({ op: 'AddInteger', ...T, path: ['visits'], value: 3 })]);
    expect(r.task?.visits).toBe(15);
  });

  it('set and dictionary writes apply on the fresh contents', () => {
    const fresh = state(
      { op: 'CreateObject', ...T },
      { op: 'SetInsert', ...T, path: ['tags'], value: 'server' },
      { op: 'SetInsert', ...T, path: ['tags'], value: 'old' },
      { op: 'Set', ...T, path: ['attrs', 'a'], value: 'server' },
      { op: 'Set', ...T, path: ['attrs', 'b'], value: 'keep' },
    );
    const r = recover(fresh, [
      cs(
        { op: 'SetInsert', ...T, path: ['tags'], value: 'client' },
        { op: 'SetErase', ...T, path: ['tags'], value: 'old' },
        { op: 'Set', ...T, path: ['attrs', 'a'], value: 'client' },
        { op: 'Set', ...T, path: ['attrs', 'c'], value: null, erase: true },
      ),
    ]);
    expect(r.task?.tags).toEqual(['client', 'server']);
    expect(r.task?.attrs).toEqual({ a: 'client', b: 'keep' });
  });

  it('a list the client changed keeps the client contents (ListInsert, ListErase, ListMove, Clear)', () => {
    const fresh = state({ op: 'CreateObject', ...T }, { op: 'ListInsert', ...T, path: ['items', 0], value: 'server' });
    const local = { _id: 't', items: ['x', 'y'] } as unknown as ObjectRecord;
    const r = recover(fresh, [cs({ op: 'Clear', ...T, path: ['items'] }, { op: 'ListInsert', ...T, path: ['items', 0], value: 'y' }, { op: 'ListInsert', ...T, path: ['items', 0], value: 'x' })], () => local);
    expect(r.task?.items).toEqual(['x', 'y']);
    // Only the overwrite is returned, not the replayed list instructions.
    expect(r.instructions.map((i) => i.op)).toEqual(['Clear', 'ListInsert', 'ListInsert']);
    for (const op of [{ op: 'ListErase', ...T, path: ['items', 0] }, { op: 'ListMove', ...T, path: ['items', 0], to: 0 }] as Instruction[]) {
      expect(recover(fresh, [cs(op)], () => local).task?.items).toEqual(['x', 'y']);
    }
  });

  it('a write inside a list element marks the list (embedded steps, nested lists)', () => {
    const step = (title: string, done: boolean) => ({ title, done, notes: [] });
    const fresh = state({ op: 'CreateObject', ...T }, { op: 'ListInsert', ...T, path: ['steps', 0], value: step('a', false) as never });
    const local = { _id: 't', steps: [step('a', true), step('b', false)] } as unknown as ObjectRecord;
    const r = recover(fresh, [cs({ op: 'Set', ...T, path: ['steps', 0, 'done'], value: true }), cs({ op: 'ListInsert', ...T, path: ['steps', 0, 'notes', 0], value: 'n' })], () => local);
    expect(r.task?.steps).toEqual(local.steps);
    expect(firstListPath(schema, 'Task', ['steps', 0, 'notes', 0])).toEqual(['steps']);
    expect(firstListPath(schema, 'Task', ['address', 'lines', 1])).toEqual(['address', 'lines']);
    expect(firstListPath(schema, 'Task', ['attrs', 'k'])).toBeNull();
    expect(firstListPath(schema, 'Task', ['title'])).toBeNull();
  });

  it('a list of an object the client no longer has, or that the server deleted, is not overwritten', () => {
    const fresh = state({ op: 'CreateObject', ...T }, { op: 'ListInsert', ...T, path: ['items', 0], value: 'server' });
    expect(recover(fresh, [cs({ op: 'ListInsert', ...T, path: ['items', 0], value: 'x' })], none).task?.items).toEqual(['server']);
    expect(recover(state(), [cs({ op: 'ListInsert', ...T, path: ['items', 0], value: 'x' })], () => ({ _id: 't', items: ['x'] }) as never).task).toBeUndefined();
  });

  it('a list whose embedded parent is gone on the server is dropped, the rest is kept', () => {
    const fresh = state({ op: 'CreateObject', ...T });
    const local = { _id: 't', address: { city: 'Oslo', lines: ['a'] } } as unknown as ObjectRecord;
    const r = recover(fresh, [cs({ op: 'ListInsert', ...T, path: ['address', 'lines', 0], value: 'a' }, { op: 'Set', ...T, path: ['title'], value: 'kept' })], () => local);
    expect(r.task).toMatchObject({ title: 'kept', address: null });
  });

  it('an instruction that cannot apply is dropped; later ones still apply', () => {
    const fresh = state({ op: 'CreateObject', ...T });
    const r = recover(fresh, [cs({ op: 'Set', ...T, path: ['address', 'city'], value: 'nowhere' }, { op: 'Set', ...T, path: ['nope'], value: 1 } as never, { op: 'Set', ...T, path: ['n'], value: 4 })]);
    expect(r.instructions).toEqual([{ op: 'Set', ...T, path: ['n'], value: 4 }]);
    expect(r.task?.n).toBe(4);
  });

  it('the client erase then re-create replays in order', () => {
    const fresh = state({ op: 'CreateObject', ...T }, { op: 'Set', ...T, path: ['title'], value: 'server' });
    const r = recover(fresh, [cs({ op: 'EraseObject', ...T }), cs({ op: 'CreateObject', ...T }, { op: 'Set', ...T, path: ['n'], value: 1 })]);
    expect(r.task).toMatchObject({ title: '', n: 1 });
    expect(r.instructions.map((i) => i.op)).toEqual(['EraseObject', 'CreateObject', 'Set']);
  });
});
