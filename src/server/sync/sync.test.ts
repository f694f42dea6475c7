import { afterEach, describe, expect, it } from 'vitest';
import { parseSchema, type ObjectSchemaInput } from '../../model/index.ts';
import { startSyncTestServer, type SyncTestServer } from '../testing/sync-server.ts';
import { ProtocolClient } from '../testing/protocol-client.ts';

const schemaInput: ObjectSchemaInput[] = [
  {
    name: 'WorkOrder',
    primaryKey: '_id',
    properties: { _id: 'string', title: 'string', status: 'string', owner: 'string', region: 'string', visits: 'counter', tasks: 'string[]' },
  },
];
const schema = parseSchema(schemaInput);
const everything = [{ objectType: 'WorkOrder', query: 'TRUEPREDICATE', args: [] }];

let server: SyncTestServer | undefined;
const clients: ProtocolClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await server?.close();
  server = undefined;
});

async function client(userId: string, subscribe = true): Promise<ProtocolClient> {
  const c = new ProtocolClient({ url: server!.url, token: server!.token(userId), schema });
  clients.push(c);
  await c.connect();
  if (subscribe) await c.subscribe(everything);
  return c;
}

const wo = (id: string, fields: Record<string, unknown> = {}) => [
  { op: 'CreateObject' as const, type: 'WorkOrder', pk: id },
  ...Object.entries({ title: 't', status: 'open', owner: 'ana', region: 'north', ...fields }).map(([k, v]) => ({ op: 'Set' as const, type: 'WorkOrder', pk: id, path: [k], value: v as never })),
];

describe('sync engine over a real WebSocket', () => {
  it('two clients exchange writes, offline writes converge on reconnect', async () => {
    server = await startSyncTestServer({ schema: schemaInput, queryable: { global: ['owner', 'region', 'status'] } });
    const a = await client('ana');
    const b = await client('ben');
    a.write(wo('w1'));
    await a.sync();
    await b.sync();
    expect(b.state.get('WorkOrder', 'w1')?.title).toBe('t');

    a.disconnect();
    b.disconnect();
    a.write([{ op: 'Set', type: 'WorkOrder', pk: 'w1', path: ['status'], value: 'done' }, { op: 'AddInteger', type: 'WorkOrder', pk: 'w1', path: ['visits'], value: 2 }, { op: 'ListInsert', type: 'WorkOrder', pk: 'w1', path: ['tasks', 0], value: 'a-task' }]);
    b.write([{ op: 'Set', type: 'WorkOrder', pk: 'w1', path: ['title'], value: 'renamed' }, { op: 'AddInteger', type: 'WorkOrder', pk: 'w1', path: ['visits'], value: 3 }, { op: 'ListInsert', type: 'WorkOrder', pk: 'w1', path: ['tasks', 0], value: 'b-task' }]);
    await a.connect();
    await b.connect();
    await a.sync();
    await b.sync();
    await a.sync();
    const rec = a.state.get('WorkOrder', 'w1')!;
    expect(rec.visits).toBe(5);
    expect(rec.title).toBe('renamed');
    expect(rec.status).toBe('done');
    expect([...(rec.tasks as string[])].sort()).toEqual(['a-task', 'b-task']);
    expect(b.state.toCanonical()).toEqual(a.state.toCanonical());
    const stored = await server.store.getObjects([{ type: 'WorkOrder', pk: 'w1' }]);
    expect(JSON.stringify([...stored.values()][0])).toBe(JSON.stringify(rec));
  });

  it('bootstraps a subscription change and removes objects that leave the view', async () => {
    server = await startSyncTestServer({ schema: schemaInput, queryable: { global: ['region', 'status'] } });
    const admin = await client('admin');
    for (let i = 0; i < 30; i++) admin.write(wo('n' + i, { region: 'north' }));
    for (let i = 0; i < 20; i++) admin.write(wo('s' + i, { region: 'south' }));
    await admin.sync();
    const tech = await client('tech', false);
    await tech.subscribe([{ objectType: 'WorkOrder', query: 'region == $0', args: ['north'] }]);
    expect(tech.state.count('WorkOrder')).toBe(30);
    await tech.subscribe([{ objectType: 'WorkOrder', query: 'region == $0', args: ['south'] }]);
    expect(tech.state.count('WorkOrder')).toBe(20);
    expect(tech.state.get('WorkOrder', 'n1')).toBeUndefined();
    // Another client's change moves an object into and out of the view.
    admin.write([{ op: 'Set', type: 'WorkOrder', pk: 'n1', path: ['region'], value: 'south' }]);
    admin.write([{ op: 'Set', type: 'WorkOrder', pk: 's1', path: ['region'], value: 'north' }]);
    await admin.sync();
    await tech.sync();
    expect(tech.state.get('WorkOrder', 'n1')?.region).toBe('south');
    expect(tech.state.get('WorkOrder', 's1')).toBeUndefined();
    expect(tech.state.count('WorkOrder')).toBe(20);
    // And the moved object keeps receiving changes.
    admin.write([{ op: 'Set', type: 'WorkOrder', pk: 'n1', path: ['title'], value: 'moved' }]);
    await admin.sync();
    await tech.sync();
    expect(tech.state.get('WorkOrder', 'n1')?.title).toBe('moved');
  });

  it('the revert of a denied changeset leaves the later allowed changes to the same object', async () => {
    server = await startSyncTestServer({
      schema: schemaInput,
      queryable: { global: ['owner', 'region', 'status'] },
      rules: { defaultRoles: [{ name: 'owner', applyWhen: true, read: true, write: 'owner == %%user.id' }] },
    });
    const ben = await client('ben');
    const ana = await client('ana');
    ben.write(wo('b1', { owner: 'ben' }));
    await ben.sync();
    ben.disconnect();
    // Denied as a whole (the object would leave Ben's write filter): gives b1 away, renames it
    // and counts two visits. Then, allowed (b1 is still Ben's on the server): five more visits, a task.
    ben.write([
      { op: 'Set', type: 'WorkOrder', pk: 'b1', path: ['owner'], value: 'ana' },
      { op: 'Set', type: 'WorkOrder', pk: 'b1', path: ['title'], value: 'given away' },
      { op: 'AddInteger', type: 'WorkOrder', pk: 'b1', path: ['visits'], value: 2 },
    ]);
    ben.write([
      { op: 'AddInteger', type: 'WorkOrder', pk: 'b1', path: ['visits'], value: 5 },
      { op: 'ListInsert', type: 'WorkOrder', pk: 'b1', path: ['tasks', 0], value: 'kept' },
      { op: 'Set', type: 'WorkOrder', pk: 'b1', path: ['status'], value: 'done' },
    ]);
    await ben.connect();
    await ben.sync();
    await ben.sync();
    await ana.sync();
    expect(ben.errors.filter((e) => e.code === 'compensating_write')).toHaveLength(1);
    const want = { owner: 'ben', title: 't', visits: 5, tasks: ['kept'], status: 'done' };
    expect(ben.state.get('WorkOrder', 'b1')).toMatchObject(want);
    expect(ana.state.get('WorkOrder', 'b1')).toMatchObject(want);
    const stored = await server.store.getObjects([{ type: 'WorkOrder', pk: 'b1' }]);
    expect([...stored.values()][0]).toMatchObject(want);
  });
});
